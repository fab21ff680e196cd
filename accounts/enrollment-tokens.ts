import { dirname } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { isDeviceIn } from '../devices/ids.js';
import { VigieError } from '../core/errors.js';
import { generateSecret, hashSecret } from '../core/secrets.js';
import { DAY_MS, formatUtcMinute, HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import { isHostId } from '../protocol/host-id.js';
import type { HostAccessStore } from './host-access.js';
import { usernameFor, type MqttCredentialStore } from './mqtt-credentials.js';

/** A pending token as listed: never the token itself. */
export interface EnrollmentToken {
  id: number;
  host: string;
  /** Who made it: a user name, or `cli` for `vigie credentials add`. */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  /** The owner and groups given to the host when the token is used (null: the host's access is left as it is). */
  access: { owner: number | null; groups: number[] } | null;
}

/** What a used token gives: the host's new MQTT credentials. */
export interface Redeemed {
  ok: true;
  token: EnrollmentToken;
  host: string;
  username: string;
  password: string;
  /** The host had active credentials, which these replace (the old agent's connection must be cut). */
  replaced: boolean;
}

export type RefusalReason = 'unknown' | 'used' | 'expired' | 'cancelled' | 'device';

export interface Refused {
  ok: false;
  reason: RefusalReason;
  /** For the person running the install line: what happened and what to do. */
  message: string;
  /** The token's row when it exists (used, expired, cancelled), for the event log. */
  token: EnrollmentToken | null;
}

/** Tokens are recognisable in logs and secret scanners by this prefix. */
export const ENROLL_TOKEN_PREFIX = 'vge_';

/** Default lifetime of a token (auth.enrollTokenMinutes). */
export const DEFAULT_ENROLL_TTL_MS = HOUR_MS;
/** Bounds of a token's lifetime: long enough to copy a line, short enough that a leaked one dies soon. */
export const MIN_ENROLL_TTL_MS = MINUTE_MS;
export const MAX_ENROLL_TTL_MS = 7 * DAY_MS;
/** Used, cancelled and expired rows are kept this long after expiry, so a late reuse still gets a precise answer. */
const KEEP_DONE_MS = 30 * DAY_MS;

const NEW_TOKEN = 'make a new one in Hosts & agents (or with vigie credentials add --host)';

interface Row {
  id: number;
  host: string;
  set_access: number;
  owner_id: number | null;
  groups: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_from: string | null;
  cancelled_at: number | null;
}

function tokenOf(row: Row): EnrollmentToken {
  return {
    id: row.id,
    host: row.host,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    access: row.set_access ? { owner: row.owner_id, groups: JSON.parse(row.groups) as number[] } : null,
  };
}

/**
 * One-time enrollment tokens (issue 11): an install line carries one instead
 * of a password. A token names one host, expires (1 h by default), is used
 * once and can be cancelled; only its SHA-256 is kept. Using it creates, or
 * replaces, that host's MQTT credentials and applies the access chosen when
 * it was made, all in one transaction: a refused token changes nothing.
 */
export class EnrollmentTokenStore {
  private readonly byHash: Statement<[string], Row>;
  private readonly pending: Statement<[number], Row>;

  constructor(
    private readonly db: Database,
    private readonly credentials: MqttCredentialStore,
    private readonly hostAccess: HostAccessStore,
    private readonly clock: Clock = systemClock,
    /**
     * Whether a host id is an SNMP device (issue 13): a device's id never gets
     * agent credentials, or an agent could speak in the device's name. By
     * default read from devices.db beside accounts.db.
     */
    private readonly isDevice: (host: string) => boolean = (host) => !db.memory && isDeviceIn(dirname(db.name), host),
  ) {
    this.byHash = db.prepare('SELECT * FROM enrollment_tokens WHERE token_hash = ?');
    this.pending = db.prepare('SELECT * FROM enrollment_tokens WHERE used_at IS NULL AND cancelled_at IS NULL AND expires_at > ? ORDER BY created_at, id');
  }

  /**
   * Makes a token for `host` (a canonical host id); the token is returned
   * once and not kept. Earlier pending tokens for the host are cancelled: one
   * line per host is valid at a time. `access`, when given, is checked now
   * and applied when the token is used.
   */
  create(opts: { host: string; ttlMs?: number; createdBy: string; access?: { owner: number | null; groups: number[] } }): { token: EnrollmentToken; secret: string } {
    const { host, createdBy, access } = opts;
    if (!isHostId(host)) throw new VigieError('VIGIE_ERR_BAD_HOST_ID', `host: "${host.slice(0, 80)}" is not a host id (expected [a-z0-9][a-z0-9._-]{0,62})`);
    const ttlMs = opts.ttlMs ?? DEFAULT_ENROLL_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs < MIN_ENROLL_TTL_MS || ttlMs > MAX_ENROLL_TTL_MS) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'ttl: expected between 1 minute and 7 days');
    }
    if (this.isDevice(host)) throw new VigieError('VIGIE_ERR_CONFLICT', `host: ${host} is an SNMP device, polled by an agent: it cannot enroll an agent of its own (give the agent another host id, or remove the device first)`);
    if (access) this.checkAccess(access);
    const secret = ENROLL_TOKEN_PREFIX + generateSecret();
    const now = this.clock.now();
    const id = this.db.transaction(() => {
      this.purge(now);
      this.db.prepare('UPDATE enrollment_tokens SET cancelled_at = ?, cancelled_by = ? WHERE host = ? AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?')
        .run(now, `${createdBy} (a newer token)`, host, now);
      return Number(
        this.db
          .prepare('INSERT INTO enrollment_tokens (host, token_hash, set_access, owner_id, groups, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(host, hashSecret(secret), access ? 1 : 0, access?.owner ?? null, JSON.stringify(access ? [...new Set(access.groups)] : []), createdBy, now, now + ttlMs).lastInsertRowid,
      );
    })();
    return { token: this.get(id)!, secret };
  }

  get(id: number): EnrollmentToken | null {
    const row = this.db.prepare('SELECT * FROM enrollment_tokens WHERE id = ?').get(id) as Row | undefined;
    return row ? tokenOf(row) : null;
  }

  /** Tokens that can still be used, oldest first. */
  listPending(): EnrollmentToken[] {
    return this.pending.all(this.clock.now()).map(tokenOf);
  }

  /** Cancels a pending token; returns it, or null when there is no such pending token. */
  cancel(id: number, by: string): EnrollmentToken | null {
    const now = this.clock.now();
    const done = this.db.prepare('UPDATE enrollment_tokens SET cancelled_at = ?, cancelled_by = ? WHERE id = ? AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?').run(now, by, id, now);
    return done.changes > 0 ? this.get(id) : null;
  }

  /** Cancels every pending token of a host (the host is removed); returns how many. */
  cancelHost(host: string, by: string): number {
    const now = this.clock.now();
    return this.db.prepare('UPDATE enrollment_tokens SET cancelled_at = ?, cancelled_by = ? WHERE host = ? AND used_at IS NULL AND cancelled_at IS NULL').run(now, by, host).changes;
  }

  /**
   * Uses a token: in one transaction, marks it used, creates (or replaces)
   * its host's agent credentials and applies its access. A token that is
   * unknown, used, expired or cancelled is refused and nothing changes.
   * `from` (the peer address) is kept to say where a token was used.
   */
  redeem(secret: string, from: string): Redeemed | Refused {
    if (typeof secret !== 'string' || !secret.startsWith(ENROLL_TOKEN_PREFIX) || secret.length > 128) return refuse('unknown', null);
    return this.db.transaction((): Redeemed | Refused => {
      const row = this.byHash.get(hashSecret(secret));
      const now = this.clock.now();
      if (!row) return refuse('unknown', null);
      if (row.used_at !== null) return refuse('used', row);
      if (row.cancelled_at !== null) return refuse('cancelled', row);
      if (row.expires_at <= now) return refuse('expired', row);
      if (this.isDevice(row.host)) return refuse('device', row);
      this.db.prepare('UPDATE enrollment_tokens SET used_at = ?, used_from = ? WHERE id = ?').run(now, from.slice(0, 100), row.id);
      const username = usernameFor({ kind: 'agent', host: row.host });
      const replaced = this.credentials.stamp(username) !== null;
      const created = this.credentials.add({ kind: 'agent', host: row.host });
      if (row.set_access) this.hostAccess.setAccess(row.host, this.stillValid(row));
      return { ok: true, token: tokenOf(row), host: row.host, username: created.username, password: created.password, replaced };
    }).immediate();
  }

  /** Forgets done tokens long past their expiry. */
  private purge(now: number): void {
    this.db.prepare('DELETE FROM enrollment_tokens WHERE expires_at < ?').run(now - KEEP_DONE_MS);
  }

  private checkAccess(access: { owner: number | null; groups: number[] }): void {
    if (access.owner !== null && !this.db.prepare('SELECT 1 FROM users WHERE id = ?').get(access.owner)) {
      throw new VigieError('VIGIE_ERR_BAD_REQUEST', `owner: no user with id ${access.owner}`);
    }
    for (const g of access.groups) {
      if (!this.db.prepare('SELECT 1 FROM groups WHERE id = ?').get(g)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `groups: no group with id ${g}`);
    }
  }

  /** The token's access minus the groups deleted since it was made (a deleted owner is already NULL). */
  private stillValid(row: Row): { owner: number | null; groups: number[] } {
    const groups = (JSON.parse(row.groups) as number[]).filter((g) => this.db.prepare('SELECT 1 FROM groups WHERE id = ?').get(g));
    return { owner: row.owner_id, groups };
  }
}

function refuse(reason: RefusalReason, row: Row | null): Refused {
  const message =
    reason === 'used' ? `this enrollment token was already used on ${formatUtcMinute(row!.used_at!)}${row!.used_from ? ` (from ${row!.used_from})` : ''}: ${NEW_TOKEN}`
    : reason === 'cancelled' ? `this enrollment token was cancelled on ${formatUtcMinute(row!.cancelled_at!)}: ${NEW_TOKEN}`
    : reason === 'expired' ? `this enrollment token expired at ${formatUtcMinute(row!.expires_at)}: ${NEW_TOKEN}`
    : reason === 'device' ? `${row!.host} is now an SNMP device, polled by an agent: it cannot enroll an agent of its own; make a token for another host id`
    : `unknown enrollment token: check that the whole line was copied, or ${NEW_TOKEN}`;
  return { ok: false, reason, message, token: row ? tokenOf(row) : null };
}
