/**
 * History store benchmark: the same synthetic samples written into SQLite
 * and into InfluxDB, one after the other, in one run.
 *
 *   node dist/bench/store/run.js --hosts 500 --rounds 60 [--influx-url http://127.0.0.1:8086 --influx-db vigie]
 *
 * Without --influx-url it starts Debian's influxd (/usr/bin/influxd) on a
 * free port with its data in a temp dir. Each store gets `hosts × rounds`
 * samples of a full metrics payload (about 20 values each) as fast as its
 * write() accepts them, then flush() until everything is stored. Prints a
 * markdown table: samples and values per second, Node CPU seconds, the
 * Node process RSS, and for InfluxDB the server's own CPU and RSS.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { IngestConfig, type InfluxConfig } from '../../ingest/config.js';
import { startInfluxMetricStore } from '../../ingest/store/influx/influx-metric-store.js';
import type { MetricStore } from '../../ingest/store/metric-store.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { startSqliteMetricStore } from '../../ingest/store/sqlite/sqlite-metric-store.js';
import { flattenMetrics } from '../../protocol/metric-series.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { haveInfluxd, startInfluxd } from '../../test/helpers/influx.js';
import { tempDir } from '../../test/helpers/env.js';
import { markdownTable, readProcStats } from '../lib/proc-stats.js';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '60' },
    'influx-url': { type: 'string' },
    'influx-db': { type: 'string', default: 'vigie' },
    // SQLite's points per write batch (one commit, one fsync with synchronous=FULL); the ingest's flushSize by default.
    'flush-size': { type: 'string' },
    'no-influx': { type: 'boolean', default: false },
  },
});
const hosts = Number(args.hosts);
const rounds = Number(args.rounds);
const defaults = Value.Default(IngestConfig, {}) as IngestConfig;

function sample(host: number, round: number, t0: number): MetricsPayload {
  const x = Math.sin(host + round / 7);
  return {
    v: 1, ts: t0 + round * 5000,
    cpu: { usage: 40 + 30 * x, load1: 1 + x, load5: 1, load15: 0.9, iowait: 2 },
    mem: { total: 8e9, used: 4e9 + 1e9 * x, available: 4e9, usedPercent: 50 + 10 * x },
    swap: { total: 2e9, used: 1e8, usedPercent: 5 },
    disks: [
      { mount: '/', fs: 'ext4', total: 1e11, used: 5e10, free: 5e10, usedPercent: 50 + x },
      { mount: '/var', fs: 'ext4', total: 2e11, used: 1e11, free: 1e11, usedPercent: 50 },
    ],
    net: [{ iface: 'eth0', rxRate: 1e5 * (1 + x), txRate: 5e4 }],
    temperature: { cpu: 50 + 5 * x },
    uptime: 3600 + round * 5, processes: 200,
  };
}

interface Row { store: string; samples: number; values: number; seconds: number; cpu: number; rssMb: number; server: string }

async function run(name: string, store: MetricStore, serverPid?: number): Promise<Row> {
  const t0 = Date.now() - rounds * 5000 - 60_000;
  const cpu0 = process.cpuUsage();
  const server0 = serverPid ? readProcStats(serverPid) : null;
  let values = 0;
  let peakRss = 0;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let h = 0; h < hosts; h++) {
      const points = flattenMetrics(sample(h, r, t0));
      values += points.length;
      while (!store.write(`bench-${h}`, t0 + r * 5000, points)) await new Promise((res) => setTimeout(res, 5));
    }
    await new Promise((res) => setImmediate(res)); // let timers (batches) run between rounds, as real traffic would
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  await store.flush();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = serverPid ? readProcStats(serverPid) : null;
  await store.close();
  return {
    store: name, samples: hosts * rounds, values, seconds,
    cpu: (cpu.user + cpu.system) / 1e6, rssMb: peakRss / 2 ** 20,
    server: server0 && server1 ? `${(server1.cpuSeconds - server0.cpuSeconds).toFixed(1)} s CPU, ${(server1.rssBytes / 2 ** 20).toFixed(0)} MiB` : '(in process)',
  };
}

const rows: Row[] = [];
const dir = tempDir('vigie-bench-store-');
const flushSize = args['flush-size'] ? Number(args['flush-size']) : defaults.flushSize;
// synchronous=FULL is what the ingest runs (its acknowledgements depend on commits surviving a power cut); NORMAL for comparison.
for (const synchronous of ['NORMAL', 'FULL'] as const) {
  const sub = join(dir.path, synchronous);
  const db = openDatabase(sub, { synchronous });
  rows.push(await run(`SQLite synchronous=${synchronous}, ${flushSize} points/commit`, startSqliteMetricStore({ db, retention: defaults.retention, flushInterval: defaults.flushInterval, flushSize })));
  db.close();
}

let influxUrl = args['influx-url'];
let influxd: Awaited<ReturnType<typeof startInfluxd>> | undefined;
if (!influxUrl && haveInfluxd() && !args['no-influx']) {
  influxd = await startInfluxd({ databases: [String(args['influx-db'])] });
  influxUrl = influxd.url;
}
if (influxUrl && !args['no-influx']) {
  const influx = { ...defaults.influx, url: influxUrl, database: String(args['influx-db']) } as InfluxConfig;
  const pid = influxd?.pid();
  rows.push(await run(`InfluxDB (${influx.api}, ${influxUrl})`, startInfluxMetricStore({ influx, retention: defaults.retention }), pid));
}
await influxd?.stop();
dir.remove();

process.stdout.write(`${hosts} hosts × ${rounds} samples, ${Math.round(rows[0]!.values / rows[0]!.samples)} values per sample\n\n`);
process.stdout.write(`${markdownTable(
  ['store', 'samples', 'values', 'seconds', 'samples/s', 'values/s', 'Node CPU s', 'Node RSS MiB', 'server'],
  rows.map((r) => [r.store, r.samples, r.values, r.seconds.toFixed(2), Math.round(r.samples / r.seconds), Math.round(r.values / r.seconds), r.cpu.toFixed(2), r.rssMb.toFixed(0), r.server]),
)}\n`);
