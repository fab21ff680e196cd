import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE_MODE } from '../../../core/private-files.js';
import { join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { createLogger, type Logger } from '../../../core/logger.js';
import { HOUR_MS, MINUTE_MS, floorTo, secondsToMs } from '../../../core/time.js';
import { isMetricName, type SeriesPoint } from '../../../protocol/metric-series.js';
import type { InfluxConfig } from '../../config.js';
import { DATABASE_FILE } from '../sqlite/database.js';
import { MIGRATIONS } from '../sqlite/migrations.js';
import { INFLUX_SERIES, sampleLines } from './schema.js';
import { createTarget, type InfluxTarget } from './target.js';
import { startInfluxWriter, type InfluxWriter } from './writer.js';

/**
 * Copies the SQLite metric history (`<dataDir>/vigie.db`) into InfluxDB
 * through the ingest's own writer (docs/influxdb.md, "Switching from
 * SQLite"). Per series: the 1-hour rollups older than the first 1-minute
 * bucket, the 1-minute rollups older than the first raw sample, then every
 * raw sample; a rollup becomes one point at its bucket start holding its
 * mean (sum / count). Points of one InfluxDB series (measurement, host,
 * mount/iface) and one timestamp share one line, as the ingest writes them,
 * so a copy run twice overwrites its own points: no duplicates.
 *
 * Progress is checkpointed after every drained chunk in `<dataDir>/history-copy.json`
 * (vigie.db is opened read-only: the server may be running).
 */

export const CHECKPOINT_FILE = 'history-copy.json';

export type CopyTier = '1h' | '1m' | 'raw';
const HOST_KEY_OF_SERIES = '(SELECT k.id FROM series s JOIN host_keys k ON k.host = s.host WHERE s.id = @id)';
/** Oldest first: each tier only covers time before the next one starts. */
const TIERS: readonly CopyTier[] = ['1h', '1m', 'raw'];
const SELECT: Record<CopyTier, string> = {
  '1h': 'SELECT ts, sum / count AS value FROM points_1h WHERE series_id = @id AND ts > @after AND ts < @end ORDER BY ts',
  '1m': 'SELECT ts, sum / count AS value FROM points_1m WHERE series_id = @id AND ts > @after AND ts < @end ORDER BY ts',
  // Raw points are keyed by host first (ingest/store/sqlite/migrations.ts).
  raw: `SELECT ts, value FROM points_raw WHERE host_key = ${HOST_KEY_OF_SERIES} AND ts > @after AND ts < @end AND series_id = @id ORDER BY ts`,
};
const NO_END = Number.MAX_SAFE_INTEGER;

export interface CopyProgress {
  /** InfluxDB series (measurement + host + mount/iface) finished. */
  seriesDone: number;
  seriesTotal: number;
  /** Points (lines) written by this run. */
  points: number;
  elapsedMs: number;
}

export interface CopyOptions {
  dataDir: string;
  /** The `ingest.influx` block: where to write, and the writer's batching and retry settings. */
  influx: InfluxConfig;
  /** Only points (or buckets) stamped at or after this ms timestamp. */
  from?: number;
  /** Ignore (and overwrite) a checkpoint left by an interrupted copy. */
  restart?: boolean;
  /** Lines read, sent and drained between two checkpoints (default 4 × batchSize, at most bufferPoints). */
  chunkLines?: number;
  /** Failed write attempts in a row after which the copy gives up (default 5). */
  maxAttempts?: number;
  /** Aborting it stops the copy after the chunk in flight is drained (at most closeTimeout s) and checkpointed. */
  signal?: AbortSignal;
  /** Called once the series are counted, before the first write. */
  onStart?: (info: { seriesTotal: number; resumed: boolean; target: string; checkpoint: string }) => void;
  /** Called after every drained chunk and every finished series. */
  onProgress?: (p: CopyProgress) => void;
  log?: Logger;
}

export interface CopyResult extends CopyProgress {
  /** `stopped`: the signal fired; the checkpoint is kept and the next run resumes from it. */
  status: 'done' | 'stopped';
  /** True when this run started from a checkpoint. */
  resumed: boolean;
  /** Series of metrics this Vigie does not know (left out). */
  skipped: number;
}

/** InfluxDB unreachable or refusing the points: the checkpoint of the last drained chunk is kept. */
export class CopyWriteError extends Error {}

interface Checkpoint {
  v: 1;
  /** target.describe and from: a checkpoint is only resumed for the same copy. */
  target: string;
  from: number;
  /** The group being copied, its tier, and the last timestamp written in that tier. */
  group: string;
  tier: CopyTier;
  after: number;
  /** Per series id of the group: where its 1h and 1m windows end, fixed when the group started. */
  ends?: Record<string, { '1h': number; '1m': number }>;
}

interface Group {
  /** Sort and checkpoint key: host, measurement, tag value. */
  key: string;
  host: string;
  series: Array<{ id: number; metric: SeriesPoint['metric']; key: string }>;
}

/** Opens `<dataDir>/vigie.db` read-only; throws naming the file when it is missing or not a Vigie database. */
export function openHistoryReadOnly(dataDir: string): Database {
  const path = join(dataDir, DATABASE_FILE);
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  // Read-only, it cannot bring an older file's schema up to date (migrations.ts): the server does, at its start.
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > 0 && version < MIGRATIONS.length) {
    db.close();
    throw new Error(`${path}: written by an older Vigie (schema ${version}, this one reads ${MIGRATIONS.length}); start this Vigie's server once so that it upgrades the file, then copy`);
  }
  try {
    db.prepare('SELECT 1 FROM series, host_keys, points_raw, points_1m, points_1h LIMIT 1').all();
  } catch (error) {
    db.close();
    throw new Error(`${path}: not a Vigie history database (${(error as Error).message})`);
  }
  return db;
}

