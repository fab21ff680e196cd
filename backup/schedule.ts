import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import type { BackupConfig } from './config.js';
import { DEFAULT_BACKUP_SUBDIR, pruneBackups, type BackupOptions, type BackupResult } from './create.js';

/** The last outcome of the schedule, for the health page and the log. */
export interface BackupStatus {
  enabled: boolean;
  dir: string;
  keep: number;
  /** ms of the next scheduled run; null when disabled. */
  next: number | null;
  last: { at: number; file: string; bytes: number; ms: number } | null;
  lastError: { at: number; message: string } | null;
  running: boolean;
}

export interface BackupSchedule {
  status(): BackupStatus;
  /** Runs one backup now (then prunes to `keep`); resolves with its result, rejects with its error (also logged and recorded). */
  runNow(): Promise<BackupResult>;
  close(): Promise<void>;
}

/** Appends to the event log (the server's EventLog fits). */
export interface BackupEvents {
  append(e: { type: string; message: string; data?: Record<string, unknown> }): unknown;
}

export interface BackupScheduleOptions {
  config: BackupConfig;
  dataDir: string;
  configFile?: string | null;
  log: Logger;
  events?: BackupEvents;
  clock?: Clock;
  /** How one backup is made; default: `createBackup` in a worker thread. */
  run?: (opts: BackupOptions) => Promise<BackupResult>;
}

/** Longest single timer: setTimeout overflows past 2^31 - 1 ms (24.8 days), so long waits are re-armed daily. */
const MAX_TIMER_MS = DAY_MS;

/** The archive directory a config gives: `backup.dir`, or `<dataDir>/backups`. */
export function backupDir(config: BackupConfig, dataDir: string): string {
  return config.dir ? resolve(config.dir) : join(resolve(dataDir), DEFAULT_BACKUP_SUBDIR);
}

/**
 * The first scheduled time strictly after `now`: the slots are `at` (UTC)
 * plus whole multiples of `every` hours, counted from 1970-01-01, so a
 * restart of the server does not move them.
 */
export function nextBackupAt(now: number, every: number, at: string): number {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const anchor = h * HOUR_MS + m * MINUTE_MS;
  const period = every * HOUR_MS;
  return anchor + (Math.floor((now - anchor) / period) + 1) * period;
}

/** Runs `createBackup` in a worker thread (see worker.ts). */
export function backupInWorker(opts: BackupOptions): Promise<BackupResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { ...opts, now: (opts.now ?? new Date()).getTime() } });
    let settled = false;
    worker.once('message', (msg: { ok: true; result: BackupResult } | { ok: false; message: string }) => {
      settled = true;
      if (msg.ok) resolvePromise(msg.result);
      else reject(new Error(msg.message));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`backup worker exited with code ${code}`));
    });
  });
}

/**
 * Scheduled backups with retention (`backup` config block), started by
 * `vigie up` and `vigie server`. Each run is logged and recorded in the
 * event log (`backup.created`, `backup.failed`); a failure does not stop the
 * schedule. A run due while the previous one still runs is skipped.
 */
export function startBackupSchedule(opts: BackupScheduleOptions): BackupSchedule {
  const clock = opts.clock ?? systemClock;
  const { config, log } = opts;
  const dir = backupDir(config, opts.dataDir);
  const run = opts.run ?? backupInWorker;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let next: number | null = null;
  let current: Promise<BackupResult> | null = null;
  let last: BackupStatus['last'] = null;
  let lastError: BackupStatus['lastError'] = null;

  const once = (): Promise<BackupResult> => {
    if (current) return current;
    const started = clock.now();
    const p = run({ dataDir: opts.dataDir, to: dir, configFile: opts.configFile ?? null, now: new Date(started) })
      .then((result) => {
        const ms = clock.now() - started;
        last = { at: started, file: result.file, bytes: result.bytes, ms };
        lastError = null;
        const pruned = pruneBackups(dir, config.keep);
        log.info({ file: result.file, bytes: result.bytes, ms, pruned: pruned.length }, 'backup written');
        opts.events?.append({ type: 'backup.created', message: `Backup written: ${result.file} (${result.bytes} bytes)`, data: { file: result.file, bytes: result.bytes, ms, pruned } });
        return result;
      })
      .catch((error: unknown) => {
        const message = (error as Error).message ?? String(error);
        lastError = { at: started, message };
        log.error({ dir, err: message }, 'backup failed');
        opts.events?.append({ type: 'backup.failed', message: `Backup into ${dir} failed: ${message}`, data: { dir, error: message } });
        throw error;
      })
      .finally(() => {
        current = null;
      });
    current = p;
    return p;
  };

  const arm = (): void => {
    if (closed || !config.enabled) return;
    const now = clock.now();
    next ??= nextBackupAt(now, config.every, config.at);
    timer = setTimeout(() => {
      if (clock.now() < next!) return arm(); // a long wait re-armed in daily steps
      next = null;
      if (current) log.warn('backup: the previous backup is still running; this one is skipped');
      else void once().catch(() => undefined); // logged and recorded above
      arm();
    }, Math.min(Math.max(next - now, 0), MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  if (config.enabled) log.info({ dir, every: config.every, at: config.at, keep: config.keep, next: next === null ? null : new Date(next).toISOString() }, 'backups scheduled');

  return {
    status: () => ({ enabled: config.enabled, dir, keep: config.keep, next, last, lastError, running: current !== null }),
    runNow: once,
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      // A running backup only reads the databases: let it finish, its archive is worth keeping.
      // (createBackup removes its own partial files; others' in the same directory, e.g. a `vigie backup` now, are not ours.)
      await current?.catch(() => undefined);
    },
  };
}
