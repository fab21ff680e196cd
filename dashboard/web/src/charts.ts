import uPlot from 'uplot';
import type { HistoryPoint } from '../../../ingest/types.js';
import { formatBytes, formatNumber } from './format.js';
import { isGap, isolatedIndices } from './gaps.js';
import { locale, t } from './i18n/index.js';

/** uPlot line charts that follow their container's width. */

/** `bytes` and `number`: a script check's perfdata (issue 14). */
export type ChartUnit = 'percent' | 'bytesPerSecond' | 'seconds' | 'bytes' | 'number';

export interface ChartLine {
  label: string;
  color: string;
}

export interface Chart {
  /** Replaces every point (x in ms, one value list per line, null = gap) and shows the window [fromMs, toMs]. */
  setData(xs: number[], ys: Array<Array<number | null>>, fromMs: number, toMs: number): void;
  /**
   * Adds a live point at `tsMs` unless it is closer than `minGapMs` to the
   * last one, and slides the window so it ends at the newest point. A point
   * more than `gapAfterMs` after the last one (the host was away) comes after
   * a break in the line.
   */
  append(tsMs: number, values: Array<number | null>, minGapMs: number, gapAfterMs?: number): void;
  destroy(): void;
}

export const PALETTE = ['#3b82f6', '#8b5cf6', '#10b981', '#f59e0b', '#f43f5e', '#06b6d4', '#84cc16', '#a855f7'];
const AXIS = '#6b7280';
const GRID = 'rgba(107, 114, 128, 0.14)';
const HEIGHT = 190;

function formatValue(unit: ChartUnit, v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  if (unit === 'seconds') return formatSeconds(v);
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'number') return formatNumber(v, 2);
  return unit === 'percent' ? `${formatNumber(v, 1)} %` : t('units.perSecond', { v: formatBytes(v) });
}

/** A latency (issue 12's checks): milliseconds below a second. */
const formatSeconds = (v: number): string => (v < 1 ? `${formatNumber(v * 1000, v < 0.01 ? 1 : 0)} ms` : `${formatNumber(v, 2)} s`);

function axisValue(unit: ChartUnit, v: number): string {
  if (unit === 'percent') return `${formatNumber(v, 0)}%`;
  if (unit === 'seconds') return formatSeconds(v);
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'number') return formatNumber(v, 2);
  return t('units.perSecond', { v: formatBytes(v) });
}

/** Draws a chart inside `container`; an empty message is shown over it while there is no point. */
export function createChart(container: HTMLElement, unit: ChartUnit, lines: ChartLine[]): Chart {
  const timeFmt = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' });
  const dateFmt = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short' });
  const fullFmt = new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const opts: uPlot.Options = {
    width: Math.max(200, container.clientWidth),
    height: HEIGHT,
    padding: [8, 8, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    scales: {
      // The x window is the asked range, not the data's extent: a host that
      // just appeared shows its few points at the right edge, gaps show as gaps.
      x: { time: true, range: () => [win.from, win.to] },
      y: unit === 'percent' ? { range: [0, 100] } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : unit === 'seconds' ? 0.1 : unit === 'number' ? 1 : 1024] },
    },
    axes: [
      {
        stroke: AXIS,
        grid: { stroke: GRID, width: 1 },
        ticks: { stroke: GRID, width: 1 },
        font: '11px system-ui, sans-serif',
        values: (_u, splits, _ax, _space, incr) => splits.map((s) => (incr >= 86_400 ? dateFmt : timeFmt).format(s * 1000)),
      },
      {
        stroke: AXIS,
        grid: { stroke: GRID, width: 1 },
        ticks: { show: false },
        font: '11px system-ui, sans-serif',
        size: unit === 'percent' ? 44 : unit === 'seconds' || unit === 'number' ? 64 : 84,
        values: (_u, splits) => splits.map((s) => axisValue(unit, s)),
      },
    ],
    series: [
      { label: t('chart.time'), value: (_u, v) => (v === null ? '–' : fullFmt.format(v * 1000)) },
      ...lines.map((l, i) => ({
        label: l.label,
        stroke: l.color,
        width: 1.6,
        fill: lines.length <= 2 && i === 0 ? `${l.color}1f` : undefined,
        // Lines only, except a value alone between gaps: drawn as a dot, or it would not show at all.
        points: { show: false, size: 5, fill: l.color, filter: (u: uPlot, si: number) => { const idx = isolatedIndices(u.data[si] ?? []); return idx.length ? idx : null; } },
        spanGaps: false, // a null is missing data: the line breaks (issue 11)
        value: (_u: uPlot, v: number | null) => formatValue(unit, v),
      })),
    ],
  };
  const win = { from: Date.now() / 1000 - 3600, to: Date.now() / 1000 };
  const data: uPlot.AlignedData = [[], ...lines.map(() => [])];
  const plot = new uPlot(opts, data, container);
  const empty = document.createElement('div');
  empty.className = 'chart-empty';
  empty.textContent = t('chart.noData');
  container.appendChild(empty);

  let xs: number[] = [];
  let ys: Array<Array<number | null>> = lines.map(() => []);
  const redraw = (): void => {
    plot.setData([xs, ...ys] as uPlot.AlignedData);
    empty.hidden = xs.length > 0;
  };

  const resize = new ResizeObserver(() => {
    const width = Math.max(200, container.clientWidth);
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(container);

  return {
    setData(newXs, newYs, fromMs, toMs) {
      win.from = fromMs / 1000;
      win.to = toMs / 1000;
      xs = newXs.map((x) => x / 1000);
      ys = lines.map((_, i) => newYs[i] ?? newXs.map(() => null));
      redraw();
    },
    append(tsMs, values, minGapMs, gapAfterMs = 0) {
      const x = tsMs / 1000;
      const last = xs.at(-1);
      if (last !== undefined && (x <= last || x * 1000 - last * 1000 < minGapMs)) return;
      if (isGap(last === undefined ? undefined : last * 1000, tsMs, gapAfterMs)) {
        xs.push(((last ?? x) + x) / 2);
        for (const y of ys) y.push(null);
      }
      xs.push(x);
      lines.forEach((_, i) => ys[i]?.push(values[i] ?? null));
      if (x > win.to) {
        win.from += x - win.to;
        win.to = x;
      }
      let drop = 0;
      while (drop < xs.length && (xs[drop] ?? 0) < win.from) drop += 1;
      if (drop > 0) {
        xs = xs.slice(drop);
        ys = ys.map((y) => y.slice(drop));
      }
      redraw();
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
      empty.remove();
    },
  };
}

/** Merges per-series history (same from/step, so buckets line up) into one x axis. */
export function alignHistory(series: HistoryPoint[][]): { xs: number[]; ys: Array<Array<number | null>> } {
  const all = new Set<number>();
  for (const points of series) for (const p of points) all.add(p.ts);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((points) => {
    const y: Array<number | null> = xs.map(() => null);
    for (const p of points) y[index.get(p.ts) ?? 0] = p.avg;
    return y;
  });
  return { xs, ys };
}
