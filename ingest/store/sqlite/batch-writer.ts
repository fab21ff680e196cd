import { Worker } from 'node:worker_threads';
import { cacheBytesOf, type ConnectionSettings, type Database } from '../../../core/sqlite.js';
import { WriteOps, type WriteOp } from './write-ops.js';

/** Runs the metric store's writes: in the server's thread, or in a worker thread. */
export interface BatchWriter {
  /** Resolves with the op's result once committed; rejects with the SQLite error (its `code` kept) once rolled back. */
  run(op: WriteOp): Promise<number | undefined>;
  close(): Promise<void>;
  /** The page cache bound of the connection that writes, bytes, as SQLite reports it; null until the worker has opened it. */
  cacheBytes(): number | null;
}

/** On the caller's connection, synchronously (tests, :memory: databases, `ingest.writeWorker: false`). */
export function inlineWriter(db: Database): BatchWriter {
  const ops = new WriteOps(db);
  return {
    run: async (op) => ops.run(op),
    close: async () => undefined,
    cacheBytes: () => cacheBytesOf(db),
  };
}

/** An error from the worker, with the SQLite code the store decides on (SQLITE_FULL). */
class WriteError extends Error {
  constructor(message: string, readonly code: unknown) {
    super(message);
  }
}

/**
 * In a worker thread with its own connection to the same file (write-worker.ts).
 * Ops run one at a time in the order given. A worker that dies fails what was
 * pending and is started again for the next op.
 */
export function workerWriter(path: string, settings: ConnectionSettings): BatchWriter {
  let worker: Worker | undefined;
  let nextId = 0;
  let cacheBytes: number | null = null;
  const waiting = new Map<number, { resolve(v: number | undefined): void; reject(e: Error): void }>();
  const start = (): Worker => {
    const w = new Worker(new URL('./write-worker.js', import.meta.url), { workerData: { path, settings } });
    w.on('message', (msg: { id: number; ok: boolean; result?: number; error?: string; code?: unknown } | { cacheBytes: number }) => {
      if ('cacheBytes' in msg) {
        cacheBytes = msg.cacheBytes;
        return;
      }
      const call = waiting.get(msg.id);
      if (!call) return;
      waiting.delete(msg.id);
      if (msg.ok) call.resolve(msg.result);
      else call.reject(new WriteError(msg.error ?? 'write failed', msg.code));
    });
    const fail = (error: Error): void => {
      worker = undefined;
      for (const call of waiting.values()) call.reject(error);
      waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new WriteError(`store write worker exited (${code})`, 'VIGIE_WORKER_EXIT')));
    return w;
  };
  return {
    run: (op) =>
      new Promise((resolve, reject) => {
        worker ??= start();
        const id = (nextId += 1);
        waiting.set(id, { resolve, reject });
        // The points travel without a copy.
        worker.postMessage({ id, op }, op.op === 'batch' ? [op.batch.points.buffer as ArrayBuffer] : []);
      }),
    close: async () => {
      const w = worker;
      worker = undefined;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ close: true });
      await exited;
    },
    cacheBytes: () => cacheBytes,
  };
}
