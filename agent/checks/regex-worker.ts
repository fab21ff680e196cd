import { Worker } from 'node:worker_threads';

/**
 * A keyword regex runs in a worker thread: a pattern with catastrophic
 * backtracking, such as `(a+)+$` on a long body, would otherwise block the
 * agent's event loop (metrics, MQTT keep-alive, every other check) for
 * minutes, and no AbortSignal can interrupt a synchronous match. The worker
 * is terminated at the deadline. Its code is inline (`eval`), so the
 * standalone bundle stays one file.
 */
const SOURCE = "const { parentPort, workerData } = require('node:worker_threads'); parentPort.postMessage(new RegExp(workerData.source).test(workerData.text));";

export type RegexOutcome = { ok: true; found: boolean } | { ok: false; error: 'timeout' | 'invalid' };

export function testRegex(source: string, text: string, timeoutMs: number): Promise<RegexOutcome> {
  // Invalid patterns are told at once, without a thread.
  try {
    new RegExp(source);
  } catch {
    return Promise.resolve({ ok: false, error: 'invalid' });
  }
  return new Promise((resolve) => {
    const worker = new Worker(SOURCE, { eval: true, workerData: { source, text }, resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const finish = (outcome: RegexOutcome): void => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    worker.once('message', (found: unknown) => finish({ ok: true, found: found === true }));
    worker.once('error', () => finish({ ok: false, error: 'invalid' }));
  });
}