/** Runs the copy; resolves when done or stopped, rejects with CopyWriteError when InfluxDB fails, with Error for a bad config or database. */
export async function copyHistoryToInflux(opts: CopyOptions): Promise<CopyResult> {
  const log = opts.log ?? createLogger('history-copy');
  const target = createTarget(opts.influx); // throws naming the missing key
  const db = openHistoryReadOnly(opts.dataDir);
  // The copy waits for every chunk to be drained, with its own limits: a partial batch (a
  // chunk's tail) goes at once rather than after a flush interval, and close() does not wait.
  const writer = startInfluxWriter({
    target, batchSize: opts.influx.batchSize, flushInterval: 0, bufferPoints: opts.influx.bufferPoints,
    timeout: opts.influx.timeout, retryDelay: opts.influx.retryDelay, maxRetryDelay: opts.influx.maxRetryDelay, closeTimeout: 0, log,
  });
  try {
    return await runCopy(opts, log, db, target, writer);
  } finally {
    await writer.close();
    db.close();
  }
}

async function runCopy(opts: CopyOptions, log: Logger, db: Database, target: InfluxTarget, writer: InfluxWriter): Promise<CopyResult> {
  const started = Date.now();
  const from = opts.from ?? 0;
  // A chunk larger than the writer's buffer would make it drop our own oldest lines.
  const chunk = Math.max(1, Math.min(opts.chunkLines ?? 4 * opts.influx.batchSize, opts.influx.bufferPoints));
  const maxAttempts = opts.maxAttempts ?? 5;
  const file = join(opts.dataDir, CHECKPOINT_FILE);
  const { groups, skipped } = loadGroups(db);
  const reader = new TierReader(db);

  let resume = opts.restart ? undefined : readCheckpoint(file, target.describe, from, log);
  const resumed = resume !== undefined;
  opts.onStart?.({ seriesTotal: groups.length, resumed, target: target.describe, checkpoint: file });
  const progress: CopyProgress = { seriesDone: 0, seriesTotal: groups.length, points: 0, elapsedMs: 0 };
  const report = (): void => opts.onProgress?.({ ...progress, elapsedMs: Date.now() - started });
  const result = (status: CopyResult['status']): CopyResult => ({ ...progress, elapsedMs: Date.now() - started, status, resumed, skipped });
  const save = (cp: Omit<Checkpoint, 'v' | 'target' | 'from'>): void => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: 1, target: target.describe, from, ...cp }), { mode: PRIVATE_FILE_MODE });
    renameSync(tmp, file); // atomic: a crash leaves the old checkpoint or the new one
  };

  for (const g of groups) {
    if (resume && g.key < resume.group) {
      progress.seriesDone += 1;
      continue;
    }
    const here = resume?.group === g.key ? resume : undefined;
    resume = undefined;
    // Stopping between chunks: the last checkpoint already says where to resume.
    if (opts.signal?.aborted) return result('stopped');
    const ends = here?.ends ?? reader.ends(g);
    for (let t = here ? TIERS.indexOf(here.tier) : 0; t < TIERS.length; t++) {
      const tier = TIERS[t] as CopyTier;
      let after = here && here.tier === tier ? here.after : from - 1;
      for (;;) {
        const { lines, lastTs, more } = reader.read(g, tier, ends, after, chunk);
        if (lines.length > 0) {
          writer.enqueue(lines);
          const drained = await settle(writer, target, maxAttempts, opts.signal, secondsToMs(opts.influx.closeTimeout));
          if (!drained) return result('stopped'); // interrupted while InfluxDB was slow: the previous checkpoint stands
          progress.points += lines.length;
          after = lastTs;
          save({ group: g.key, tier, after, ends });
          report();
        }
        if (opts.signal?.aborted) return result('stopped');
        if (!more) break;
      }
    }
    progress.seriesDone += 1;
    report();
  }
  rmSync(file, { force: true });
  return result('done');
}

