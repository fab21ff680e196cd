/**
 * History reads with a fleet's worth of data in the store (issue 16, goal 6:
 * a 24 h chart of one host ≤ 20 ms and a 30 d chart ≤ 50 ms server-side).
 *
 *   node dist/bench/history/run.js --hosts 1000 --deep 5 --runs 100 --cold 10 [--keep | --reuse DIR]
 *
 * Builds vigie.db in a temp dir (bench/history/build-store.ts; its table says
 * what is in it), then times the host page's history: the CHARTED series (one
 * request each, as dashboard/web/src/views/host-charts.ts asks them) for the
 * 24h and 30d ranges, resolved by the server's own resolveHistoryQuery.
 *  - store: SqliteMetricStore.history() in this process; "cold" reopens the
 *    database (empty SQLite cache) after dropping the file from the OS page
 *    cache (dd iflag=nocache), "warm" repeats on an open store;
 *  - http: the real server (bench/pipeline/server.ts: broker + ingest +
 *    dashboard) in its own process, signed in as a browser is, on 127.0.0.1:
 *    each request alone, the network chart (its 4 requests at once), and the
 *    page (GET /series and every chart request at once, as the browser sends
 *    them). Its CPU per run, read from /proc, does not depend on how busy the
 *    machine is, unlike the wall times. No samples arrive meanwhile.
 * Only the deep hosts are queried: they have every tier at full depth. A
 * store kept (--keep) and timed again later (--reuse) has a gap since its
 * build at the end of each chart.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { DAY_MS, HOUR_MS } from '../../core/time.js';
import { resolveHistoryQuery } from '../../dashboard/server/history-query.js';
import { IngestConfig } from '../../ingest/config.js';
import { DATABASE_FILE, openDatabase } from '../../ingest/store/sqlite/database.js';
import { startSqliteMetricStore } from '../../ingest/store/sqlite/sqlite-metric-store.js';
import type { HistoryQuery } from '../../ingest/types.js';
import { ApiClient } from '../../test/helpers/api-client.js';
import { tempDir } from '../../test/helpers/env.js';
import { addUser } from '../../test/helpers/stack.js';
import { markdownTable, percentile, readProcStats } from '../lib/proc-stats.js';
import { CHARTED, HOST_SERIES, buildStore, describeStore, type Depth } from './build-store.js';
import { benchServerEnv, benchServerFlags } from '../lib/server-flags.js';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    // Hosts with every tier at full retention depth (the ones queried), spread over the fleet.
    deep: { type: 'string', default: '5' },
    // The other hosts: hours of raw, hours of 1m, days of 1h (full depth would be 48 h, 720 h, 400 d).
    'thin-raw-hours': { type: 'string', default: '1' },
    'thin-minute-hours': { type: 'string', default: '24' },
    'thin-hour-days': { type: 'string', default: '30' },
    runs: { type: 'string', default: '200' },
    cold: { type: 'string', default: '10' },
    'no-http': { type: 'boolean', default: false },
    // Keep the built store (its path is printed) or reuse one kept before: both for working on the queries.
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const nHosts = Number(args.hosts);
const nDeep = Math.min(nHosts, Number(args.deep));
const runs = Number(args.runs);
const coldRuns = Number(args.cold);
const defaults = Value.Default(IngestConfig, {}) as IngestConfig;
const retention = defaults.retention;
const full: Depth = { raw: retention.raw * 1000, minute: retention.minute * 1000, hour: retention.hour * 1000 };
const thin: Depth = { raw: Number(args['thin-raw-hours']) * HOUR_MS, minute: Number(args['thin-minute-hours']) * HOUR_MS, hour: Number(args['thin-hour-days']) * DAY_MS };
const deepIndex = new Set(Array.from({ length: nDeep }, (_, i) => Math.floor(((i + 0.5) * nHosts) / nDeep)));
const RANGES = ['24h', '30d'] as const;
type Range = (typeof RANGES)[number];

const dir = args.reuse ? { path: args.reuse, remove: () => undefined } : tempDir('vigie-bench-history-');
const dbPath = join(dir.path, DATABASE_FILE);
let server: ChildProcess | undefined;
const cleanup = (): void => {
  server?.kill('SIGKILL');
  if (args.keep) process.stderr.write(`store kept in ${dir.path}\n`);
  else dir.remove();
};
process.on('exit', cleanup);

const built = args.reuse ? describeStore(dir.path) : buildStore(dir.path, { hosts: nHosts, now: Date.now(), full, thin, deep: (h) => deepIndex.has(h) });
const deepHosts = [...deepIndex].map((i) => built.hosts[i]!);
const fileMiB = (statSync(dbPath).size / 2 ** 20).toFixed(0);
const fmt = (ms: number): string => (ms >= 3 * DAY_MS ? `${Math.round(ms / DAY_MS)} d` : `${Math.round(ms / HOUR_MS)} h`);
process.stdout.write(`store: ${nHosts} hosts × ${HOST_SERIES.length} series; ${nDeep} deep hosts (raw ${fmt(full.raw)} at 5 s, 1m ${fmt(full.minute)}, 1h ${fmt(full.hour)}), `
  + `the others raw ${fmt(thin.raw)}, 1m ${fmt(thin.minute)}, 1h ${fmt(thin.hour)}; built in ${built.seconds.toFixed(0)} s\n\n`);
process.stdout.write(`${markdownTable(['table', 'rows'], [
  ['points_raw', built.rows.raw], ['points_1m', built.rows['1m']], ['points_1h', built.rows['1h']], ['vigie.db MiB', fileMiB],
])}\n\n`);

/** Drops vigie.db (and its WAL) from the OS page cache: the next read goes to the disk. */
function dropFileCache(): void {
  for (const f of [dbPath, `${dbPath}-wal`]) {
    try {
      execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
    } catch {
      // no WAL file: nothing cached
    }
  }
}

