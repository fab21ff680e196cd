/**
 * Time is owned here: every timestamp in Vigie is milliseconds since the Unix
 * epoch (UTC), and durations in configuration and payloads are seconds.
 * Components take a Clock so tests can inject one.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Seconds (the unit of configuration and payload durations) to milliseconds. */
export const secondsToMs = (seconds: number): number => Math.round(seconds * SECOND_MS);

/** Start of the bucket of width `stepMs` holding `ts`. */
export const floorTo = (ts: number, stepMs: number): number => Math.floor(ts / stepMs) * stepMs;

/** A moment to the minute in UTC, e.g. "2026-12-03 14:05 UTC": for messages read away from the box's time zone. */
/** `2026-12-03T15-27-12-345Z`: ISO-8601 UTC with characters every file system accepts (file names). */
export const fileStamp = (ms: number): string => new Date(ms).toISOString().replace(/[:.]/g, '-');

export const formatUtcMinute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
