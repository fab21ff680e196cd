import type { Database, Statement } from 'better-sqlite3';
import { RollupStatements } from './rollup.js';

/** A new series, its id chosen by the store (ids are allocated in memory so a batch needs no lookup round trip). */
export type NewSeries = [id: number, host: string, metric: string, key: string];

/**
 * One write batch, encoded to cross to a worker thread cheaply: the points
 * as flat (series id, ts, value) triples in one Float64Array (transferred,
 * not copied), the series first seen in it, and the highest seq per host.
 */
export interface EncodedBatch {
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
  | { op: 'rollup'; chunk: Array<[id: number, from: number]> }
  | { op: 'retention'; ids: number[]; bounds: RetentionBounds }
  | { op: 'meta'; key: string; value: number | null }
  | { op: 'deleteHost'; host: string };

export const META_DIRTY_FROM = 'rollup_dirty_from';

/**
 * The metric store's writes, on whichever connection runs them (the
 * server's, or the write worker's own: ingest/store/sqlite/write-worker.ts).
 * Each op is one transaction; its result is a number (rows changed) or nothing.
 */
export class WriteOps {
  private readonly insertRaw: Statement<[number, number, number]>;
  private readonly insertSeries: Statement<[number, string, string, string]>;
  private readonly setMeta: Statement<[string, number | null]>;
  private readonly upsertSeq: Statement<[string, number]>;
  private readonly rollups: RollupStatements;
  readonly run: (op: WriteOp) => number | undefined;

  constructor(private readonly db: Database) {
    this.insertRaw = db.prepare('INSERT OR REPLACE INTO points_raw (series_id, ts, value) VALUES (?, ?, ?)');
    this.insertSeries = db.prepare('INSERT INTO series (id, host, metric, key) VALUES (?, ?, ?, ?)');
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.upsertSeq = db.prepare('INSERT INTO host_seq (host, seq) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET seq = max(seq, excluded.seq)');
    this.rollups = new RollupStatements(db);
    this.run = db.transaction((op: WriteOp) => this.apply(op));
  }

  private apply(op: WriteOp): number | undefined {
    switch (op.op) {
      case 'batch': {
        const { newSeries, points, seqs, dirtyFrom } = op.batch;
        for (const [id, host, metric, key] of newSeries) this.insertSeries.run(id, host, metric, key);
        for (let i = 0; i < points.length; i += 3) this.insertRaw.run(points[i]!, points[i + 1]!, points[i + 2]!);
        if (dirtyFrom !== null) this.setMeta.run(META_DIRTY_FROM, dirtyFrom);
        for (const [host, seq] of seqs) this.upsertSeq.run(host, seq);
        return points.length / 3;
      }
      case 'rollup':
        for (const [id, from] of op.chunk) this.rollups.rollUp(id, from);
        return op.chunk.length;
      case 'retention':
        return op.ids.reduce((n, id) => n + this.rollups.deleteOlder(id, op.bounds), 0);
      case 'meta':
        this.setMeta.run(op.key, op.value);
        return undefined;
      case 'deleteHost': {
        let deleted = 0;
        for (const table of ['points_raw', 'points_1m', 'points_1h']) {
          deleted += this.db.prepare(`DELETE FROM ${table} WHERE series_id IN (SELECT id FROM series WHERE host = ?)`).run(op.host).changes;
        }
        this.db.prepare('DELETE FROM series WHERE host = ?').run(op.host);
        this.db.prepare('DELETE FROM host_seq WHERE host = ?').run(op.host);
        return deleted;
      }
    }
  }
}
