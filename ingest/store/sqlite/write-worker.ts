/**
 * The metric store's write thread (issue 16): write batches, rollups and
 * retention run here, on the second core, with their own connection to
 * vigie.db, so a commit never holds the server's event loop (MQTT, alerts,
 * Socket.IO). WAL lets the server read meanwhile. One op at a time, in the
 * order posted; each answers { ok, result } or { ok: false, error, code }.
 * Once open, it reports its page cache bound ({ cacheBytes }) for the status page.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { cacheBytesOf, configureConnection, type ConnectionSettings } from '../../../core/sqlite.js';
import { WriteOps, type WriteOp } from './write-ops.js';

const { path, settings } = workerData as { path: string; settings: ConnectionSettings };
const db = new BetterSqlite3(path);
configureConnection(db, settings);
const ops = new WriteOps(db);
parentPort!.postMessage({ cacheBytes: cacheBytesOf(db) });

parentPort!.on('message', (msg: { id: number; op: WriteOp } | { close: true }) => {
  if ('close' in msg) {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: msg.id, ok: true, result: ops.run(msg.op) });
  } catch (error) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: (error as Error).message, code: (error as { code?: unknown }).code });
  }
});
