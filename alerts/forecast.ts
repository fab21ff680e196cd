import { HOUR_MS } from '../core/time.js';

/**
 * Disk-full forecast: an ordinary least-squares line through (time, used %)
 * over the last hours, extended to 100 %. This is what Prometheus'
 * `predict_linear()` does; it is honest about steady growth (logs, backups,
 * a database) and the fit quality r² says when the trend is only noise.
 */

export interface Point {
  /** ms since the epoch. */
  ts: number;
  value: number;
}

export interface DiskForecast {
  /** Growth in percentage points per hour (negative when shrinking). */
  slopePerHour: number;
  /** Fit quality, 0–1: the share of the variation the line explains (1 for a perfectly flat series). */
  r2: number;
  points: number;
  /** Hours the points cover. */
  spanHours: number;
  /** The fitted value at the newest point. */
  fitted: number;
  /** When the line reaches 100 % (ms); null when it never does (flat or shrinking). */
  fullAt: number | null;
  /** Hours from the newest point to `fullAt`; 0 when already full, null when never. */
  hoursToFull: number | null;
  /** Size of the mount (bytes) when known: the growth then reads in bytes too ("+1.2 GiB/h"). */
  sizeBytes?: number;
}

/** Fits a line to the points and extends it to `full` (100 %). Null with fewer than 2 distinct times. */
export function forecastFull(points: readonly Point[], full = 100): DiskForecast | null {
  return fitLine(points.length, (i) => points[i]!.ts, (i) => points[i]!.value, full);
}

/**
 * The least-squares fit over n points read through accessors, so a series can
 * be fitted where it lives: a fit per sample and mount must not allocate a
 * point per bucket (1,000 hosts fit hundreds of series a second).
 */
function fitLine(n: number, tsAt: (i: number) => number, valueAt: (i: number) => number, full: number): DiskForecast | null {
  if (n < 2) return null;
  // Times in hours from the first point: epoch ms squared would lose precision.
  const t0 = tsAt(0);
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx += (tsAt(i) - t0) / HOUR_MS;
    sy += valueAt(i);
  }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (tsAt(i) - t0) / HOUR_MS - mx, dy = valueAt(i) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const lastTs = tsAt(n - 1);
  const xLast = (lastTs - t0) / HOUR_MS;
  const fitted = my + slope * (xLast - mx);
  // r² = explained / total variation; a constant series is fitted exactly.
  const r2 = syy === 0 ? 1 : Math.min(1, (sxy * sxy) / (sxx * syy));
  let hoursToFull: number | null = null;
  if (fitted >= full) hoursToFull = 0;
  else if (slope > 0) hoursToFull = (full - fitted) / slope;
  return {
    slopePerHour: slope,
    r2,
    points: n,
    spanHours: xLast,
    fitted,
    fullAt: hoursToFull === null ? null : Math.round(lastTs + hoursToFull * HOUR_MS),
    hoursToFull,
  };
}

/** Most points a series keeps: one per window/360 (a minute for 6 h), whatever the agent's interval. */
export const MAX_SERIES_POINTS = 360;

/** Buckets a new series has room for; it grows by doubling up to MAX_SERIES_POINTS + 1. */
const INITIAL_BUCKETS = 16;

/**
 * The recent history of one mount for the forecast, bounded in memory:
 * samples are averaged into at most MAX_SERIES_POINTS buckets over the window,
 * and older buckets are dropped. Late samples (an agent's offline buffer) go
 * into their own bucket in time order.
 */
export interface ForecastSeries {
  add(ts: number, value: number, windowMs: number): void;
  points(): Point[];
  /** forecastFull(points()), computed on the buckets in place. */
  fit(full?: number): DiskForecast | null;
  /**
   * Whether a fit made now could differ much from the last one: a bucket was
   * added or dropped since, or a bucket's width of time has passed (a sample
   * only moves its bucket's mean a little). The engine refits only then: at
   * a sample every 0.5 s, fitting up to 360 buckets at every sample was the
   * engine's largest cost (issue 16).
   */
  refitDue(): boolean;
  readonly size: number;
}

export function createForecastSeries(): ForecastSeries {
  // A bucket is three numbers in typed arrays, 20 bytes: as an object with its numbers it took ~119,
  // and 1,000 hosts with two mounts held 81 MiB of full 6 h windows (bench/memory/forecast).
  // Its start is not stored: the mean of its times lies within it.
  let sumTs = new Float64Array(INITIAL_BUCKETS);
  let sumValue = new Float64Array(INITIAL_BUCKETS);
  let count = new Uint32Array(INITIAL_BUCKETS);
  let size = 0;
  let width = 1; // of the latest add: a window changed in the settings changes it
  let newestTs = -Infinity;
  /** Buckets and newest sample time at the last fit; none yet. */
  let fittedSize = -1;
  let fittedAt = -Infinity;
  const startOf = (i: number): number => Math.floor(meanTs(i) / width) * width;
  const meanTs = (i: number): number => sumTs[i]! / count[i]!;
  const meanValue = (i: number): number => sumValue[i]! / count[i]!;
  const insert = (i: number, ts: number, value: number): void => {
    if (size === sumTs.length) {
      // Grown to at most one past the cap: a bucket is inserted before the oldest is dropped.
      const capacity = Math.min(sumTs.length * 2, MAX_SERIES_POINTS + 1);
      const grow = <A extends Float64Array | Uint32Array>(from: A, to: A): A => (to.set(from), to);
      sumTs = grow(sumTs, new Float64Array(capacity));
      sumValue = grow(sumValue, new Float64Array(capacity));
      count = grow(count, new Uint32Array(capacity));
    }
    for (const a of [sumTs, sumValue, count]) a.copyWithin(i + 1, i, size);
    sumTs[i] = ts;
    sumValue[i] = value;
    count[i] = 1;
    size += 1;
  };
  return {
    add(ts, value, windowMs) {
      width = Math.max(1, Math.floor(windowMs / MAX_SERIES_POINTS));
      const start = Math.floor(ts / width) * width;
      const newest = size ? Math.max(meanTs(size - 1), ts) : ts;
      if (ts < newest - windowMs) return;
      if (ts > newestTs) newestTs = ts;
      let i = size;
      while (i > 0 && startOf(i - 1) > start) i--;
      if (i > 0 && startOf(i - 1) === start) {
        sumTs[i - 1] = sumTs[i - 1]! + ts;
        sumValue[i - 1] = sumValue[i - 1]! + value;
        count[i - 1] = count[i - 1]! + 1;
      } else {
        insert(i, ts, value);
      }
      const cutoff = newest - windowMs;
      let drop = 0;
      while (drop < size && startOf(drop) + width <= cutoff) drop++;
      // A window shortened in the settings leaves narrower buckets; the cap keeps memory bounded anyway.
      drop = Math.max(drop, size - MAX_SERIES_POINTS);
      if (drop > 0) {
        for (const a of [sumTs, sumValue, count]) a.copyWithin(0, drop, size);
        size -= drop;
      }
    },
    points() {
      return Array.from({ length: size }, (_, i) => ({ ts: meanTs(i), value: meanValue(i) }));
    },
    fit: (full = 100) => {
      fittedSize = size;
      fittedAt = newestTs;
      return fitLine(size, meanTs, meanValue, full);
    },
    refitDue: () => size !== fittedSize || newestTs - fittedAt >= width,
    get size() {
      return size;
    },
  };
}
