import { parentPort, workerData } from 'node:worker_threads';
import { createBackup, type BackupOptions } from './create.js';

/**
 * Worker-thread entry of a scheduled backup: the page copy, the row counts,
 * the hashing and the gzip run here, so the server's event loop (the
 * ingest's acknowledgements, the dashboard) is never held by them.
 * Receives BackupOptions (with `now` as ms) and posts `{ ok, result | message }`.
 */
const opts = workerData as Omit<BackupOptions, 'now'> & { now: number };
createBackup({ ...opts, now: new Date(opts.now) }).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: unknown) => parentPort?.postMessage({ ok: false, message: (error as Error).message ?? String(error) }),
);
