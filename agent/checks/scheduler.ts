import type { CheckSpec } from '../../protocol/payloads.js';
import { CHECK_LIMITS } from '../../protocol/payloads.js';
import type { Clock } from '../../core/time.js';

/** Timers the scheduler uses; tests inject a manual clock and these run on it. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the scheduler needs of a job: checks (issue 12) and SNMP devices (issue 13) both fit. */
export interface ScheduledSpec {
  id: string;
  /** Seconds between runs. */
  interval: number;
  /** Seconds one run may take (unless `runTimeoutMs` says otherwise). */
  timeout: number;
}

export interface SchedulerOptions<R, S extends ScheduledSpec = CheckSpec> {
  /** Runs at most this many checks at once; the others wait in a queue, in tick order. */
  concurrency: number;
  /** One run of a check; `signal` aborts at its timeout and the run must tear down and settle. */
  run(spec: S, signal: AbortSignal): Promise<R>;
  /** The result of a run that did not settle within its timeout (and a grace delay after the abort). */
  timedOut(spec: S): R;
  /** Milliseconds one run may take; default `spec.timeout` seconds (a device poll is many requests, each with that timeout). */
  runTimeoutMs?(spec: S): number;
  /** Jobs kept at most (the first of the list); default CHECK_LIMITS.perRunner. */
  limit?: number;
  /**
   * What to do with a result (attach a trace, publish it); holds the run's
   * slot until it settles. `wanted()` turns false once the check is removed
   * or changed: its late result must not be published.
   */
  complete(spec: S, result: R, wanted: () => boolean): Promise<void> | void;
  /** A check no longer in the configuration (its result is cleared). */
  removed(id: string): void;
  /** A tick found the check still running or queued: this tick is skipped. */
  skipped?(id: string): void;
  clock: Clock;
  timers?: Timers;
  /** [0, 1), as Math.random. */
  random?: () => number;
}

export interface CheckScheduler<S extends ScheduledSpec = CheckSpec> {
  /** The new set of checks: unchanged ones go on undisturbed, changed ones restart, missing ones stop. */
  update(specs: readonly S[]): void;
  stats(): { checks: number; running: number; queued: number; skipped: number };
  /** Stops every check and waits for runs in progress (each ends by its timeout). */
  close(): Promise<void>;
}

/** Longest first delay: a runner given 200 checks does not start them all at once, nor wait a full interval. */
export const FIRST_RUN_MAX_MS = 10_000;
/** Each interval is stretched or shrunk by up to this fraction, so runners and checks drift apart. */
export const JITTER = 0.1;
/** After the abort, how long a run may take to settle before it is counted as timed out and its slot freed. */
export const ABORT_GRACE_MS = 1_000;

interface EntryOf<S> {
  spec: S;
  key: string;
  timer?: unknown;
  state: 'idle' | 'queued' | 'running';
  stopped: boolean;
  controller?: AbortController;
  settled?: Promise<void>;
}

/** The delay before the first run: uniform in [0, min(interval, 10 s)). */
export function firstDelayMs(intervalS: number, random: () => number): number {
  return Math.floor(random() * Math.min(intervalS * 1000, FIRST_RUN_MAX_MS));
}

/** The delay to the next run: interval ± 10 %. */
export function nextDelayMs(intervalS: number, random: () => number): number {
  return Math.round(intervalS * 1000 * (1 + JITTER * (2 * random() - 1)));
}

/**
 * Runs each check on its own jittered schedule, at most `concurrency` at a
 * time, each under a hard timeout. A check still running (or still queued)
 * when its next tick comes is skipped that tick rather than doubled, so a
 * slow target never piles runs up.
 */
export function createCheckScheduler<R, S extends ScheduledSpec = CheckSpec>(opts: SchedulerOptions<R, S>): CheckScheduler<S> {
  type Entry = EntryOf<S>;
  const timers = opts.timers ?? realTimers;
  const random = opts.random ?? Math.random;
  const limit = opts.limit ?? CHECK_LIMITS.perRunner;
  const runTimeoutMs = opts.runTimeoutMs ?? ((spec: S) => spec.timeout * 1000);
  const entries = new Map<string, Entry>();
  const queue: Entry[] = [];
  let running = 0;
  let skipped = 0;
  let closed = false;

  const arm = (entry: Entry, delay: number): void => {
    entry.timer = timers.setTimeout(() => tick(entry), delay);
  };

  const tick = (entry: Entry): void => {
    if (entry.stopped) return;
    arm(entry, nextDelayMs(entry.spec.interval, random));
    if (entry.state !== 'idle') {
      skipped += 1;
      opts.skipped?.(entry.spec.id);
      return;
    }
    entry.state = 'queued';
    queue.push(entry);
    drain();
  };

  const drain = (): void => {
    while (running < opts.concurrency && queue.length > 0) {
      const entry = queue.shift()!;
      if (!entry.stopped) start(entry);
    }
  };

  const start = (entry: Entry): void => {
    running += 1;
    entry.state = 'running';
    const { spec } = entry;
    const controller = new AbortController();
    entry.controller = controller;
    let graceTimer: unknown;
    const timeoutTimer = timers.setTimeout(() => {
      controller.abort();
      graceTimer = timers.setTimeout(() => finish(opts.timedOut(spec)), ABORT_GRACE_MS);
    }, runTimeoutMs(spec));
    let done = false;
    let release!: () => void;
    entry.settled = new Promise((r) => (release = r));
    const wanted = (): boolean => !entry.stopped && !closed;
    const finish = (result: R): void => {
      if (done) return; // the run settled after its grace delay, or the other way round
      done = true;
      timers.clearTimeout(timeoutTimer);
      timers.clearTimeout(graceTimer);
      Promise.resolve()
        .then(() => (wanted() ? opts.complete(spec, result, wanted) : undefined))
        .catch(() => undefined) // complete() logs its own failures; a slot must never leak
        .finally(() => {
          running -= 1;
          entry.state = 'idle';
          entry.controller = undefined;
          release();
          drain();
        });
    };
    let promise: Promise<R>;
    try {
      promise = opts.run(spec, controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(finish, () => finish(opts.timedOut(spec)));
  };

  const stop = (entry: Entry): void => {
    entry.stopped = true;
    timers.clearTimeout(entry.timer);
    entry.controller?.abort();
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
  };

  return {
    update(specs) {
      if (closed) return;
      const next = new Map<string, S>();
      for (const spec of specs) if (!next.has(spec.id) && next.size < limit) next.set(spec.id, spec);
      for (const [id, entry] of entries) {
        const spec = next.get(id);
        if (spec && JSON.stringify(spec) === entry.key) continue;
        stop(entry);
        entries.delete(id);
        if (!spec) opts.removed(id);
      }
      for (const [id, spec] of next) {
        if (entries.has(id)) continue;
        const entry: Entry = { spec, key: JSON.stringify(spec), state: 'idle', stopped: false };
        entries.set(id, entry);
        arm(entry, firstDelayMs(spec.interval, random));
      }
    },
    stats: () => ({ checks: entries.size, running, queued: queue.length, skipped }),
    async close() {
      if (closed) return;
      closed = true;
      const settling: Array<Promise<void> | undefined> = [];
      for (const entry of entries.values()) {
        settling.push(entry.state === 'running' ? entry.settled : undefined);
        stop(entry);
      }
      entries.clear();
      await Promise.all(settling);
    },
  };
}
