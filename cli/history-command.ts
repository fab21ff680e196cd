import { join } from 'node:path';
import { setLogLevel, type LogLevel } from '../core/logger.js';
import { DATABASE_FILE } from '../ingest/store/sqlite/database.js';
import { CopyWriteError, copyHistoryToInflux, openHistoryReadOnly, type CopyProgress } from '../ingest/store/influx/copy.js';
import { createTarget } from '../ingest/store/influx/target.js';
import { startAdminCommand, type AdminArgs } from './admin-command.js';
import { createWriteStream, rmSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { ensurePrivateFile } from '../core/private-files.js';
import { resolveSampleQuery, SampleQueryError, writeExport } from '../ingest/history-export.js';
import { readRawSamples } from '../ingest/store/sqlite/raw-samples.js';
import type { SampleQuery } from '../ingest/types.js';
import { normaliseHostId } from '../protocol/host-id.js';

export const HISTORY_HELP = `Usage: vigie history copy --to influx [options]
       vigie history export HOST [--from T] [--to T] [--format csv|json] [--metric M [--key K]] [--out FILE]

Copies the metric history of <dataDir>/vigie.db into the InfluxDB configured
in ingest.influx (same config file, keys and environment as the server):
raw samples where they are kept (48 h by default), 1-minute averages before
them, 1-hour averages before those. Safe while the server runs (the database
is only read). Run it again at will: points overwrite themselves, no duplicates.
Ctrl-C stops after the current chunk; the next run resumes where it stopped.

  --to influx           the destination (the only one)
  --from ISO|MS         copy only points at or after this time (e.g. 2025-01-01T00:00:00Z)
  --restart             ignore the checkpoint of an interrupted copy and start over
  --chunk N             points written between two checkpoints (default 4 x ingest.influx.batchSize)
  --retries N           failed write attempts in a row before giving up (default 5;
                        the delay between them is ingest.influx.retryDelay, doubling)
  --data-dir DIR        data directory of the server (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help

export writes the raw samples of HOST stored in <dataDir>/vigie.db (the last
48 h by default, ingest.retention.raw), series by series in time order, as CSV
(header row, RFC 4180 quoting: time,ts,host,metric,key,value) or JSON. Safe
while the server runs (the database is only read). See docs/backup.md.

  --from ISO|MS         first time included (default: 24 h before --to)
  --to ISO|MS           end, excluded (default: now)
  --format csv|json     default csv
  --metric NAME         only this metric (e.g. disk.usedPercent); --key K: only this mount/interface/check
  --out FILE            write to FILE (created 0600) instead of standard output

Exit status: 0 done, 1 InfluxDB unreachable or refusing, 2 usage or configuration error, 130 interrupted.`;

type Io = { out: NodeJS.WritableStream & { isTTY?: boolean }; err: NodeJS.WritableStream & { isTTY?: boolean } };

/** Seconds between progress lines when stderr is not a terminal (logs). */
const LOG_EVERY_MS = 5_000;
/** Redraws of the progress bar at a terminal. */
const DRAW_EVERY_MS = 100;

/** `vigie history …`: returns the exit code. */
export async function historyMain(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const args = startAdminCommand('history', HISTORY_HELP, argv, {
    to: { type: 'string' }, from: { type: 'string' }, restart: { type: 'boolean' }, chunk: { type: 'string' }, retries: { type: 'string' },
    format: { type: 'string' }, metric: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' },
  }, io);
  if (typeof args === 'number') return args;
  const { values, action, rest, config } = args;
  const usage = (message: string): number => {
    io.err.write(`vigie history ${action}: ${message}\n`);
    return 2;
  };
  if (action === 'export') return exportMain(args, io);
  if (action !== 'copy') return usage(`unknown action (expected "copy" or "export")\n\n${HISTORY_HELP}`);
  if (rest.length > 0) return usage(`unexpected argument "${rest[0]}"`);
  if (values.to !== 'influx') return usage(`--to: expected "influx"${values.to === undefined ? '' : ` (got "${String(values.to)}")`}`);
  const from = parseTime(values.from);
  if (from === null) return usage(`--from: expected an ISO date or milliseconds since the epoch (got "${String(values.from)}")`);
  const chunk = parsePositive(values.chunk);
  if (chunk === null) return usage(`--chunk: expected a positive integer (got "${String(values.chunk)}")`);
  const retries = parsePositive(values.retries);
  if (retries === null) return usage(`--retries: expected a positive integer (got "${String(values.retries)}")`);
  setLogLevel(config.log.level as LogLevel);

  // Configuration and database problems are usage errors (2), found before anything is written.
  try {
    createTarget(config.ingest.influx);
    openHistoryReadOnly(config.dataDir).close();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const path = join(config.dataDir, DATABASE_FILE);
    io.err.write(`vigie history copy: ${e.code === 'SQLITE_CANTOPEN' ? `${path}: no history database here (check --data-dir)` : e.message}\n`);
    return 2;
  }

  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // the checkpoint of the last drained chunk is on disk
    io.err.write('\nvigie history copy: interrupted: finishing the current chunk and saving progress (Ctrl-C again to quit at once)\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = progressPrinter(io.err);
  try {
    const result = await copyHistoryToInflux({
      dataDir: config.dataDir, influx: config.ingest.influx, restart: values.restart === true, signal: stop.signal,
      ...(from !== undefined ? { from } : {}), ...(chunk !== undefined ? { chunkLines: chunk } : {}), ...(retries !== undefined ? { maxAttempts: retries } : {}),
      onStart: (info) => {
        io.err.write(`copying ${join(config.dataDir, DATABASE_FILE)} (${info.seriesTotal} series) into InfluxDB ${info.target}${info.resumed ? `, resuming from ${info.checkpoint}` : ''}\n`);
      },
      onProgress: bar.update,
    });
    bar.end(result);
    if (result.skipped > 0) io.err.write(`${result.skipped} series of metrics this Vigie does not know were left out\n`);
    const seconds = result.elapsedMs / 1000;
    const line = `${result.points} points of ${result.seriesTotal} series in ${seconds.toFixed(1)} s (${Math.round(result.points / Math.max(seconds, 0.001))} points/s)`;
    if (result.status === 'stopped') {
      io.err.write(`stopped after ${line}; run the same command again to resume\n`);
      return 130;
    }
    io.out.write(`copied ${line}\n`);
    return 0;
  } catch (error) {
    bar.end(undefined);
    io.err.write(`vigie history copy: ${(error as Error).message}\n`);
    if (error instanceof CopyWriteError) io.err.write('progress is saved: run the same command again to resume once InfluxDB accepts writes\n');
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `vigie history export HOST …`: raw samples as CSV or JSON. */
async function exportMain(args: AdminArgs, io: Io): Promise<number> {
  const { values, rest, config } = args;
  const usage = (message: string): number => {
    io.err.write(`vigie history export: ${message}\n`);
    return 2;
  };
  if (rest.length !== 1) return usage(rest.length === 0 ? 'expected the host id (vigie history export HOST)' : `unexpected argument "${rest[1]}"`);
  const hostId = normaliseHostId(rest[0]!);
  if (!hostId.ok) return usage(`HOST: ${hostId.error}`);
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') return usage(`--format: expected csv or json (got "${String(format)}")`);
  const to = parseTime(values.to);
  if (to === null) return usage(`--to: expected an ISO date or milliseconds since the epoch (got "${String(values.to)}")`);
  const from = parseTime(values.from);
  if (from === null) return usage(`--from: expected an ISO date or milliseconds since the epoch (got "${String(values.from)}")`);
  let query: SampleQuery;
  try {
    query = resolveSampleQuery(hostId.value, {
      ...(to !== undefined ? { to } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(typeof values.metric === 'string' ? { metric: values.metric } : {}),
      ...(typeof values.key === 'string' ? { key: values.key } : {}),
    }, Date.now());
  } catch (error) {
    if (error instanceof SampleQueryError) return usage(`--${error.field}: ${error.message}`);
    throw error;
  }

  let db: Database;
  try {
    db = openHistoryReadOnly(config.dataDir);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return usage(e.code === 'SQLITE_CANTOPEN' ? `${join(config.dataDir, DATABASE_FILE)}: no history database here (check --data-dir)` : e.message);
  }
  const file = typeof values.out === 'string' ? values.out : undefined;
  try {
    // A file that existed is made 0600 before the history goes in (createWriteStream's mode only applies to a new file).
    if (file !== undefined) ensurePrivateFile(file);
    const n = await writeExport(readRawSamples(db, query), query, format, file !== undefined ? createWriteStream(file) : io.out, { end: file !== undefined });
    io.err.write(`${n} samples of ${query.host} from ${new Date(query.from).toISOString()} to ${new Date(query.to).toISOString()}${file !== undefined ? ` written to ${file}` : ''}\n`);
    return 0;
  } catch (error) {
    io.err.write(`vigie history export: ${(error as Error).message}\n`);
    if (file !== undefined) rmSync(file, { force: true });
    return 1;
  } finally {
    db.close();
  }
}

/** undefined when absent, null when invalid. */
function parseTime(v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

function parsePositive(v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** A redrawn bar at a terminal; one line every few seconds otherwise (journald, files). */
function progressPrinter(err: Io['err']): { update: (p: CopyProgress) => void; end: (p: CopyProgress | undefined) => void } {
  const tty = err.isTTY === true;
  let last = tty ? 0 : Date.now();
  let first: CopyProgress | undefined;
  let drawn = false;
  const text = (p: CopyProgress): string => {
    const rate = p.points / Math.max(p.elapsedMs / 1000, 0.001);
    // ETA from the share of series done in this run (series are alike in size across a fleet).
    const doneHere = p.seriesDone - (first?.seriesDone ?? 0);
    const eta = doneHere > 0 ? ((p.seriesTotal - p.seriesDone) * p.elapsedMs) / doneHere / 1000 : undefined;
    const stats = `${p.seriesDone}/${p.seriesTotal} series, ${p.points.toLocaleString('en')} points, ${Math.round(rate).toLocaleString('en')} points/s, ETA ${eta === undefined ? '?' : clock(eta)}`;
    if (!tty) return `history copy: ${stats}`;
    const width = 24;
    const filled = p.seriesTotal > 0 ? Math.round((width * p.seriesDone) / p.seriesTotal) : width;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${stats}`;
  };
  return {
    update: (p) => {
      first ??= p;
      const now = Date.now();
      if (now - last < (tty ? DRAW_EVERY_MS : LOG_EVERY_MS)) return;
      last = now;
      if (tty) {
        err.write(`\r\x1b[K${text(p)}`);
        drawn = true;
      } else {
        err.write(`${text(p)}\n`);
      }
    },
    end: (p) => {
      if (tty && drawn) err.write(p ? `\r\x1b[K${text(p)}\n` : '\n');
    },
  };
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