const queriesOf = (host: string, range: Range, now: number): Array<ReturnType<typeof resolveHistoryQuery>> =>
  CHARTED.map((s) => resolveHistoryQuery(host, { metric: s.metric, key: s.key || undefined, range }, now));

/** One kind of measured unit (a request, a chart, a page): wall times, answer sizes, CPU. */
interface Measure { what: string; range: Range; cache: string; requests: number; tier: string; ms: number[]; points: number[]; cpuMs: number; bytes: number }
const measure = (what: string, range: Range, cache: string, requests: number): Measure =>
  ({ what, range, cache, requests, tier: '', ms: [], points: [], cpuMs: 0, bytes: 0 });
const measures: Measure[] = [];

function openStore(): { store: ReturnType<typeof startSqliteMetricStore>; close: () => Promise<void> } {
  const db = openDatabase(dir.path);
  const store = startSqliteMetricStore({ db, retention, flushInterval: defaults.flushInterval, flushSize: defaults.flushSize, maintenanceInterval: 3600 });
  return { store, close: async () => { await store.close(); db.close(); } };
}

const cpuMsOf = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** The host page's queries, one after the other (history() is synchronous inside). */
async function storePage(store: ReturnType<typeof startSqliteMetricStore>, host: string, range: Range, one: Measure, page: Measure): Promise<void> {
  const cpu0 = process.cpuUsage();
  const page0 = performance.now();
  for (const q of queriesOf(host, range, Date.now())) {
    const t0 = performance.now();
    const r = await store.history(q);
    one.ms.push(performance.now() - t0);
    one.points.push(r.points.length);
    page.points.push(r.points.length);
    one.tier = page.tier = r.tier;
  }
  page.ms.push(performance.now() - page0);
  const cpu = cpuMsOf(process.cpuUsage(cpu0));
  page.cpuMs += cpu;
  one.cpuMs += cpu;
}

// The live store is dirty from its last rollup on (within the minute): the newest raw
// samples fill in after the rollups, as they do between two maintenance runs.
{
  const db = openDatabase(dir.path);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('rollup_dirty_from', ?)").run(Date.now() - 30_000);
  db.close();
}

