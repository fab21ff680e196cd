import { onceClose } from '../../../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../../../core/logger.js';
import { secondsToMs, systemClock, type Clock } from '../../../core/time.js';
import { LineQueue } from './line-queue.js';
import { sendLines, type SendOutcome } from './send.js';
import type { InfluxTarget } from './target.js';

export interface InfluxWriterOptions {
  target: InfluxTarget;
  /** Lines per request. */
  batchSize: number;
  /** Seconds between requests when fewer than batchSize lines are queued. */
  flushInterval: number;
  /** Lines kept while InfluxDB is unreachable (not counting the one batch in flight). */
  bufferPoints: number;
  /** Seconds one request may take. */
  timeout: number;
  /** Seconds before the first retry; doubles per failed attempt up to maxRetryDelay, with jitter. */
  retryDelay: number;
  maxRetryDelay: number;
  /** Seconds close() keeps sending before dropping what is left. */
  closeTimeout: number;
  log: Logger;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export interface InfluxWriterStats {
  /** Lines InfluxDB acknowledged (one line holds one sample's fields of one measurement). */
  written: number;
  /** Lines sent again after a failed attempt (a batch retried twice counts twice). */
  retried: number;
  /** Lines dropped because the buffer was full (the oldest go first), or left unsent at close. */
  dropped: number;
  /** Lines InfluxDB refused with a 4xx other than 429 (bad data or credentials); never retried. */
  rejected: number;
  /** Lines waiting, including a batch in flight or waiting for its retry. */
  pending: number;
  /** pending / bufferPoints, 0..1 (can pass 1 by one batch while it is in flight). */
  bufferFill: number;
  /** Lines written per second over the last 10 s. */
  writeRate: number;
  /** Failed attempts in a row (0 when the last request succeeded). */
  failures: number;
  lastError: { at: number; message: string } | null;
}

export interface InfluxWriter {
  /** Queues lines; false (nothing queued) once closing. */
  enqueue(lines: readonly string[]): boolean;
  /** Resolves true once every line queued before the call has left the buffer (written, rejected or dropped); false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
  stats(): InfluxWriterStats;
  /** Lines that can still be queued before the buffer bound (past it the oldest would be dropped). */
  room(): number;
  /** Seq the next queued line gets: lines are numbered in queue order. */
  nextSeq(): number;
  /** Every line with a seq below this one has left the buffer (written, rejected or dropped). */
  doneSeq(): number;
  /** Called whenever lines leave the buffer. The listener must not throw. */
  onProgress(listener: () => void): void;
  /** Stops accepting lines, sends what is queued for at most `closeTimeout` s, then drops (and counts) the rest. Idempotent. */
  close(): Promise<void>;
}

const RATE_WINDOW_MS = 10_000;

/**
 * The one batching/retry path for both API generations (docs/influxdb.md):
 * a bounded FIFO of line protocol, one request at a time (order is kept), a
 * full batch sent at once and a partial one every flush interval; failed
 * batches keep their place at the head and are retried with exponential
 * backoff and jitter while new lines queue behind them; past `bufferPoints`
 * the oldest lines are dropped and counted.
 */
export function startInfluxWriter(opts: InfluxWriterOptions): InfluxWriter {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const { log, target } = opts;
  const warn = createRateLimitedLog(log);
  const queue = new LineQueue();
  /** The batch taken from the queue: in flight, or waiting for its retry. Logically ahead of `queue`. */
  let head: { lines: string[]; firstSeq: number; offset: number } | null = null;
  let sending = false;
  let closing = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerIsRetry = false;
  let pumpQueued = false;
  const cancel = new AbortController();
  const counters = { written: 0, retried: 0, dropped: 0, rejected: 0 };
  let lastError: InfluxWriterStats['lastError'] = null;
  const recent: Array<{ at: number; n: number }> = [];
  let waiters: Array<{ seq: number; resolve: (done: boolean) => void }> = [];

  const headLeft = (): number => (head ? head.lines.length - head.offset : 0);
  const pending = (): number => headLeft() + queue.length;
  /** Seq of the oldest line not yet written, rejected or dropped. */
  const oldestSeq = (): number => (head && headLeft() > 0 ? head.firstSeq + head.offset : queue.oldestSeq);

  /** Drops the oldest lines past the bound; a batch in flight is not droppable until it fails. */
  function trim(): void {
    let over = (sending ? queue.length : pending()) - opts.bufferPoints;
    if (over <= 0) return;
    let lost = 0;
    if (!sending && head) {
      const k = Math.min(over, headLeft());
      head.offset += k;
      lost += k;
      over -= k;
    }
    lost += queue.dropOldest(over);
    counters.dropped += lost;
    warn('overflow', 'InfluxDB write buffer full: dropped the oldest points', { dropped: lost, droppedTotal: counters.dropped, bufferPoints: opts.bufferPoints });
    settleWaiters();
  }

  const progressListeners: Array<() => void> = [];
  function settleWaiters(): void {
    for (const l of progressListeners) l();
    if (waiters.length === 0) return;
    const oldest = oldestSeq();
    const still: typeof waiters = [];
    for (const w of waiters) {
      if (oldest >= w.seq) w.resolve(true);
      else still.push(w);
    }
    waiters = still;
  }

  function arm(ms: number, isRetry: boolean): void {
    if (timer) clearTimeout(timer);
    timerIsRetry = isRetry;
    timer = setTimeout(() => {
      timer = undefined;
      timerIsRetry = false;
      void pump();
    }, ms);
  }

  /** After a change: send now when a batch is full (or closing), else make sure the flush timer runs. */
  function schedule(): void {
    if (sending || timerIsRetry || pending() === 0) return;
    if (closing || pending() >= opts.batchSize) pumpSoon();
    else if (!timer) {
      arm(secondsToMs(opts.flushInterval), false);
    }
  }

  /** Out of the caller's stack (the MQTT handler returns first), once however many lines arrive meanwhile. */
  function pumpSoon(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      void pump();
    });
  }

  function backoffMs(retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return retryAfterMs;
    const base = secondsToMs(opts.retryDelay) * 2 ** Math.min(failures - 1, 30);
    const capped = Math.min(base, secondsToMs(opts.maxRetryDelay));
    // "Full jitter" on the upper half: several ingest workers do not retry in lockstep.
    return Math.round(capped / 2 + (random() * capped) / 2);
  }

  async function pump(): Promise<void> {
    if (sending || cancel.signal.aborted) return;
    if (head && headLeft() === 0) head = null;
    if (!head) {
      if (queue.length === 0) return;
      head = { ...queue.take(opts.batchSize), offset: 0 };
    }
    const batch = head.offset === 0 ? head.lines : head.lines.slice(head.offset);
    head = { lines: batch, firstSeq: head.firstSeq + head.offset, offset: 0 };
    if (failures > 0) counters.retried += batch.length;
    sending = true;
    let outcome: SendOutcome;
    try {
      outcome = await sendLines(target, batch, secondsToMs(opts.timeout), cancel.signal);
    } catch (error) {
      outcome = { kind: 'retry', error: String(error) }; // sendLines does not throw; a bug must not stall the queue
    }
    sending = false;
    // Closed meanwhile: close() already accounted for this batch.
    if (cancel.signal.aborted) return;
    if (outcome.kind === 'retry') {
      failures += 1;
      lastError = { at: clock.now(), message: outcome.error };
      const wait = backoffMs(outcome.retryAfterMs);
      warn('retry', 'InfluxDB write failed; retrying', { error: outcome.error, attempt: failures, retryInMs: wait, pending: pending() });
      trim();
      arm(wait, true);
      return;
    }
    head = null;
    failures = 0;
    if (outcome.kind === 'ok') {
      counters.written += batch.length;
      const at = clock.now();
      recent.push({ at, n: batch.length });
      while (recent.length > 0 && (recent[0] as { at: number }).at < at - RATE_WINDOW_MS) recent.shift();
    } else {
      counters.rejected += batch.length;
      lastError = { at: clock.now(), message: outcome.error };
      warn('rejected', 'InfluxDB refused a batch; its points are dropped', { error: outcome.error, lines: batch.length, first: batch[0]?.slice(0, 200) });
    }
    settleWaiters();
    schedule();
  }

  function enqueue(lines: readonly string[]): boolean {
    if (closing) return false;
    if (lines.length === 0) return true;
    queue.push(lines);
    trim();
    schedule();
    return true;
  }

  function drain(timeoutMs: number): Promise<boolean> {
    const seq = queue.nextSeq;
    if (oldestSeq() >= seq) return Promise.resolve(true);
    // Send what is queued now rather than at the next flush tick (a retry keeps its backoff).
    if (!sending && !timerIsRetry) pumpSoon();
    return new Promise((resolve) => {
      const w = { seq, resolve: (done: boolean) => { clearTimeout(t); resolve(done); } };
      const t = setTimeout(() => {
        waiters = waiters.filter((x) => x !== w);
        resolve(false);
      }, timeoutMs);
      waiters.push(w);
    });
  }

  const close = onceClose(async () => {
    closing = true;
    schedule(); // a partial batch goes now, not at the next flush tick
    const drained = await drain(secondsToMs(opts.closeTimeout));
    cancel.abort();
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!drained) {
      const lost = pending();
      counters.dropped += lost;
      log.error({ dropped: lost, lastError: lastError?.message }, 'InfluxDB writer closed with points still unsent; they are dropped');
      head = null;
      queue.dropOldest(queue.length);
    }
    settleWaiters();
  });

  return {
    enqueue,
    drain,
    close,
    room: () => opts.bufferPoints - pending(),
    nextSeq: () => queue.nextSeq,
    doneSeq: oldestSeq,
    onProgress: (listener) => void progressListeners.push(listener),
    stats: () => {
      const now = clock.now();
      const n = recent.reduce((sum, r) => (r.at >= now - RATE_WINDOW_MS ? sum + r.n : sum), 0);
      return {
        ...counters,
        pending: pending(),
        bufferFill: pending() / opts.bufferPoints,
        writeRate: n / (RATE_WINDOW_MS / 1000),
        failures,
        lastError,
      };
    },
  };
}
