import type { Database } from 'better-sqlite3';
import { DAY_MS, systemClock, type Clock } from '../core/time.js';
import type { AlertNotice } from './types.js';

/**
 * The notification outbox, in notify.db beside the channels: every notice
 * routed to a channel is written here before anything is sent, and stays
 * until it is delivered or clearly failed, so neither a long outage of the
 * target nor a `kill -9` loses it (issue 10 item 17). The notifier is its
 * only writer.
 */

/** `pending` waits (window or retry); the others are done: `superseded` by a newer notice of the same alert, `cancelled` when the channel went away. */
export type OutboxState = 'pending' | 'sent' | 'failed' | 'superseded' | 'cancelled';

export interface OutboxEntry {
  id: number;
  channelId: number;
  notice: AlertNotice;
  createdAt: number;
  /** Not before this (end of the group window, or the next retry). */
  nextAt: number;
  attempts: number;
  state: OutboxState;
  /** The last attempt's error; for `failed`, why it was given up. */
  error: string | null;
  doneAt: number | null;
}

/** Done rows are kept this long: the failed ones for the dashboard, the sent ones so reminders survive a restart (repeatMinutes ≤ 7 days). */
export const OUTBOX_KEPT_MS = 8 * DAY_MS;

/** Appended to ChannelStore's migrations. */
export const OUTBOX_MIGRATION = `
  CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    alert_key  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    notice     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_at    INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'pending',
    error      TEXT,
    done_at    INTEGER
  );
  CREATE INDEX outbox_pending ON outbox (state, channel_id, next_at);
  CREATE INDEX outbox_alert ON outbox (alert_key, channel_id);
  CREATE INDEX outbox_done ON outbox (done_at);
`;

interface Row {
  id: number; channel_id: number; alert_key: string; kind: string; notice: string; created_at: number;
  next_at: number; attempts: number; state: OutboxState; error: string | null; done_at: number | null;
}

const entryOf = (r: Row): OutboxEntry => ({
  id: r.id, channelId: r.channel_id, notice: JSON.parse(r.notice) as AlertNotice, createdAt: r.created_at,
  nextAt: r.next_at, attempts: r.attempts, state: r.state, error: r.error, doneAt: r.done_at,
});

/** Every statement of the outbox, prepared once: reminders and retries query it at every check. */
function prepareStatements(db: Database) {
  return {
    samePending: db.prepare("SELECT id FROM outbox WHERE state = 'pending' AND channel_id = ? AND alert_key = ? AND kind = ? AND attempts = 0 ORDER BY id DESC LIMIT 1"),
    updateNotice: db.prepare('UPDATE outbox SET notice = ? WHERE id = ?'),
    insert: db.prepare('INSERT INTO outbox (channel_id, alert_key, kind, notice, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)'),
    pendingByChannel: db.prepare("SELECT channel_id, MIN(next_at) AS next_at FROM outbox WHERE state = 'pending' GROUP BY channel_id"),
    nextDue: db.prepare("SELECT MIN(next_at) AS next_at FROM outbox WHERE state = 'pending' AND channel_id = ?"),
    batch: db.prepare("SELECT * FROM outbox WHERE state = 'pending' AND channel_id = ? AND (next_at <= ? OR attempts = 0) ORDER BY id"),
    pendingAll: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"),
    pendingOf: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND channel_id = ?"),
    overflow: db.prepare("SELECT id FROM outbox WHERE state = 'pending' AND channel_id = ? ORDER BY id DESC LIMIT -1 OFFSET ?"),
    finish: db.prepare('UPDATE outbox SET state = ?, attempts = COALESCE(?, attempts), error = ?, done_at = ? WHERE id = ?'),
    retry: db.prepare('UPDATE outbox SET attempts = ?, next_at = ?, error = ? WHERE id = ?'),
    lastTold: db.prepare("SELECT MAX(created_at) AS ts FROM outbox WHERE alert_key = ? AND channel_id = ? AND kind != 'resolved' AND state IN ('pending', 'sent', 'failed')"),
    toldSince: db.prepare('SELECT 1 FROM outbox WHERE alert_key = ? AND channel_id = ? AND created_at >= ? LIMIT 1'),
    failed: db.prepare("SELECT * FROM outbox WHERE state = 'failed' ORDER BY done_at DESC, id DESC LIMIT ?"),
    failedCount: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'failed'"),
    purge: db.prepare("DELETE FROM outbox WHERE state != 'pending' AND done_at < ?"),
  };
}

