/**
 * Raw-sample exports (`vigie history export`, GET /api/hosts/:id/samples)
 * from a store of `--hosts` hosts × `--series` series at 5 s over `--hours`:
 * one host whole, and one series of it, through readRawSamples as the
 * server runs it. Raw points are keyed by host, then time (docs/storage.md),
 * so a whole-host export reads the host's rows once per series.
 *
 *   node dist/bench/history/export.js --hosts 20 --series 22 --hours 24 --runs 5
 */
import { parseArgs } from 'node:util';
import { HOUR_MS, SECOND_MS } from '../../core/time.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { readRawSamples } from '../../ingest/store/sqlite/raw-samples.js';
import { startSqliteMetricStore } from '../../ingest/store/sqlite/sqlite-metric-store.js';
import type { SampleQuery } from '../../ingest/types.js';
import type { SeriesPoint } from '../../protocol/metric-series.js';
import { tempDir } from '../../test/helpers/env.js';
import { markdownTable, percentile } from '../lib/proc-stats.js';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    series: { type: 'string', default: '22' },
    hours: { type: 'string', default: '24' },
    runs: { type: 'string', default: '5' },
  },
});
const hosts = Number(args.hosts);
const seriesPerHost = Number(args.series);
const hours = Number(args.hours);
const runs = Number(args.runs);
const INTERVAL_MS = 5 * SECOND_MS;

const dir = tempDir();
const now = Date.now();
const from = now - hours * HOUR_MS;
const db = openDatabase(dir.path, { synchronous: 'NORMAL' });
// Written through the store, as the ingest writes them: the layout is the store's own.
const store = startSqliteMetricStore({ db, retention: { raw: (hours + 2) * 3600, minute: 30 * 86_400, hour: 400 * 86_400 }, flushInterval: 3600, flushSize: 1_000_000 });
const started = performance.now();
for (let ts = from; ts < now; ts += INTERVAL_MS) {
  for (let h = 0; h < hosts; h++) {
    const points: SeriesPoint[] = [];
    for (let s = 0; s < seriesPerHost; s++) points.push({ metric: 'disk.used', key: `/m${s}`, value: (ts / INTERVAL_MS + s) % 100 });
    if (!store.write(`host-${h}`, ts, points)) throw new Error('the store refused a sample');
  }
  if (store.stats().pending >= 200_000) await store.flush();
}
await store.flush();
const built = (performance.now() - started) / 1000;

async function time(q: SampleQuery): Promise<{ samples: number; ms: number[] }> {
  const ms: number[] = [];
  let samples = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    samples = 0;
    for await (const page of readRawSamples(db, q)) samples += page.length;
    ms.push(performance.now() - t0);
  }
  return { samples, ms: ms.sort((a, b) => a - b) };
}

const host = `host-${Math.floor(hosts / 2)}`;
const rows: Array<Array<string | number>> = [];
for (const [label, q] of [
  [`one host, all ${seriesPerHost} series`, { host, from, to: now }],
  ['one series of it', { host, from, to: now, metric: 'disk.used', key: '/m3' }],
] as Array<[string, SampleQuery]>) {
  const { samples, ms } = await time(q);
  // An export that misses samples must fail the bench, not print a fast figure.
  const expected = Math.ceil((hours * HOUR_MS) / INTERVAL_MS) * (q.metric === undefined ? seriesPerHost : 1);
  if (samples !== expected) throw new Error(`bench: export "${label}" returned ${samples} samples, ${expected} were written`);
  rows.push([label, `${hours} h`, samples, runs, percentile(ms, 50).toFixed(0), percentile(ms, 100).toFixed(0), Math.round(samples / (percentile(ms, 50) / 1000))]);
}
await store.close();
db.close();
dir.remove();

console.log(`store: ${hosts} hosts × ${seriesPerHost} series every 5 s for ${hours} h, written in ${built.toFixed(0)} s\n`);
console.log(markdownTable(['export', 'window', 'samples', 'runs', 'p50 ms', 'max ms', 'samples/s'], rows));
