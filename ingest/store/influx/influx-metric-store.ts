import { VigieError } from '../../../core/errors.js';
import { onceClose } from '../../../core/lifecycle.js';
import { createLogger, type Logger } from '../../../core/logger.js';
import { floorTo, secondsToMs, systemClock, type Clock } from '../../../core/time.js';
import type { SeriesPoint } from '../../../protocol/metric-series.js';
import type { InfluxConfig } from '../../config.js';
import type { HistoryQuery, HistoryResult, SeriesRef } from '../../types.js';
import { checkHistoryQuery, type MetricStore, type MetricStoreDetails, type MetricStoreStats, type StoreCommits } from '../metric-store.js';
import { chooseTier, type Retention } from '../tiers.js';
import { influxQL, type QuerySeries } from './query.js';
import { INFLUX_SERIES, eventLine, sampleLines, type InfluxEvent } from './schema.js';
import { historyQuery, seriesQuery, seriesFromAnswer, countQuery, dropHostQuery, v2DeleteBody } from './statements.js';
import { createTarget } from './target.js';
import { startInfluxWriter, type InfluxWriter } from './writer.js';

export interface InfluxMetricStoreOptions {
  influx: InfluxConfig;
  /** The `ingest.retention` block: history steps are chosen as the SQLite store would, so both answer with the same buckets. */
  retention: Retention;
  clock?: Clock;
  log?: Logger;
}

export interface InfluxMetricStore extends MetricStore {
  /** Queues one `events` point (a status or service change); false once closed. */
  writeEvent(e: InfluxEvent): boolean;
  details(): MetricStoreDetails;
}

/**
 * The InfluxDB metric store (docs/influxdb.md): writes go through the
 * batching writer as line protocol, history is read back with InfluxQL.
 * Counts are InfluxDB points: one line holds the fields of one measurement
 * of one sample (a sample's five cpu.* values are one point).
 */
