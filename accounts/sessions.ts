import type { Database, Statement } from 'better-sqlite3';
import { generateSecret, hashSecret } from '../core/secrets.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../core/time.js';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, used or not. */
  maxMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 12 * HOUR_MS, maxMs: 7 * DAY_MS };

/** A live session: `key` (the hash of its id) names it in logs and Socket.IO rooms without revealing it. */
export interface Session {
  key: string;
  userId: number;
  csrf: string;
  createdAt: number;
  /** The user's sign-in before this one (ms), or null when this is their first. */
  previousLoginAt: number | null;
}

interface Row {
  id_hash: string;
  user_id: number;
  csrf: string;
  created_at: number;
  last_seen_at: number;
  previous_login_at: number | null;
}

// last_seen is written at most this often per session: a page polling the API must not turn reads into writes.
const TOUCH_EVERY_MS = MINUTE_MS;

/**
 * Resolving a session is a read that may also write (last_seen, or dropping an
 * expired row). When that write fails (disk full, issue 10, item 16) the read
 * still answers: a missed touch only moves the idle expiry earlier, a missed
 * drop is retried at the next resolution or purge.
 */
function tolerateWriteFailure(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    // A disk or database that cannot take the write (SQLITE_FULL, SQLITE_IOERR…) is tolerated, see above;
    // anything else is a bug and is thrown. A login (create) still fails loudly: it cannot work without its row.
    if (!String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_')) throw error;
  }
}

/**
 * Dashboard sessions in accounts.db: the browser holds a random 256-bit id,
 * the table only its SHA-256 (a stolen backup opens no session). Each
 * session has its own CSRF token.
 */
export class SessionStore {
  // Prepared once: every API request and every live socket's sweep resolves a session.
  private readonly byKey: Statement<[string], Row>;
  private readonly touch: Statement<[number, string]>;
  private readonly drop: Statement<[string]>;

  constructor(
    private readonly db: Database,
    private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly clock: Clock = systemClock,
  ) {
    this.byKey = db.prepare('SELECT * FROM sessions WHERE id_hash = ?');
    this.touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?');
    this.drop = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
  }

  /**
   * Opens a session; `id` goes in the cookie and is not kept.
   * `previousLoginAt`: the user's last sign-in before this one, kept with the session.
   */
  create(userId: number, address: string | null, previousLoginAt: number | null = null): { id: string; session: Session } {
    const id = generateSecret();
    const now = this.clock.now();
    const session: Session = { key: hashSecret(id), userId, csrf: generateSecret(), createdAt: now, previousLoginAt };
    this.db
      .prepare('INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen_at, address, previous_login_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(session.key, userId, session.csrf, now, now, address, previousLoginAt);
    return { id, session };
  }

  /** The session a cookie value names, if it is still valid; keeps it alive. */
  resolve(id: string): Session | null {
    if (id.length === 0 || id.length > 128) return null;
    const key = hashSecret(id);
    const row = this.byKey.get(key);
    if (!row) return null;
    const now = this.clock.now();
    if (now - row.last_seen_at > this.policy.idleMs || now - row.created_at > this.policy.maxMs) {
      tolerateWriteFailure(() => this.drop.run(key));
      return null;
    }
    if (now - row.last_seen_at > TOUCH_EVERY_MS) tolerateWriteFailure(() => this.touch.run(now, key));
    return { key, userId: row.user_id, csrf: row.csrf, createdAt: row.created_at, previousLoginAt: row.previous_login_at };
  }

  /**
   * For a page holding a live socket: whether the session `key` names is
   * still open, counting the open page as use (a wall display stays signed
   * in until the session's maximum age).
   */
  keepAlive(key: string): boolean {
    const row = this.byKey.get(key);
    const now = this.clock.now();
    if (!row || now - row.last_seen_at > this.policy.idleMs || now - row.created_at > this.policy.maxMs) return false;
    if (now - row.last_seen_at > TOUCH_EVERY_MS) tolerateWriteFailure(() => this.touch.run(now, key));
    return true;
  }

  /** Ends one session (logout). */
  end(key: string): void {
    this.drop.run(key);
  }

  /** Ends every session of a user but `keep` (after a password or role change); returns the keys ended. */
  endAllOf(userId: number, keep?: string): string[] {
    const rows = this.db.prepare('SELECT id_hash FROM sessions WHERE user_id = ? AND id_hash != ?').all(userId, keep ?? '') as { id_hash: string }[];
    this.db.prepare('DELETE FROM sessions WHERE user_id = ? AND id_hash != ?').run(userId, keep ?? '');
    return rows.map((r) => r.id_hash);
  }

  /** Deletes expired sessions; returns how many. */
  purgeExpired(): number {
    const now = this.clock.now();
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(now - this.policy.idleMs, now - this.policy.maxMs).changes;
  }
}