export class Outbox {
  private statements: ReturnType<typeof prepareStatements> | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Prepared once, on first use (a notifier may be made on a store already closed: it then fails per call, not at start). */
  private get q(): ReturnType<typeof prepareStatements> {
    return (this.statements ??= prepareStatements(this.db));
  }

  /**
   * Queues `notice` for a channel, due at `dueAt`. A pending notice of the
   * same alert and kind not yet attempted takes the newer values instead
   * (the latest values win, one row per alert state).
   */
  add(channelId: number, notice: AlertNotice, dueAt: number): number {
    const json = JSON.stringify(notice);
    const same = this.q.samePending
      .get(channelId, notice.key, notice.kind) as { id: number } | undefined;
    if (same) {
      this.q.updateNotice.run(json, same.id);
      return same.id;
    }
    return Number(
      this.q.insert
        .run(channelId, notice.key, notice.kind, json, this.clock.now(), dueAt).lastInsertRowid,
    );
  }

  /** Channels with pending notices, and when the earliest is due. */
  pendingChannels(): Array<{ channelId: number; nextAt: number }> {
    return (this.q.pendingByChannel.all() as Array<{ channel_id: number; next_at: number }>)
      .map((r) => ({ channelId: r.channel_id, nextAt: r.next_at }));
  }

  /** When the channel's earliest pending notice is due, or null. */
  nextDue(channelId: number): number | null {
    const row = this.q.nextDue.get(channelId) as { next_at: number | null };
    return row.next_at;
  }

  /**
   * What goes in the channel's next message: pending notices due by `until`,
   * and every one never attempted (so notices that arrive while the first
   * waits share its message), oldest first.
   */
  batch(channelId: number, until: number): OutboxEntry[] {
    return (this.q.batch
      .all(channelId, until) as Row[]).map(entryOf);
  }

  pendingCount(channelId?: number): number {
    const row = (channelId === undefined
      ? this.q.pendingAll.get()
      : this.q.pendingOf.get(channelId)) as { n: number };
    return row.n;
  }

  /** The oldest pending notices of a channel past `max`, ids only. */
  overflow(channelId: number, max: number): number[] {
    return (this.q.overflow
      .all(channelId, max) as Array<{ id: number }>).map((r) => r.id).reverse();
  }

  /** Ends notices: sent, failed (with why), superseded or cancelled. */
  finish(ids: readonly number[], state: Exclude<OutboxState, 'pending'>, attempts: number | null, error: string | null = null): void {
    const now = this.clock.now();
    const stmt = this.q.finish;
    this.db.transaction(() => {
      for (const id of ids) stmt.run(state, attempts, error, now, id);
    })();
  }

  /** Keeps notices pending for another attempt at `nextAt`. */
  retryAt(ids: readonly number[], attempts: number, nextAt: number, error: string): void {
    const stmt = this.q.retry;
    this.db.transaction(() => {
      for (const id of ids) stmt.run(attempts, nextAt, error, id);
    })();
  }

  /** When the channel was last told about an alert still firing (a firing, escalated or reminder notice), or null. */
  lastTold(key: string, channelId: number): number | null {
    const row = this.q.lastTold
      .get(key, channelId) as { ts: number | null };
    return row.ts;
  }

  /** Whether any notice about the alert went to the channel's outbox at or after `since` (its firing). */
  toldSince(key: string, channelId: number, since: number): boolean {
    return this.q.toldSince.get(key, channelId, since) !== undefined;
  }

  /** Notices given up on, newest first, for the dashboard. */
  failed(limit = 50): OutboxEntry[] {
    return (this.q.failed.all(Math.min(Math.max(Math.trunc(limit), 1), 500)) as Row[]).map(entryOf);
  }

  failedCount(): number {
    return (this.q.failedCount.get() as { n: number }).n;
  }

  /** Deletes done notices older than OUTBOX_KEPT_MS; returns how many. */
  purge(): number {
    return this.q.purge.run(this.clock.now() - OUTBOX_KEPT_MS).changes;
  }
}