/**
 * Waits until every queued line is acknowledged. Throws CopyWriteError after
 * `maxAttempts` failed attempts in a row, or when InfluxDB refused lines (4xx).
 * Returns false when the signal fired and the lines did not go within `graceMs`.
 */
async function settle(writer: InfluxWriter, target: InfluxTarget, maxAttempts: number, signal: AbortSignal | undefined, graceMs: number): Promise<boolean> {
  const rejectedBefore = writer.stats().rejected;
  let abortedAt: number | undefined;
  while (!(await writer.drain(200))) {
    const s = writer.stats();
    if (s.failures >= maxAttempts) {
      // drain() polls: under load more than maxAttempts may have failed by the time it returns; say how many did.
      throw new CopyWriteError(`InfluxDB ${target.describe} unreachable: ${s.failures} attempts failed in a row (--retries ${maxAttempts}): ${s.lastError?.message ?? 'no answer'}`);
    }
    if (signal?.aborted) {
      abortedAt ??= Date.now();
      if (Date.now() - abortedAt >= graceMs) return false;
    }
  }
  const s = writer.stats();
  if (s.rejected > rejectedBefore) {
    throw new CopyWriteError(`InfluxDB ${target.describe} refused ${s.rejected - rejectedBefore} points: ${s.lastError?.message ?? 'rejected'}`);
  }
  return true;
}

