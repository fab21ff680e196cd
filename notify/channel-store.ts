import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { openSqlite } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';
import { mergeChannelUpdate, parseChannel, type ChannelConfig } from './channel-config.js';
import { OUTBOX_MIGRATION } from './outbox.js';

/** Channels and their delivery log live apart from metrics and accounts. */
export const NOTIFY_FILE = 'notify.db';

/** Delivery log rows kept per channel: enough to see a pattern, never a growing file. */
export const DELIVERIES_KEPT = 200;

/** One message to one channel, after its retries. */
export interface Delivery {
  id: number;
  channelId: number;
  ts: number;
  ok: boolean;
  attempts: number;
  /** Why it failed; null when ok. */
  error: string | null;
  /** The alert keys (`host/rule`) the message carried. */
  keys: string[];
  /** A "send test" message rather than alerts. */
  test: boolean;
}

export type NewDelivery = Omit<Delivery, 'id' | 'ts'>;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE channels (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    ts         INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    error      TEXT,
    keys       TEXT NOT NULL,
    test       INTEGER NOT NULL
  );
  CREATE INDEX deliveries_channel ON deliveries (channel_id, id);
  `,
  OUTBOX_MIGRATION,
];

interface DeliveryRow { id: number; channel_id: number; ts: number; ok: number; attempts: number; error: string | null; keys: string; test: number }

/**
 * Notification channels in `<dataDir>/notify.db`, with their secrets: the
 * server needs them in clear to send, so this file is as sensitive as the
 * SMTP password it holds (made mode 0600 on open). The notification outbox
 * (notify/outbox.ts) lives in the same file. Whatever
 * leaves for the browser goes through `redactChannel`.
 */
export class ChannelStore {
  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  static open(dataDir: string, clock?: Clock): ChannelStore {
    const path = join(dataDir, NOTIFY_FILE);
    const store = new ChannelStore(openSqlite(path, MIGRATIONS), clock);
    // It holds passwords and tokens in clear: readable by Vigie's user only.
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    return store;
  }

  list(): ChannelConfig[] {
    const rows = this.db.prepare('SELECT id, config FROM channels ORDER BY id').all() as { id: number; config: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.config) as ChannelConfig), id: r.id }));
  }

  get(id: number): ChannelConfig | null {
    const row = this.db.prepare('SELECT id, config FROM channels WHERE id = ?').get(id) as { id: number; config: string } | undefined;
    return row ? { ...(JSON.parse(row.config) as ChannelConfig), id: row.id } : null;
  }

  /** Checks and stores a new channel; a bad field throws VIGIE_ERR_BAD_REQUEST naming it. */
  create(input: unknown): ChannelConfig {
    // The id is the store's: validate with a placeholder, then insert without it.
    const parsed = parseChannel(typeof input === 'object' && input !== null ? { ...input, id: 1 } : input);
    if (!parsed.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', parsed.error);
    const { id: _placeholder, ...config } = parsed.value;
    const now = this.clock.now();
    const id = Number(
      this.db.prepare('INSERT INTO channels (type, config, created_at, updated_at) VALUES (?, ?, ?, ?)').run(config.type, JSON.stringify(config), now, now).lastInsertRowid,
    );
    return this.get(id)!;
  }

  /** Applies a partial update (see mergeChannelUpdate: `"********"` keeps a secret, `null` removes a field). */
  update(id: number, update: unknown): ChannelConfig {
    const stored = this.require(id);
    const merged = mergeChannelUpdate(stored, update);
    if (!merged.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', merged.error);
    const { id: _id, ...config } = merged.value;
    this.db.prepare('UPDATE channels SET config = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(config), this.clock.now(), id);
    return this.get(id)!;
  }

  delete(id: number): void {
    this.require(id);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM channels WHERE id = ?').run(id);
      this.db.prepare('DELETE FROM deliveries WHERE channel_id = ?').run(id);
      this.db.prepare('DELETE FROM outbox WHERE channel_id = ?').run(id);
    })();
  }

  /** Records one delivery and keeps only the latest DELIVERIES_KEPT of its channel. */
  recordDelivery(delivery: NewDelivery): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO deliveries (channel_id, ts, ok, attempts, error, keys, test) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(delivery.channelId, this.clock.now(), delivery.ok ? 1 : 0, delivery.attempts, delivery.error, JSON.stringify(delivery.keys), delivery.test ? 1 : 0);
      this.db
        .prepare('DELETE FROM deliveries WHERE channel_id = ? AND id <= (SELECT id FROM deliveries WHERE channel_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
        .run(delivery.channelId, delivery.channelId, DELIVERIES_KEPT);
    })();
  }

  /** The channel's latest deliveries, newest first. */
  recentDeliveries(channelId: number, limit = 20): Delivery[] {
    const rows = this.db
      .prepare('SELECT * FROM deliveries WHERE channel_id = ? ORDER BY id DESC LIMIT ?')
      .all(channelId, Math.min(Math.max(Math.trunc(limit), 1), DELIVERIES_KEPT)) as DeliveryRow[];
    return rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      ts: r.ts,
      ok: r.ok === 1,
      attempts: r.attempts,
      error: r.error,
      keys: JSON.parse(r.keys) as string[],
      test: r.test === 1,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private require(id: number): ChannelConfig {
    const channel = this.get(id);
    if (!channel) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No notification channel ${id}`);
    return channel;
  }
}
