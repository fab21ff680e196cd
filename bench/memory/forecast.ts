/**
 * Memory and time of the disk-full forecast series (alerts/forecast.ts) once
 * their window is full: the alert engine keeps one series per host and
 * mount, and fills it for `windowHours` (6 h by default) before it stops
 * growing, so a 30-minute soak sees only the start of it.
 *
 *   node --expose-gc dist/bench/memory/forecast.js [--series 2000] [--hours 6] [--interval 5]
 *
 * Fills --series series with --hours of samples every --interval seconds
 * (on a simulated clock, as the engine does at each sample), then reads the
 * V8 heap and the memory outside it (typed arrays' buffers) after a full
 * collection, and times one add + fit (what each sample costs per mount).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createForecastSeries, MAX_SERIES_POINTS, type ForecastSeries } from '../../alerts/forecast.js';
import { HOUR_MS } from '../../core/time.js';
import { markdownTable, percentile } from '../lib/proc-stats.js';

const { values } = parseArgs({
  options: {
    series: { type: 'string', default: '2000' },
    hours: { type: 'string', default: '6' },
    interval: { type: 'string', default: '5' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc: the heap is read after a full collection');
const count = Number(values.series);
const windowMs = Number(values.hours) * HOUR_MS;
const stepMs = Number(values.interval) * 1000;
const samples = Math.ceil(windowMs / stepMs);
const MiB = 2 ** 20;

gc();
const used = (): number => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
const before = used();
const series: ForecastSeries[] = Array.from({ length: count }, () => createForecastSeries());
const t0 = Date.UTC(2026, 11, 1);
const filled = performance.now();
// Sample by sample across all series, as samples arrive from a fleet.
for (let k = 0; k < samples; k++) {
  const ts = t0 + k * stepMs;
  for (let s = 0; s < count; s++) series[s]!.add(ts + s, 40 + k * 1e-4 + (s % 7), windowMs);
}
const fillMs = performance.now() - filled;
gc();
const heap = used() - before;
const buckets = series.reduce((n, s) => n + s.size, 0);

// One more sample per series, each with its fit, timed one by one.
const times: number[] = [];
for (let s = 0; s < count; s++) {
  const start = performance.now();
  series[s]!.add(t0 + samples * stepMs + s, 41, windowMs);
  series[s]!.fit();
  times.push((performance.now() - start) * 1000);
}
times.sort((a, b) => a - b);

console.log(markdownTable(
  ['series', 'hours at interval s', 'buckets (max per series)', 'heap + external MiB', 'bytes / bucket', 'fill s', 'add + fit µs p50', 'p99'],
  [[count, `${values.hours} at ${values.interval}`, `${buckets} (${MAX_SERIES_POINTS})`, (heap / MiB).toFixed(1), (heap / buckets).toFixed(1), (fillMs / 1000).toFixed(1), percentile(times, 50).toFixed(1), percentile(times, 99).toFixed(1)]],
));
if (!(buckets > 0) || !(heap > 0)) process.exitCode = 1; // nothing measured