for (const range of RANGES) {
  for (const cache of ['cold', 'warm'] as const) {
    const one = measure('store.history(), one series', range, cache, 1);
    const page = measure(`store.history(), the page's ${CHARTED.length} series`, range, cache, CHARTED.length);
    const warm = cache === 'warm' ? openStore() : undefined;
    for (let i = 0; i < (warm ? runs : coldRuns); i++) {
      const s = warm ?? (dropFileCache(), openStore());
      await storePage(s.store, deepHosts[i % deepHosts.length]!, range, one, page);
      if (!warm) await s.close();
    }
    await warm?.close();
    measures.push(one, page);
  }
}
if (!args['no-http']) {
  const user = await addUser(dir.path, `bench${process.pid}`, 'admin');
  server = fork(fileURLToPath(new URL('../pipeline/server.js', import.meta.url)), [dir.path], {
    // BENCH_SERVER_ARGS: node flags for the server, e.g. --cpu-prof (as bench/pipeline/saturate).
    execArgv: benchServerFlags(),
    env: benchServerEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const httpUrl = await new Promise<string>((resolve, reject) => {
    server!.once('message', (m: { type: string; httpUrl: string }) => (m.type === 'ready' ? resolve(m.httpUrl) : reject(new Error(m.type))));
    server!.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const client = await ApiClient.signIn(httpUrl, user.name, user.password);
  const headers = { cookie: client.cookieHeader(), accept: 'application/json' };
  const path = (q: HistoryQuery & { range: string | null }): string =>
    `/api/hosts/${q.host}/history?${new URLSearchParams({ metric: q.metric, ...(q.key ? { key: q.key } : {}), range: q.range ?? '' })}`;
  const get = async (p: string): Promise<{ ms: number; bytes: number; points: number; tier: string }> => {
    const t0 = performance.now();
    const res = await fetch(httpUrl + p, { headers });
    const body = await res.arrayBuffer();
    const elapsed = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
    const data = (JSON.parse(Buffer.from(body).toString()) as { data: { points?: unknown[]; tier?: string } }).data;
    return { ms: elapsed, bytes: body.byteLength, points: data.points?.length ?? 0, tier: data.tier ?? '' };
  };
  const serverCpuMs = (): number => readProcStats(server!.pid!).cpuSeconds * 1000;
  const network = CHARTED.filter((c) => c.metric.startsWith('net.')).length;
  for (const range of RANGES) {
    // One request alone; the widest chart (an interface's rx and tx, every interface at once); the page
    // (the series list and every chart request in flight at once, as the browser sends them).
    const kinds: Array<[Measure, (qs: ReturnType<typeof queriesOf>, host: string, i: number) => string[]]> = [
      [measure('HTTP, one request', range, 'warm', 1), (qs, _host, i) => [path(qs[i % qs.length]!)]],
      [measure('HTTP, network chart at once', range, 'warm', network), (qs) => qs.filter((q) => q.metric.startsWith('net.')).map(path)],
      [measure(`HTTP, page at once (+ /series)`, range, 'warm', CHARTED.length + 1), (qs, host) => [`/api/hosts/${host}/series`, ...qs.map(path)]],
    ];
    for (const [m, paths] of kinds) {
      const cpu0 = serverCpuMs();
      for (let i = 0; i < runs * (m.requests === 1 ? CHARTED.length : 1); i++) {
        const host = deepHosts[i % deepHosts.length]!;
        const t0 = performance.now();
        const answers = await Promise.all(paths(queriesOf(host, range, Date.now()), host, i).map(get));
        m.ms.push(performance.now() - t0);
        for (const a of answers) {
          m.bytes += a.bytes;
          if (a.tier) {
            m.points.push(a.points);
            m.tier = a.tier;
          }
        }
      }
      m.cpuMs = serverCpuMs() - cpu0;
      measures.push(m);
    }
  }
  server.send({ type: 'stop' });
  await new Promise((resolve) => server!.once('exit', resolve));
  server = undefined;
}

const ms = (v: number): string => v.toFixed(2);
process.stdout.write(`${markdownTable(
  ['measured', 'range', 'cache', 'tier', 'requests', 'runs', 'points/answer (min)', 'p50 ms', 'p99 ms', 'max ms', 'CPU ms/run', 'JSON KiB/run'],
  measures.map((m) => {
    const sorted = [...m.ms].sort((a, b) => a - b);
    // An empty answer measured nothing: a NaN makes the table fail the run.
    const minPoints = m.points.length > 0 && Math.min(...m.points) > 0 ? Math.min(...m.points) : Number.NaN;
    return [m.what, m.range, m.cache, m.tier, m.requests, m.ms.length, minPoints, ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1] ?? Number.NaN),
      ms(m.cpuMs / m.ms.length), m.bytes > 0 ? (m.bytes / m.ms.length / 1024).toFixed(1) : '—'];
  }),
)}
CPU ms/run: this process's for store.history(); the server process's (from /proc) for HTTP. No ingest traffic during the runs;
an HTTP loop past 60 s after the server's start includes its first rollup and retention run.
`);
