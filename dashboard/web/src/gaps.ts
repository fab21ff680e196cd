/**
 * Where a chart's line must break: samples are missing between two points
 * further apart than the history answer's `gapAfter` (issue 11: lines were
 * drawn straight across a host's offline hours). uPlot breaks a line at a
 * null value (its `spanGaps` is false by default), so a null column goes in
 * one bucket after the last point before each gap.
 *
 * Kept apart from charts.ts (which imports uPlot) so Node can test it.
 */
export interface Columns {
  /** x values in ms, ascending. */
  xs: number[];
  /** One value list per line, aligned on xs; null = no value. */
  ys: Array<Array<number | null>>;
}

/** Returns new columns with a null column inserted inside each gap, and how many were inserted. */
export function breakGaps(cols: Columns, gapAfterMs: number, stepMs: number): Columns & { breaks: number } {
  if (!(gapAfterMs > 0) || cols.xs.length < 2) return { ...cols, breaks: 0 };
  const xs: number[] = [];
  const ys: Array<Array<number | null>> = cols.ys.map(() => []);
  let breaks = 0;
  cols.xs.forEach((x, i) => {
    const prev = cols.xs[i - 1];
    if (prev !== undefined && x - prev > gapAfterMs) {
      // Just after the last point (never at or past the next one): the line stops where data stops.
      xs.push(Math.min(prev + Math.max(1, stepMs), prev + (x - prev) / 2));
      for (const y of ys) y.push(null);
      breaks += 1;
    }
    xs.push(x);
    cols.ys.forEach((col, j) => ys[j]?.push(col[i] ?? null));
  });
  return { xs, ys, breaks };
}

/** Whether a live point at `x` (ms) comes after a gap following `last`: the chart then breaks before it. */
export function isGap(last: number | undefined, x: number, gapAfterMs: number): boolean {
  return last !== undefined && gapAfterMs > 0 && x - last > gapAfterMs;
}

/**
 * Indices of values with no value on either side: a line cannot show them
 * (a host seen once between two gaps), so the chart draws them as dots.
 */
export function isolatedIndices(ys: ArrayLike<number | null | undefined>): number[] {
  const out: number[] = [];
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] === null || ys[i] === undefined) continue;
    if ((ys[i - 1] ?? null) === null && (ys[i + 1] ?? null) === null) out.push(i);
  }
  return out;
}