export function startInfluxMetricStore(opts: InfluxMetricStoreOptions): InfluxMetricStore {
  const cfg = opts.influx;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger('influx');
  const target = createTarget(cfg);
  const timeoutMs = secondsToMs(cfg.timeout);
  const drainMs = secondsToMs(cfg.closeTimeout);
  const writer: InfluxWriter = startInfluxWriter({
    target, batchSize: cfg.batchSize, flushInterval: cfg.flushInterval, bufferPoints: cfg.bufferPoints, timeout: cfg.timeout,
    retryDelay: cfg.retryDelay, maxRetryDelay: cfg.maxRetryDelay, closeTimeout: cfg.closeTimeout, log, clock,
  });
  let closed = false;
  let refused = 0;
  log.info({ target: target.describe }, 'metric history goes to InfluxDB');

  // Commit tracking (issue 10, item 14): a write's ticket is the seq after its last line; it is
  // committed once InfluxDB has every line before it. A write that would overflow the buffer is
  // refused rather than let the writer drop the oldest lines, which may be acknowledged ones' peers
  // still waiting: nothing the ingest acknowledges is dropped.
  let lastTicket = 0;
  let starved = false;
  const seqLog: Array<{ ticket: number; host: string; seq: number }> = [];
  let seqHead = 0;
  const committedSeqs = new Map<string, number>();
  const commitListeners: Array<(seqs: ReadonlyMap<string, number>) => void> = [];
  let lastDone = writer.doneSeq();
  writer.onProgress(() => {
    const done = writer.doneSeq();
    if (done === lastDone) return;
    lastDone = done;
    starved = false;
    const seqs = new Map<string, number>();
    while (seqHead < seqLog.length && seqLog[seqHead]!.ticket <= done) {
      const { host, seq } = seqLog[seqHead]!;
      if (seq > (seqs.get(host) ?? -1)) seqs.set(host, seq);
      seqHead += 1;
    }
    if (seqHead > 1024 && seqHead * 2 > seqLog.length) {
      seqLog.splice(0, seqHead);
      seqHead = 0;
    }
    for (const [host, seq] of seqs) committedSeqs.set(host, Math.max(seq, committedSeqs.get(host) ?? -1));
    for (const listener of commitListeners) {
      try {
        listener(seqs);
      } catch (error) {
        log.error({ err: error }, 'commit listener failed');
      }
    }
  });
  const commits: StoreCommits = {
    written: () => lastTicket,
    committed: () => writer.doneSeq(),
    // In memory only: after a restart a resent sample is written again, which InfluxDB stores once (same series and time).
    committedSeq: (host) => committedSeqs.get(host),
    full: () => starved,
    onCommit: (listener) => void commitListeners.push(listener),
  };

  function write(host: string, ts: number, points: readonly SeriesPoint[], seq?: number): boolean {
    const lines = sampleLines(host, ts, points);
    if (!closed && writer.room() < lines.length) starved = true;
    if (closed || starved || !writer.enqueue(lines)) {
      refused += lines.length;
      return false;
    }
    lastTicket = writer.nextSeq();
    if (seq !== undefined) seqLog.push({ ticket: lastTicket, host, seq });
    return true;
  }

  function writeEvent(e: InfluxEvent): boolean {
    const line = eventLine(e);
    if (line === undefined) return true;
    if (closed || writer.room() < 1 || !writer.enqueue([line])) {
      refused += 1;
      return false;
    }
    return true;
  }

  async function flush(): Promise<void> {
    if (closed) return;
    // Bounded: an unreachable InfluxDB must not hang a caller; the points stay queued and retried.
    if (!(await writer.drain(drainMs))) log.warn({ pending: writer.stats().pending, waitedMs: drainMs }, 'InfluxDB flush gave up waiting; points stay queued');
  }

  async function history(q: HistoryQuery): Promise<HistoryResult> {
    checkHistoryQuery(q);
    if (closed) throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'store: closed');
    // The same step as the SQLite store (whole tier buckets, at most MAX_BUCKETS), so both
    // answer with identical buckets; InfluxDB always aggregates raw points, hence tier raw.
    const { step } = chooseTier(q, clock.now(), opts.retention);
    const s = INFLUX_SERIES[q.metric];
    // A keyed metric without key, or a key on an unkeyed one, is no series at all (as in SQLite).
    if ((s.keyTag === undefined) !== (q.key === '')) return { tier: 'raw', step, points: [] };
    const [answer] = await influxQL(target, historyQuery(s, cfg.retentionPolicy, q.host, q.key, floorTo(q.from, step), q.to, step, q.withCount === true), timeoutMs);
    const values = answer?.[0]?.values ?? [];
    const points = values.map(([ts, avg, min, max, count]) => ({
      ts: Number(ts), avg: Number(avg), min: Number(min), max: Number(max), ...(q.withCount ? { count: Number(count) } : {}),
    }));
    return { tier: 'raw', step, points };
  }

  async function series(host: string): Promise<SeriesRef[]> {
    if (closed) throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'store: closed');
    return seriesFromAnswer(await influxQL(target, seriesQuery(host), timeoutMs));
  }

  async function deleteHost(host: string): Promise<number> {
    if (closed) throw new VigieError('VIGIE_ERR_UNAVAILABLE', 'store: closed');
    await flush(); // queued points of the host must not come back after the delete
    const [counts] = await influxQL(target, countQuery(cfg.retentionPolicy, host), timeoutMs);
    const deleted = sumCounts(counts ?? []);
    if (target.api === 'v1') {
      await influxQL(target, dropHostQuery(host), timeoutMs);
    } else {
      // InfluxQL is read-only on 2.x/3.x: the v2 delete API removes by predicate.
      const res = await fetch(target.deleteUrl as string, {
        method: 'POST', body: JSON.stringify(v2DeleteBody(host)),
        headers: { ...target.headers, 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs),
      }).catch((error: unknown) => {
        throw new VigieError('VIGIE_ERR_UNAVAILABLE', `InfluxDB ${target.describe}: delete failed: ${String(error)}`);
      });
      if (!res.ok) throw new VigieError('VIGIE_ERR_UNAVAILABLE', `InfluxDB ${target.describe}: delete answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    }
    log.info({ host, deleted }, 'host deleted from InfluxDB');
    return deleted;
  }

  function stats(): MetricStoreStats {
    const w = writer.stats();
    return { written: w.written, pending: w.pending, refused, dropped: w.dropped + w.rejected };
  }

  function details(): MetricStoreDetails {
    const w = writer.stats();
    return {
      kind: 'influx', state: w.failures > 0 ? 'failing' : 'ok', target: target.describe, writeRate: w.writeRate, bufferFill: w.bufferFill, pending: w.pending, written: w.written,
      retried: w.retried, dropped: w.dropped, rejected: w.rejected, lastError: w.lastError,
    };
  }

  const close = onceClose(async () => {
    closed = true;
    await writer.close();
  });

  return { write, writeEvent, flush, history, series, deleteHost, stats, details, commits, close };
}

/** Total of every count_* column: the number of field values, as SQLite counts points. */
function sumCounts(series: QuerySeries[]): number {
  let n = 0;
  for (const s of series) for (const row of s.values) for (let i = 1; i < row.length; i++) n += Number(row[i] ?? 0);
  return n;
}
