import { DAY_MS, MINUTE_MS, floorTo } from '../core/time.js';
import type { HistoryQuery, HistoryResult } from '../ingest/types.js';
import type { Availability, DailyAvailability } from './types.js';

/**
 * Availability from the stored `check.up` series (100 for a success, 0 for
 * a failure; host = the runner, key = the check id), read through the
 * store's history() so SQLite and InfluxDB give the same numbers.
 *
 * Why buckets and not one bucket spanning the whole range: both stores align
 * buckets on multiples of the step since the epoch and floor `from` to it, so
 * a single "whole range" bucket would start up to one range earlier than
 * asked (a "last 24 h" figure would read up to 48 h). One-minute buckets (the
 * 1m tier, or 1 h past its retention; widened by the store to at most 10,000
 * buckets) keep that edge under one bucket (an hour past the 1m retention). Each bucket comes with its number
 * of results (SQLite's rollups keep sum and count, InfluxDB counts the raw
 * points) and weighs that much: the answer is the share of successful results
 * in the range whichever tier answers, even where a bucket is only partly
 * filled (a range's edges, a runner that started or stopped mid-hour).
 */

export type HistoryFn = (q: HistoryQuery) => Promise<HistoryResult>;

/** Bucket asked for over any range; the store widens it for long ranges. */
const RANGE_STEP_MS = MINUTE_MS;

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length);

/** The mean of bucket averages weighted by their sample counts; null without samples. */
function weightedMean(points: ReadonlyArray<{ avg: number; count?: number }>): number | null {
  let sum = 0;
  let count = 0;
  for (const p of points) {
    const n = p.count ?? 1; // a store without counts: buckets weigh the same
    sum += p.avg * n;
    count += n;
  }
  return count > 0 ? sum / count : null;
}

/** Availability of one runner's results of one check over [from, to): percent, or null without any result. */
async function runnerAvailability(history: HistoryFn, runner: string, check: string, from: number, to: number): Promise<number | null> {
  const r = await history({ host: runner, metric: 'check.up', key: check, from, to, step: RANGE_STEP_MS, withCount: true });
  return weightedMean(r.points);
}

/** Availability over [from, to): per runner, and the mean of the runners that have results (null when none has: never 100 % by default). */
export async function availabilityOver(history: HistoryFn, q: { check: string; runners: readonly string[]; from: number; to: number }): Promise<Availability> {
  const byRunner: Record<string, number | null> = {};
  if (!(q.from < q.to)) return { from: q.from, to: q.to, percent: null, byRunner: Object.fromEntries(q.runners.map((r) => [r, null])) };
  const values = await Promise.all(q.runners.map((runner) => runnerAvailability(history, runner, q.check, q.from, q.to)));
  q.runners.forEach((runner, i) => {
    byRunner[runner] = values[i] ?? null;
  });
  return { from: q.from, to: q.to, percent: mean(values.filter((v): v is number => v !== null)), byRunner };
}

/** Longest strip asked for (the status page shows 90 days). */
export const MAX_DAYS = 400;

/** `days` UTC-day bars ending with today (`now`'s day), oldest first; each the mean of the runners with results that day, and the worst runner. */
export async function dailyAvailability(history: HistoryFn, q: { check: string; runners: readonly string[]; days: number }, now: number): Promise<DailyAvailability[]> {
  const days = Math.max(0, Math.min(MAX_DAYS, Math.floor(q.days)));
  if (days === 0) return [];
  const today = floorTo(now, DAY_MS);
  const from = today - (days - 1) * DAY_MS;
  const to = today + DAY_MS;
  // One bucket per UTC day: a day is a whole number of every tier's buckets, so each is exact.
  const perRunner = await Promise.all(q.runners.map(async (runner) => {
    const r = await history({ host: runner, metric: 'check.up', key: q.check, from, to, step: DAY_MS });
    return new Map(r.points.map((p) => [floorTo(p.ts, DAY_MS), p.avg]));
  }));
  const out: DailyAvailability[] = [];
  for (let day = from; day < to; day += DAY_MS) {
    const values = perRunner.map((m) => m.get(day)).filter((v): v is number => v !== undefined);
    out.push({ day, percent: mean(values), worst: values.length === 0 ? null : Math.min(...values) });
  }
  return out;
}

export interface ErrorBudget {
  /** The SLA target, percent. */
  target: number;
  /** Down time the target allows over the window, seconds. */
  allowedSeconds: number;
  /** Down time spent, seconds: (100 − availability) % of the window; 0 without data. */
  usedSeconds: number;
  /** Share of the allowed down time left, percent; negative once overspent; null without data. A 100 % target allows none: 100 while never down, else −100. */
  leftPercent: number | null;
}

/** The error budget of an SLA `target` (%) over a window of `windowMs`, given the availability (%) measured over it. */
export function errorBudget(target: number, availability: number | null, windowMs: number): ErrorBudget {
  const windowSeconds = Math.max(0, windowMs) / 1000;
  const allowedSeconds = Math.round((windowSeconds * Math.max(0, 100 - target)) / 100);
  if (availability === null) return { target, allowedSeconds, usedSeconds: 0, leftPercent: null };
  const usedSeconds = Math.round((windowSeconds * Math.max(0, 100 - availability)) / 100);
  const leftPercent = allowedSeconds > 0 ? (100 * (allowedSeconds - usedSeconds)) / allowedSeconds : usedSeconds === 0 ? 100 : -100;
  return { target, allowedSeconds, usedSeconds, leftPercent };
}
