import { VigieError } from '../../core/errors.js';
import type { Handle } from '../../core/lifecycle.js';
import { isMetricName } from '../../protocol/metric-series.js';
import type { SeriesPoint } from '../../protocol/metric-series.js';
import type { HistoryQuery, HistoryResult, SeriesRef } from '../types.js';

/**
 * Where metric samples are kept (STYLE §7). SQLite is the embedded default;
 * another backend (InfluxDB) implements the same interface and is chosen by
 * configuration.
 *
 * Guarantees every implementation gives:
 * - write() never blocks on I/O: it queues, and batches are written every
 *   flush interval or when enough points are pending, in one transaction.
 * - A sample is identified by (host, metric, key, ts): writing it again
 *   replaces it (MQTT QoS 1 may deliver a message twice).
 * - flush() resolves once everything written before the call is stored.
 * - close() is idempotent; it waits for pending writes and in-flight jobs,
 *   and nothing is written after it: later write() calls return false.
 * - history() answers from the coarsest tier that fits and includes samples
 *   that are stored but not yet rolled up.
 */
export interface MetricStore extends Handle {
  /**
   * Queues the points of one sample; false when refused (store closed, `ts` past raw retention, or the
   * buffer full: see `commits.full()`). `seq` is the agent's sample number, recorded per host on commit.
   */
  write(host: string, ts: number, points: readonly SeriesPoint[], seq?: number): boolean;
  /** Commit tracking, for stores that can tell when a write is durable (SQLite); absent otherwise. */
  readonly commits?: StoreCommits;
  flush(): Promise<void>;
  history(q: HistoryQuery): Promise<HistoryResult>;
  /** Every series a host has stored, sorted by metric then key. */
  series(host: string): Promise<SeriesRef[]>;
  /** Deletes everything stored for a host (it was removed); resolves with the number of points deleted. */
  deleteHost(host: string): Promise<number>;
  stats(): MetricStoreStats;
  /** What the status page shows about the store: where, write rate, buffer fill, last error (SQLite: its page cache too). */
  details?(): MetricStoreDetails;
}

/**
 * What the ingest needs to acknowledge a sample only once it is durable
 * (issue 10, item 14): every accepted write gets the next ticket; a commit
 * covers every ticket up to `committed()`.
 */
export interface StoreCommits {
  /** Ticket of the latest accepted write (0 before any). */
  written(): number;
  /** Every write with a ticket up to this one is committed. */
  committed(): number;
  /** Highest `seq` of this host ever committed (kept across restarts); undefined when none. */
  committedSeq(host: string): number | undefined;
  /** True while the buffer is full (the disk is failing): write() refuses and the caller must not acknowledge. */
  full(): boolean;
  /** Called after each commit with the highest seq per host it held (possibly none). Listeners must not throw. */
  onCommit(listener: (seqs: ReadonlyMap<string, number>) => void): void;
}

/** `ok`; `full`: the last write failed because the disk is full; `failing`: it failed for another reason. */
export type StorageState = 'ok' | 'full' | 'failing';

export interface MetricStoreDetails {
  /** `sqlite` or `influx`: the store in use. */
  kind: string;
  /** Whether writes currently succeed (the status page shows `full` as "storage full"). */
  state?: StorageState;
  /** Where the points go (URL, API generation, database or bucket), never a credential. */
  target: string;
  /** Points written per second over the last 10 s. */
  writeRate: number;
  /** Points waiting / buffer size, 0..1. */
  bufferFill: number;
  pending: number;
  written: number;
  /** Points sent again after a failed attempt. */
  retried: number;
  /** Points lost because the buffer was full. */
  dropped: number;
  /** Points the server refused (bad data or credentials). */
  rejected: number;
  lastError: { at: number; message: string } | null;
  /**
   * SQLite only: the page cache bound of the server's connection to vigie.db
   * and of the one that writes the metrics (the write worker's; null until it
   * has opened), bytes, as SQLite reports them (`ingest.sqliteCache`).
   */
  pageCache?: { server: number; writer: number | null };
}

export interface MetricStoreStats {
  /** Points stored since start. */
  written: number;
  /** Points queued for the next batch. */
  pending: number;
  /** Points refused: too old for raw retention, or written after close. */
  refused: number;
  /** Points lost because batches kept failing and the queue hit its bound (SQLite refuses instead: always 0). */
  dropped: number;
}

/** Every store refuses the same malformed queries with the same errors (the REST layer validates first; this guards other callers). */
export function checkHistoryQuery(q: HistoryQuery): void {
    if (!isMetricName(q.metric)) throw new VigieError('VIGIE_ERR_BAD_METRIC', `metric: "${String(q.metric).slice(0, 60)}" is not a metric`);
    if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || !(q.from < q.to)) {
      throw new VigieError('VIGIE_ERR_BAD_RANGE', `from/to: expected finite ms with from < to (from=${q.from}, to=${q.to})`);
    }
    if (!Number.isFinite(q.step) || !(q.step > 0)) throw new VigieError('VIGIE_ERR_BAD_RANGE', `step: expected a positive number of ms, got ${q.step}`);
}
