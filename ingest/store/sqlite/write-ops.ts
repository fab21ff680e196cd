import type { Database, Statement } from 'better-sqlite3';
import { RollupStatements } from './rollup.js';

/** A new series, its id chosen by the store (ids are allocated in memory so a batch needs no lookup round trip). */
export type NewSeries = [id: number, host: string, metric: string, key: string];
/** A host first seen, its key chosen by the store the same way. */
export type NewHost = [key: number, host: string];

/**
 * One write batch, encoded to cross to a worker thread cheaply: the points
 * as flat (host key, ts, series id, value) quadruples in one Float64Array
 * (transferred, not copied), the hosts and series first seen in it, and the
 * highest seq per host.
 */
export interface EncodedBatch {
  newHosts: NewHost[];
  newSeries: NewSeries[];
  points: Float64Array;
  seqs: Array<[host: string, seq: number]>;
  /** New value of meta.rollup_dirty_from, when the batch lowers it. */
  dirtyFrom: number | null;
}

/** Tier bounds of retention: rows older than each are deleted. */
export interface RetentionBounds { raw: number; '1m': number; '1h': number }

/** What the writer can be asked: every statement that changes the metric tables. */
export type WriteOp =
  | { op: 'batch'; batch: EncodedBatch }
  | { op: 'rollup'; chunk: RollupChunk }
  | { op: 'retention'; ids: number[]; hostKeys: number[]; bounds: RetentionBounds }
  | { op: 'meta'; key: string; value: number | null }
  | { op: 'deleteHost'; host: string };

/**
 * What one rollup transaction rebuilds: the 1m buckets of each host from its
 * `from` (raw points are read by host), then the 1h buckets of each series.
 */
export interface RollupChunk {
  hosts: Array<[hostKey: number, from: number]>;
  series: Array<[id: number, from: number]>;
}

/** Numbers per point in EncodedBatch.points. */
export const POINT_FIELDS = 4;

export const META_DIRTY_FROM = 'rollup_dirty_from';

/**
 * The metric store's writes, on whichever connection runs them (the
 * server's, or the write worker's own: ingest/store/sqlite/write-worker.ts).
 * Each op is one transaction; its result is a number (rows changed) or nothing.
 */
export class WriteOps {
  private readonly insertRaw: Statement<[number, number, number, number]>;
  private readonly insertSeries: Statement<[number, string, string, string]>;
  private readonly insertHost: Statement<[number, string]>;
  private readonly setMeta: Statement<[string, number | null]>;
  private readonly upsertSeq: Statement<[string, number]>;
  private readonly rollups: RollupStatements;
  readonly run: (op: WriteOp) => number | undefined;

  constructor(private readonly db: Database) {
    this.insertRaw = db.prepare('INSERT OR REPLACE INTO points_raw (host_key, ts, series_id, value) VALUES (?, ?, ?, ?)');
    this.insertSeries = db.prepare('INSERT INTO series (id, host, metric, key) VALUES (?, ?, ?, ?)');
    this.insertHost = db.prepare('INSERT INTO host_keys (id, host) VALUES (?, ?)');
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.upsertSeq = db.prepare('INSERT INTO host_seq (host, seq) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET seq = max(seq, excluded.seq)');
    this.rollups = new RollupStatements(db);
    this.run = db.transaction((op: WriteOp) => this.apply(op));
  }

  private apply(op: WriteOp): number | undefined {
    switch (op.op) {
      case 'batch': {
        const { newHosts, newSeries, points, seqs, dirtyFrom } = op.batch;
        for (const [key, host] of newHosts) this.insertHost.run(key, host);
        for (const [id, host, metric, key] of newSeries) this.insertSeries.run(id, host, metric, key);
        for (let i = 0; i < points.length; i += POINT_FIELDS) this.insertRaw.run(points[i]!, points[i + 1]!, points[i + 2]!, points[i + 3]!);
        if (dirtyFrom !== null) this.setMeta.run(META_DIRTY_FROM, dirtyFrom);
        for (const [host, seq] of seqs) this.upsertSeq.run(host, seq);
        return points.length / POINT_FIELDS;
      }
      case 'rollup':
        for (const [hostKey, from] of op.chunk.hosts) this.rollups.minutesOfHost(hostKey, from);
        for (const [id, from] of op.chunk.series) this.rollups.hoursOfSeries(id, from);
        return op.chunk.series.length;
      case 'retention':
        return (
          op.hostKeys.reduce((n, key) => n + this.rollups.deleteRawOlder(key, op.bounds.raw), 0) +
          op.ids.reduce((n, id) => n + this.rollups.deleteRollupsOlder(id, op.bounds), 0)
        );
      case 'meta':
        this.setMeta.run(op.key, op.value);
        return undefined;
      case 'deleteHost': {
        let deleted = this.db.prepare('DELETE FROM points_raw WHERE host_key IN (SELECT id FROM host_keys WHERE host = ?)').run(op.host).changes;
        for (const table of ['points_1m', 'points_1h']) {
          deleted += this.db.prepare(`DELETE FROM ${table} WHERE series_id IN (SELECT id FROM series WHERE host = ?)`).run(op.host).changes;
        }
        this.db.prepare('DELETE FROM series WHERE host = ?').run(op.host);
        this.db.prepare('DELETE FROM host_keys WHERE host = ?').run(op.host);
        this.db.prepare('DELETE FROM host_seq WHERE host = ?').run(op.host);
        return deleted;
      }
    }
  }
}
