import type { Database, Statement } from 'better-sqlite3';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { VigieError } from '../../../core/errors.js';
import { cacheBytesOf } from '../../../core/sqlite.js';
import { onceClose } from '../../../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../../../core/logger.js';
import { HOUR_MS, floorTo, secondsToMs, systemClock, type Clock } from '../../../core/time.js';
import type { SeriesPoint } from '../../../protocol/metric-series.js';
import type { HistoryQuery, HistoryResult } from '../../types.js';
import {
  checkHistoryQuery, type MetricStore, type MetricStoreDetails, type MetricStoreStats, type StorageState, type StoreCommits,
} from '../metric-store.js';
import { TIER_WIDTH_MS, chooseTier, deleteBefore, type Retention } from '../tiers.js';
import { inlineWriter, workerWriter, type BatchWriter } from './batch-writer.js';
import { HistoryStatements } from './history-query.js';
import { SeriesIds } from './series-ids.js';
import { PendingSamples } from './pending-samples.js';
import { META_DIRTY_FROM, POINT_FIELDS, type EncodedBatch, type NewHost, type NewSeries, type RollupChunk } from './write-ops.js';

export interface SqliteMetricStoreOptions {
  /** An open database (see openDatabase); the caller closes it after the store. */
  db: Database;
  retention: Retention;
  /** Seconds between write batches. */
  flushInterval: number;
  /** Pending points that trigger a batch early. */
  flushSize: number;
  /** Seconds between rollup runs (default 60). Retention runs at most hourly. */
  maintenanceInterval?: number;
  clock?: Clock;
  log?: Logger;
  /**
   * Where writes run: `worker` (a thread with its own connection to the same
   * file, so commits use the second core and never hold the event loop) or
   * `inline` (this thread; the default, and the only choice for :memory:).
   */
  writer?: 'inline' | 'worker';
  /** The worker's `synchronous` pragma: as the server's connection (openDatabase). */
  synchronous?: 'FULL' | 'NORMAL';
  /** The worker connection's page cache, bytes: as the server's connection (`ingest.sqliteCache`). */
  cacheBytes?: number;
}

export interface MaintenanceReport {
  /** Series whose rollups were recomputed. */
  rolledUp: number;
  /** Rows deleted by retention (0 when retention did not run). */
  deleted: number;
}

export interface SqliteMetricStore extends MetricStore {
  /**
   * Rolls up every series written since the last run and, when `retention`
   * is true, deletes rows past each tier's retention. The periodic job calls
   * it; tests call it with an injected clock. Runs are serialised.
   */
  maintain(opts?: { retention?: boolean }): Promise<MaintenanceReport>;
}

/** Series handled per transaction by maintenance, between which the event loop runs. */
const MAINTENANCE_CHUNK = 500;
const RETENTION_EVERY_MS = HOUR_MS;
/** A maintenance run this long is logged (it shares the writer with the write batches). */
const SLOW_MAINTENANCE_MS = 1000;
/** The window of the write rate shown on the status page. */
const RATE_WINDOW_MS = 10_000;

/** A failing database keeps at most this many batches queued; past it write() refuses (nothing queued is dropped). */
const MAX_PENDING_BATCHES = 10;
/**
 * A healthy one, this many times more: what waits for the writer is bounded
 * upstream (the broker sends the ingest broker.ingestWindow messages ahead of
 * its acknowledgements), this only guards against another producer.
 */
const HEALTHY_HEADROOM = 20;
/** One "write batch failed" line per this many ms, with the count of those suppressed (a full disk fails every second). */
const FAILURE_LOG_EVERY_MS = 60_000;

/**
 * The SQLite metric store: raw samples in points_raw (keyed by host, then
 * time), 1-minute and 1-hour rollups (sum, count, min, max) in points_1m /
 * points_1h (keyed by series), series ids in `series`, host keys in
 * `host_keys`. See docs/storage.md for the schema and guarantees.
 */
