import type { Database } from './store/sqlite/database.js';
import type { Clock } from '../core/time.js';
import type { HostTopicKind } from '../protocol/topics.js';

/**
 * Removed hosts, remembered so that what they leave behind cannot bring them
 * back (issue 10, item 8): a Last Will the broker publishes when the revoked
 * agent is cut (Mosquitto does, whatever we ask), a retained status another
 * broker still holds, samples still in flight. While a host has a tombstone,
 * the ingest ignores its messages: no host is created, no event logged, no
 * alert fires. Kept in `vigie.db`, so it outlives a restart; it ends when
 * the host is enrolled again or after its time to live.
 */
export interface Tombstones {
  /** Buries a host from now for the time to live (again: the clock restarts). */
  add(host: string): void;
  /** Lifts a host's tombstone (enrolled again); false when it had none. */
  lift(host: string): boolean;
  /** Whether the host's messages are to be ignored now. Cheap: a map lookup, on every message. */
  has(host: string): boolean;
  /** Live tombstones, oldest first. */
  list(): Array<{ host: string; removedAt: number; until: number }>;
}

// Created here rather than in the ingest's migrations: the table belongs to
// this module only, and IF NOT EXISTS keeps it independent of their numbering.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS removed_hosts (
    host       TEXT PRIMARY KEY,
    removed_at INTEGER NOT NULL,
    until      INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

export function openTombstones(db: Database, opts: { clock: Clock; ttlMs: number }): Tombstones {
  const { clock } = opts;
  db.exec(SCHEMA);
  db.prepare('DELETE FROM removed_hosts WHERE until <= ?').run(clock.now());
  const rows = db.prepare('SELECT host, removed_at AS removedAt, until FROM removed_hosts ORDER BY removed_at').all() as Array<{ host: string; removedAt: number; until: number }>;
  const live = new Map(rows.map((r) => [r.host, r]));
  const upsert = db.prepare('INSERT INTO removed_hosts (host, removed_at, until) VALUES (?, ?, ?) ON CONFLICT (host) DO UPDATE SET removed_at = excluded.removed_at, until = excluded.until');
  const remove = db.prepare('DELETE FROM removed_hosts WHERE host = ?');

  const lift = (host: string): boolean => {
    if (!live.delete(host)) return false;
    remove.run(host);
    return true;
  };

  return {
    add(host) {
      const removedAt = clock.now();
      const entry = { host, removedAt, until: removedAt + opts.ttlMs };
      upsert.run(entry.host, entry.removedAt, entry.until);
      live.set(host, entry);
    },
    lift,
    has(host) {
      if (live.size === 0) return false;
      const entry = live.get(host);
      if (entry === undefined) return false;
      if (entry.until > clock.now()) return true;
      lift(host); // expired: the host may come back
      return false;
    },
    list: () => [...live.values()].filter((e) => e.until > clock.now()).map((e) => ({ ...e })),
  };
}

/** A buried host's retained topic is cleared at most this often, whatever its agent keeps sending. */
const CLEAR_EVERY_MS = 5000;

/**
 * The message handler's `ignore`: true for a host with a tombstone. A
 * status, info or services message of that host is also cleared on the
 * broker (`clear`), since a late Last Will stays retained there and other
 * subscribers (the OLED, Home Assistant) would show it.
 */
export function ignoreRemoved(tombstones: Tombstones, opts: { clock: Clock; clear(host: string, kind: HostTopicKind): void }): (host: string, kind: HostTopicKind) => boolean {
  const cleared = new Map<string, number>();
  return (host, kind) => {
    if (!tombstones.has(host)) return false;
    if (kind === 'metrics') return true; // never retained
    const key = `${host}/${kind}`;
    const now = opts.clock.now();
    if ((cleared.get(key) ?? Number.NEGATIVE_INFINITY) + CLEAR_EVERY_MS <= now) {
      if (cleared.size > 10_000) cleared.clear();
      cleared.set(key, now);
      opts.clear(host, kind);
    }
    return true;
  };
}
