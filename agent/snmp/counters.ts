import type { Counter } from './values.js';

/**
 * Rates from SNMP counters (pure). A counter only says how much happened
 * since some moment; the rate is the difference between two polls over the
 * time between them. What must not happen is a spike: a counter that went
 * back because the device restarted (or its 64-bit counter was cleared)
 * gives no rate for that sample, never a huge one (issue 13).
 */

const RANGE = { 32: 1n << 32n, 64: 1n << 64n } as const;
/** sysUpTime is TimeTicks: 1/100 s in 32 bits, so it wraps after 497 days without a restart. */
const TICKS_RANGE = 2 ** 32;

/**
 * How much a counter grew from `prev` to `next`. A Counter32 that went back
 * wrapped once (RFC 2578 §7.1.6); a Counter64 never wraps in practice
 * (2^64 bytes is 4,600 years at 1 Tb/s), so going back means it was reset:
 * undefined. A counter whose width changed (the device stopped answering
 * ifHC* and we fell back to ifIn/OutOctets) is a different counter: undefined.
 */
export function counterDelta(prev: Counter, next: Counter): bigint | undefined {
  if (prev.bits !== next.bits) return undefined;
  if (next.value >= prev.value) return next.value - prev.value;
  return next.bits === 32 ? next.value + RANGE[32] - prev.value : undefined;
}

/**
 * Per second between two readings `seconds` apart; undefined when there is
 * no rate (see counterDelta), no time passed, or it is above `max` (a value
 * no link could carry: a Counter32 reset mistaken for a wrap).
 */
export function counterRate(prev: Counter, next: Counter, seconds: number, max = Infinity): number | undefined {
  if (!(seconds > 0)) return undefined;
  const delta = counterDelta(prev, next);
  if (delta === undefined) return undefined;
  const rate = Number(delta) / seconds;
  return Number.isFinite(rate) && rate <= max ? rate : undefined;
}

/**
 * Whether the device restarted between two polls `elapsedMs` apart: its
 * sysUpTime went back, and further than a 32-bit wrap explains (after a wrap
 * it is about `prev + elapsed` modulo 2^32; a minute of slack covers agents
 * that update it lazily).
 */
export function restarted(prevTicks: number, nextTicks: number, elapsedMs: number): boolean {
  if (nextTicks >= prevTicks) return false;
  const expected = (prevTicks + Math.round(elapsedMs / 10)) % TICKS_RANGE;
  const slack = 6_000 + Math.round(elapsedMs / 100); // 60 s + 10 % of the elapsed time
  const wrapped = prevTicks + Math.round(elapsedMs / 10) >= TICKS_RANGE && Math.abs(nextTicks - expected) <= slack;
  return !wrapped;
}

/** The previous poll's counters of one device, kept in the poller's closure. */
export interface CounterMemory {
  /**
   * Starts a poll taken at `atMs` (monotonic) with the device's sysUpTime:
   * after a restart (or on the first poll) every counter is forgotten and
   * this poll gives no rates.
   */
  begin(atMs: number, uptimeTicks: number | undefined): void;
  /** Remembers `counter` under `key` and returns its rate since the previous poll, if there is one. */
  rate(key: string, counter: Counter | undefined, max?: number): number | undefined;
  /** Ends a poll that succeeded: its counters become the base of the next rates; those not read in it (a removed interface) are forgotten. */
  end(): void;
  /** Whether the last begin() saw the device restart (for the log). */
  readonly restarted: boolean;
}

export function createCounterMemory(): CounterMemory {
  let counters = new Map<string, Counter>();
  let next = new Map<string, Counter>();
  // Committed by end() only: a poll that fails half-way must not shorten the next one's time base.
  let lastAt: number | undefined;
  let lastUptime: number | undefined;
  let pendingAt: number | undefined;
  let pendingUptime: number | undefined;
  let seconds = 0;
  let wasRestarted = false;
  return {
    begin(atMs, uptimeTicks) {
      wasRestarted = lastUptime !== undefined && uptimeTicks !== undefined && lastAt !== undefined && restarted(lastUptime, uptimeTicks, atMs - lastAt);
      if (wasRestarted) counters = new Map();
      seconds = lastAt === undefined ? 0 : (atMs - lastAt) / 1000;
      pendingAt = atMs;
      pendingUptime = uptimeTicks;
      next = new Map();
    },
    rate(key, counter, max) {
      if (counter === undefined) return undefined;
      next.set(key, counter);
      const prev = counters.get(key);
      return prev === undefined ? undefined : counterRate(prev, counter, seconds, max);
    },
    end() {
      counters = next;
      next = new Map();
      lastAt = pendingAt;
      lastUptime = pendingUptime;
    },
    get restarted() {
      return wasRestarted;
    },
  };
}