/** The series table grouped into InfluxDB series (one line per timestamp holds all their fields), sorted by key. */
function loadGroups(db: Database): { groups: Group[]; skipped: number } {
  const byKey = new Map<string, Group>();
  let skipped = 0;
  for (const row of db.prepare('SELECT id, host, metric, key FROM series').iterate() as Iterable<{ id: number; host: string; metric: string; key: string }>) {
    if (!isMetricName(row.metric)) {
      skipped += 1;
      continue;
    }
    const s = INFLUX_SERIES[row.metric];
    const key = `${row.host}\u0000${s.measurement}\u0000${s.keyTag ? row.key : ''}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { key, host: row.host, series: [] }));
    g.series.push({ id: row.id, metric: row.metric, key: row.key });
  }
  const groups = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { groups, skipped };
}

function readCheckpoint(file: string, target: string, from: number, log: Logger): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const cp = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (cp.v !== 1 || typeof cp.group !== 'string' || !TIERS.includes(cp.tier) || typeof cp.after !== 'number') throw new Error('unexpected content');
    if (cp.target !== target || cp.from !== from) {
      log.warn({ file, was: { target: cp.target, from: cp.from } }, 'checkpoint is for another target or --from: starting over');
      return undefined;
    }
    return cp;
  } catch (error) {
    log.warn({ file, error: (error as Error).message }, 'unreadable checkpoint: starting over');
    return undefined;
  }
}

/** Reads one group's points tier by tier, merging its series by timestamp into lines. */
class TierReader {
  private readonly pool: Record<CopyTier, Statement[]> = { '1h': [], '1m': [], raw: [] };
  private readonly minRaw: Statement<[{ id: number }], { ts: number | null }>;
  private readonly min1m: Statement<[number], { ts: number | null }>;

  constructor(private readonly db: Database) {
    this.minRaw = db.prepare(`SELECT min(ts) AS ts FROM points_raw WHERE host_key = ${HOST_KEY_OF_SERIES} AND series_id = @id`);
    this.min1m = db.prepare('SELECT min(ts) AS ts FROM points_1m WHERE series_id = ?');
  }

  /**
   * Where each series' rollup windows end: 1m buckets before the minute of
   * its first raw sample, 1h buckets before the hour of its first finer row.
   * Retention deletes on whole hours, so these windows tile time without overlap.
   */
  ends(g: Group): Record<string, { '1h': number; '1m': number }> {
    const out: Record<string, { '1h': number; '1m': number }> = {};
    for (const s of g.series) {
      const raw = this.minRaw.get({ id: s.id })?.ts ?? NO_END;
      const minute = this.min1m.get(s.id)?.ts ?? NO_END;
      const finer = Math.min(raw, minute);
      out[s.id] = { '1m': raw === NO_END ? NO_END : floorTo(raw, MINUTE_MS), '1h': finer === NO_END ? NO_END : floorTo(finer, HOUR_MS) };
    }
    return out;
  }

  /** Up to `max` lines of `tier` with ts > after; every field of a timestamp lands in the same line. */
  read(g: Group, tier: CopyTier, ends: Record<string, { '1h': number; '1m': number }>, after: number, max: number): { lines: string[]; lastTs: number; more: boolean } {
    const iters = g.series.map((s, i) => {
      const end = tier === 'raw' ? NO_END : (ends[s.id]?.[tier] ?? NO_END);
      return { s, it: this.stmt(tier, i).iterate({ id: s.id, after, end }) as IterableIterator<{ ts: number; value: number }> };
    });
    const heads = iters.map(({ it }) => it.next());
    const lines: string[] = [];
    let lastTs = after;
    try {
      while (lines.length < max) {
        let ts = NO_END;
        for (const h of heads) if (!h.done && h.value.ts < ts) ts = h.value.ts;
        if (ts === NO_END) return { lines, lastTs, more: false };
        const points: SeriesPoint[] = [];
        heads.forEach((h, i) => {
          if (h.done || h.value.ts !== ts) return;
          const { s, it } = iters[i] as (typeof iters)[number];
          points.push({ metric: s.metric, key: s.key, value: h.value.value });
          heads[i] = it.next();
        });
        lines.push(...sampleLines(g.host, ts, points));
        lastTs = ts;
      }
      return { lines, lastTs, more: heads.some((h) => !h.done) };
    } finally {
      // No read transaction stays open across the network wait (it would hold back the server's WAL checkpoints).
      for (const { it } of iters) it.return?.();
    }
  }

  /** One statement per merged series: a statement cannot run two iterations at once. */
  private stmt(tier: CopyTier, i: number): Statement {
    const pool = this.pool[tier];
    while (pool.length <= i) pool.push(this.db.prepare(SELECT[tier]));
    return pool[i] as Statement;
  }
}
