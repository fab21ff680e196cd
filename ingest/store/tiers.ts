import { HOUR_MS, MINUTE_MS, floorTo, secondsToMs } from '../../core/time.js';
import type { Tier } from '../types.js';

/** How long each tier keeps its rows, in seconds (the `ingest.retention` config block). */
export interface Retention {
  raw: number;
  minute: number;
  hour: number;
}

/** Bucket width of each tier in ms; raw rows are single samples (width 1 ms). */
export const TIER_WIDTH_MS: Record<Tier, number> = { raw: 1, '1m': MINUTE_MS, '1h': HOUR_MS };

/** Finest first. */
const TIERS: readonly Tier[] = ['raw', '1m', '1h'];

/** Most buckets one answer may hold; a finer step is widened to stay under it. */
export const MAX_BUCKETS = 10_000;

/** The hour-aligned bound below which retention deletes rows of each tier. */
export function deleteBefore(now: number, retention: Retention): Record<Tier, number> {
  return {
    raw: floorTo(now - secondsToMs(retention.raw), HOUR_MS),
    '1m': floorTo(now - secondsToMs(retention.minute), HOUR_MS),
    '1h': floorTo(now - secondsToMs(retention.hour), HOUR_MS),
  };
}

/**
 * Picks the tier that answers a range query, and the step actually used.
 *
 * A tier "covers" the query when `from` is still within its retention. Among
 * covering tiers the coarsest one whose bucket fits in `step` wins (fewest
 * rows read for the same answer): e.g. a 15-minute chart at 2 s reads raw, a
 * 24-hour chart at 4 min reads 1m, 30 days at 2 h reads 1h. When no covering
 * tier is that fine, the finest covering one is used; when none covers (a
 * range older than every retention), 1h. The step is then rounded up to a
 * whole number of tier buckets — so avg/min/max stay exact — and widened if
 * the range would need more than MAX_BUCKETS buckets.
 */
export function chooseTier(q: { from: number; to: number; step: number }, now: number, retention: Retention): { tier: Tier; step: number } {
  const cutoffs = deleteBefore(now, retention);
  const covering = TIERS.filter((t) => q.from >= cutoffs[t]);
  let tier: Tier;
  if (covering.length === 0) tier = '1h';
  else tier = [...covering].reverse().find((t) => TIER_WIDTH_MS[t] <= q.step) ?? (covering[0] as Tier);
  const width = TIER_WIDTH_MS[tier];
  let step = Math.max(width, Math.ceil(q.step / width) * width);
  const minStep = Math.ceil((q.to - q.from) / MAX_BUCKETS);
  if (step < minStep) step = Math.ceil(minStep / width) * width;
  return { tier, step };
}
