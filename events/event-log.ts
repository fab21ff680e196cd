import { join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { openSqlite } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';

/** The event log file, apart from metrics and accounts: it has its own retention. */
export const EVENTS_FILE = 'events.db';

/** What happened, who did it, from where: one row of the event log. */
export interface VigieEvent {
  id: number;
  ts: number;
  /** Dotted type, e.g. `auth.login`, `auth.login_failed`, `auth.locked`, `user.created`, `host.access`. */
  type: string;
  host: string | null;
  /** Name of the user who acted (or tried to). */
  user: string | null;
  address: string | null;
  message: string;
  /** Details, e.g. `{ before, after }` for a settings change. */
  data: Record<string, unknown> | null;
}

export type NewEvent = Omit<VigieEvent, 'id' | 'ts' | 'host' | 'user' | 'address' | 'data'> &
  Partial<Pick<VigieEvent, 'host' | 'user' | 'address' | 'data'>>;

export interface EventFilter {
  /** One type, or a family: `alert.*`. */
  type?: string;
  host?: string;
  user?: string;
  /** ms, inclusive. */
  from?: number;
  /** ms, exclusive. */
  to?: number;
  /** At most this many, newest first (default 100, at most 1000). */
  limit?: number;
  /**
   * Only events older than the event with this id (newest-first order: time,
   * then id): the next page after a page whose last row it is. Stable while
   * new events arrive, unlike an offset.
   */
  beforeId?: number;
  /** Only events newer than the event with this id: the page before (still answered newest first). */
  afterId?: number;
}

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    ts      INTEGER NOT NULL,
    type    TEXT NOT NULL,
    host    TEXT,
    user    TEXT,
    address TEXT,
    message TEXT NOT NULL,
    data    TEXT
  );
  CREATE INDEX events_ts ON events (ts);
  CREATE INDEX events_type_ts ON events (type, ts);
  CREATE INDEX events_host_ts ON events (host, ts);
  `,
];

interface Row extends Omit<VigieEvent, 'data'> { data: string | null }

/** The event log: logins, changes of settings and access, and (later) alerts and host transitions. */
export class EventLog {
  private readonly insert: Statement<[number, string, string | null, string | null, string | null, string, string | null]>;

  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.insert = db.prepare('INSERT INTO events (ts, type, host, user, address, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  static open(dataDir: string, clock?: Clock): EventLog {
    return new EventLog(openSqlite(join(dataDir, EVENTS_FILE), MIGRATIONS), clock);
  }

  append(event: NewEvent): void {
    this.insert.run(
      this.clock.now(),
      event.type,
      event.host ?? null,
      event.user ?? null,
      event.address ?? null,
      event.message,
      event.data ? JSON.stringify(event.data) : null,
    );
  }

  query(filter: EventFilter = {}): VigieEvent[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const add = (sql: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    // `alert.*` asks for a family of types.
    if (filter.type?.endsWith('.*')) add("type LIKE ? ESCAPE '\\'", `${filter.type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    else add('type = ?', filter.type);
    add('host = ?', filter.host);
    add('user = ?', filter.user);
    add('ts >= ?', filter.from);
    add('ts < ?', filter.to);
    // Keyset paging on (ts, id), the order shown; a cursor row purged meanwhile falls back to its id alone.
    const cursor = (id: number): { ts: number; id: number } => {
      const row = this.db.prepare('SELECT ts FROM events WHERE id = ?').get(id) as { ts: number } | undefined;
      return { ts: row?.ts ?? Number.NaN, id };
    };
    if (filter.beforeId !== undefined) {
      const c = cursor(filter.beforeId);
      if (Number.isNaN(c.ts)) add('id < ?', c.id);
      else {
        where.push('(ts < ? OR (ts = ? AND id < ?))');
        args.push(c.ts, c.ts, c.id);
      }
    }
    let newer = false;
    if (filter.afterId !== undefined) {
      const c = cursor(filter.afterId);
      newer = true;
      if (Number.isNaN(c.ts)) add('id > ?', c.id);
      else {
        where.push('(ts > ? OR (ts = ? AND id > ?))');
        args.push(c.ts, c.ts, c.id);
      }
    }
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    // The page just newer than a cursor is the oldest `limit` rows above it, turned newest first.
    const order = newer ? 'ts ASC, id ASC' : 'ts DESC, id DESC';
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${limit}`;
    const rows = (this.db.prepare(sql).all(...args) as Row[]).map((r) => ({ ...r, data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : null }));
    return newer ? rows.reverse() : rows;
  }

  /** Deletes events older than `before` (ms); returns how many. */
  purgeBefore(before: number): number {
    return this.db.prepare('DELETE FROM events WHERE ts < ?').run(before).changes;
  }

  close(): void {
    this.db.close();
  }
}