export function startSqliteMetricStore(opts: SqliteMetricStoreOptions): SqliteMetricStore {
  const { db, retention } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger('store');
  const ids = new SeriesIds(db);
  const queries = new HistoryStatements(db);
  const getMeta: Statement<[string], { value: number | null }> = db.prepare('SELECT value FROM meta WHERE key = ?');
  const writer: BatchWriter = opts.writer === 'worker' && !db.memory ? workerWriter(db.name, { synchronous: opts.synchronous ?? 'FULL', ...(opts.cacheBytes !== undefined ? { cacheBytes: opts.cacheBytes } : {}) }) : inlineWriter(db);
  // Set when the connection was opened, never after: read once, not on every status read.
  const serverCacheBytes = cacheBytesOf(db);
  const warnFailure = createRateLimitedLog(log, FAILURE_LOG_EVERY_MS);
  // Commit tracking (issue 10, item 14): the ingest acknowledges a message only once its ticket is committed.
  const committedSeqs = new Map<string, number>();
  for (const row of db.prepare('SELECT host, seq FROM host_seq').iterate() as IterableIterator<{ host: string; seq: number }>) {
    committedSeqs.set(row.host, row.seq);
  }
  const commitListeners: Array<(seqs: ReadonlyMap<string, number>) => void> = [];
  let lastTicket = 0;
  let committedTicket = 0;
  let state: StorageState = 'ok';

  const rawRetentionMs = secondsToMs(retention.raw);
  // What waits for the next batch, and the columns the batch being written used (reused: see PendingSamples).
  let pending = new PendingSamples();
  let spare = new PendingSamples();
  /** Points of the batch the writer is committing now. */
  let inFlightPoints = 0;
  let closed = false;
  let stopping = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let flushScheduled = false;
  const counters = { written: 0, refused: 0, dropped: 0, retried: 0 };
  // For the status page: points written over the last 10 s, and the last failure.
  const recent: Array<{ at: number; n: number }> = [];
  let lastError: { at: number; message: string } | null = null;

  // Rollup bookkeeping: host → earliest sample ts written since its last rollup
  // (a sample writes all its series, and raw points are read by host).
  // `rolling` holds the snapshot a running maintenance works through.
  let dirty = new Map<string, number>();
  let rolling: Map<string, number> | undefined;
  // Mirror of meta.rollup_dirty_from: the earliest ts not yet rolled up, kept on
  // disk so a crash before the next rollup cannot leave samples out of it.
  let persistedDirtyFrom = getMeta.get(META_DIRTY_FROM)?.value ?? null;
  if (persistedDirtyFrom !== null) for (const host of ids.hosts()) dirty.set(host, persistedDirtyFrom);
  let lastRetentionAt = -Infinity;
  let maintenanceChain: Promise<unknown> = Promise.resolve();

  /** The batch as the writer takes it; series ids and dirty marks are settled here, in this thread. */
  function encode(batch: PendingSamples): { encoded: EncodedBatch; seqs: Map<string, number> } {
    const points = new Float64Array(batch.pointCount * POINT_FIELDS);
    const newHosts: NewHost[] = [];
    const newSeries: NewSeries[] = [];
    const seqs = new Map<string, number>();
    let batchMin = Infinity;
    let i = 0;
    for (let s = 0; s < batch.length; s++) {
      const host = batch.host(s);
      const ts = batch.timestamp(s);
      const seq = batch.seq(s);
      if (ts < batchMin) batchMin = ts;
      if (seq !== undefined && seq > (seqs.get(host) ?? -1)) seqs.set(host, seq);
      const hostKey = ids.hostKeyOrAllocate(host, newHosts);
      for (let p = batch.from(s), end = batch.to(s); p < end; p++) {
        points[i++] = hostKey;
        points[i++] = ts;
        points[i++] = ids.getOrAllocate(host, batch.metric(p), batch.key(p), newSeries);
        points[i++] = batch.value(p);
      }
      const d = dirty.get(host);
      if (d === undefined || ts < d) dirty.set(host, ts);
    }
    let dirtyFrom: number | null = null;
    if (batchMin !== Infinity && (persistedDirtyFrom === null || batchMin < persistedDirtyFrom)) dirtyFrom = persistedDirtyFrom = batchMin;
    return { encoded: { newHosts, newSeries, points, seqs: [...seqs], dirtyFrom }, seqs };
  }

  /** Writes what is pending as one batch; rejects (the points queued again) when it rolled back. */
  async function runBatch(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    const points = batch.pointCount;
    pending = spare;
    const persistedBefore = persistedDirtyFrom;
    const { encoded, seqs } = encode(batch);
    inFlightPoints = points;
    try {
      await writer.run({ op: 'batch', batch: encoded });
    } catch (error) {
      inFlightPoints = 0;
      lastError = { at: clock.now(), message: (error as Error).message };
      state = (error as { code?: unknown }).code === 'SQLITE_FULL' ? 'full' : 'failing';
      counters.retried += points;
      // The transaction rolled back: forget the ids it took and keep the points for the
      // next try. Dirty marks it set are left: a mark too many only costs a recompute.
      // Nothing is dropped: once the queue is at its bound write() refuses, and the
      // ingest leaves those messages unacknowledged for the broker or agent to resend.
      ids.reload();
      persistedDirtyFrom = persistedBefore;
      batch.append(pending);
      pending.clear(opts.flushSize);
      spare = pending;
      pending = batch;
      if (!closed) armTimer();
      throw error;
    }
    inFlightPoints = 0;
    if (state !== 'ok') log.info({ pending: pending.pointCount, was: state }, 'write batches succeed again');
    state = 'ok';
    counters.written += points;
    committedTicket = batch.lastTicket;
    batch.clear(opts.flushSize);
    spare = batch;
    for (const [host, seq] of seqs) committedSeqs.set(host, Math.max(seq, committedSeqs.get(host) ?? -1));
    const at = clock.now();
    recent.push({ at, n: points });
    while (recent.length > 0 && recent[0]!.at < at - RATE_WINDOW_MS) recent.shift();
    for (const listener of commitListeners) {
      try {
        listener(seqs);
      } catch (error) {
        log.error({ err: error }, 'commit listener failed');
      }
    }
    // What came in meanwhile goes next, at once if it is a batch's worth.
    if (!closed && !stopping && state === 'ok' && pending.pointCount >= opts.flushSize) scheduleFlush();
    else if (pending.length > 0 && !closed) armTimer();
  }

  /** One batch at a time, in order: a later batch must never commit before an earlier one is retried. */
  let writeChain: Promise<void> = Promise.resolve();
  function flushNow(): Promise<void> {
    const next = writeChain.then(runBatch);
    writeChain = next.catch(() => undefined);
    return next;
  }

  /** Everything written so far, committed (batch after batch); rejects when a batch fails. */
  async function flushAll(): Promise<void> {
    do await flushNow();
    while (pending.length > 0);
  }

  function flushLogged(): void {
    flushNow().catch((error: unknown) => {
      warnFailure('write', 'write batch failed; will retry (nothing is acknowledged until it succeeds)', {
        err: (error as Error).message, code: (error as { code?: unknown }).code, pending: pending.pointCount,
      });
    });
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    // Out of the caller's stack: the MQTT handler returns before the batch runs.
    setImmediate(() => {
      flushScheduled = false;
      flushLogged();
    });
  }

  const full = (): boolean => pending.pointCount + inFlightPoints >= opts.flushSize * MAX_PENDING_BATCHES * (state === 'ok' ? HEALTHY_HEADROOM : 1);

  function armTimer(): void {
    flushTimer ??= setTimeout(flushLogged, secondsToMs(opts.flushInterval));
  }

  async function runMaintenance(withRetention: boolean): Promise<MaintenanceReport> {
    const now = clock.now();
    const bounds = deleteBefore(now, retention);
    const started = performance.now();
    let rolledUp = 0;
    rolling = dirty;
    dirty = new Map();
    const work = [...rolling];
    try {
      for (let i = 0; i < work.length && !stopping; ) {
        // Whole hosts per transaction, about MAINTENANCE_CHUNK series in all.
        const chunk: RollupChunk = { rawBound: bounds.raw, hosts: [] };
        const done: string[] = [];
        for (let series = 0; i < work.length && series < MAINTENANCE_CHUNK; i++) {
          const [host, from] = work[i]!;
          done.push(host);
          const key = ids.hostKey(host);
          if (key === undefined) continue; // deleted since
          const hostSeries = ids.idsOf(host);
          chunk.hosts.push({ key, from: Math.max(from, bounds.raw), series: hostSeries });
          series += hostSeries.length;
        }
        rolledUp += (await writer.run({ op: 'rollup', chunk })) ?? 0;
        for (const host of done) rolling.delete(host);
        await yieldToLoop();
      }
    } finally {
      // Hosts not reached (closing, or a failed chunk) stay dirty.
      for (const [host, from] of rolling) {
        const d = dirty.get(host);
        if (d === undefined || from < d) dirty.set(host, from);
      }
      rolling = undefined;
    }
    // The on-disk mark follows what remains.
    let min: number | null = null;
    for (const from of dirty.values()) if (min === null || from < min) min = from;
    await writer.run({ op: 'meta', key: META_DIRTY_FROM, value: min });
    persistedDirtyFrom = min;

    let deleted = 0;
    if (withRetention && !stopping) {
      const all = ids.allIds();
      for (let i = 0; i < all.length && !stopping; i += MAINTENANCE_CHUNK) {
        deleted += (await writer.run({ op: 'retention', ids: all.slice(i, i + MAINTENANCE_CHUNK), hostKeys: [], bounds })) ?? 0;
        await yieldToLoop();
      }
      const keys = ids.allHostKeys();
      for (let i = 0; i < keys.length && !stopping; i += MAINTENANCE_CHUNK) {
        deleted += (await writer.run({ op: 'retention', ids: [], hostKeys: keys.slice(i, i + MAINTENANCE_CHUNK), bounds })) ?? 0;
        await yieldToLoop();
      }
      lastRetentionAt = now;
    }
    // Its transactions take turns with the write batches on the writer: a long run delays commits.
    const ms = Math.round(performance.now() - started);
    if (ms >= SLOW_MAINTENANCE_MS) log.info({ ms, rolledUp, deleted }, 'rollup and retention run took long');
    return { rolledUp, deleted };
  }

  function maintain(o: { retention?: boolean } = {}): Promise<MaintenanceReport> {
    if (closed) return Promise.resolve({ rolledUp: 0, deleted: 0 });
    const run = async (): Promise<MaintenanceReport> => {
      await flushAll(); // roll up what was accepted, not only what the last timer wrote
      return runMaintenance(o.retention ?? true);
    };
    const next = maintenanceChain.then(run);
    maintenanceChain = next.catch(() => undefined);
    return next;
  }

  const maintenanceTimer = setInterval(() => {
    const due = clock.now() - lastRetentionAt >= RETENTION_EVERY_MS;
    maintain({ retention: due }).catch((error: unknown) => log.error({ err: error }, 'rollup/retention failed'));
  }, secondsToMs(opts.maintenanceInterval ?? 60));
  maintenanceTimer.unref();

  function write(host: string, ts: number, points: readonly SeriesPoint[], seq?: number): boolean {
    if (closed || stopping || full()) {
      counters.refused += points.length;
      return false;
    }
    // A sample past raw retention would be deleted at once and could not be rolled up exactly.
    if (ts < floorTo(clock.now() - rawRetentionMs, HOUR_MS)) {
      counters.refused += points.length;
      return false;
    }
    lastTicket += 1;
    pending.push(host, ts, points, seq, lastTicket);
    // While the disk fails, retries wait for the timer instead of running on every message.
    if (pending.pointCount >= opts.flushSize && state === 'ok') scheduleFlush();
    else armTimer();
    return true;
  }

  const commits: StoreCommits = {
    written: () => lastTicket,
    committed: () => committedTicket,
    committedSeq: (host) => committedSeqs.get(host),
    full,
    onCommit: (listener) => void commitListeners.push(listener),
  };

  async function history(q: HistoryQuery): Promise<HistoryResult> {
    checkHistoryQuery(q);
    if (closed) throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'store: closed');
    const { tier, step } = chooseTier(q, clock.now(), retention);
    const id = ids.get(q.host, q.metric, q.key);
    const hostKey = ids.hostKey(q.host);
    if (id === undefined || hostKey === undefined) return { tier, step, points: [] };
    const width = TIER_WIDTH_MS[tier];
    const d = dirty.get(q.host);
    const r = rolling?.get(q.host);
    const staleTs = d === undefined ? r : r === undefined ? d : Math.min(d, r);
    const stale = staleTs === undefined ? q.to : floorTo(staleTs, width);
    return { tier, step, points: queries.query(tier, { hostKey, id, from: floorTo(q.from, step), to: q.to, step, stale }, q.withCount === true) };
  }

  const close = onceClose(async () => {
    stopping = true;
    clearInterval(maintenanceTimer);
    await maintenanceChain;
    try {
      await flushAll();
    } catch (error) {
      counters.dropped += pending.pointCount;
      log.error({ err: error, dropped: pending.pointCount }, 'final write batch failed');
    }
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    closed = true;
    await writer.close();
  });

  return {
    write,
    flush: async () => {
      if (closed) return;
      await flushAll();
    },
    history,
    series: async (host) => ids.list(host),
    deleteHost: async (host) => {
      await flushAll(); // queued points of the host must not come back after the delete
      const deleted = (await writer.run({ op: 'deleteHost', host, hostKey: ids.hostKey(host) })) ?? 0;
      ids.forget(host);
      committedSeqs.delete(host);
      return deleted;
    },
    stats: (): MetricStoreStats => ({ written: counters.written, pending: pending.pointCount, refused: counters.refused, dropped: counters.dropped }),
    details: (): MetricStoreDetails => {
      const now = clock.now();
      const n = recent.reduce((sum, r) => (r.at >= now - RATE_WINDOW_MS ? sum + r.n : sum), 0);
      return {
        kind: 'sqlite',
        state,
        target: opts.db.name,
        writeRate: n / (RATE_WINDOW_MS / 1000),
        bufferFill: pending.pointCount / (opts.flushSize * MAX_PENDING_BATCHES),
        pending: pending.pointCount,
        written: counters.written,
        retried: counters.retried,
        dropped: counters.dropped,
        rejected: counters.refused,
        lastError,
        pageCache: { server: serverCacheBytes, writer: writer.cacheBytes() },
      };
    },
    maintain,
    commits,
    close,
  };
}
