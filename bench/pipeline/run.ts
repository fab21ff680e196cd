/**
 * Pipeline benchmark: N simulated agents → broker → ingest → SQLite → Socket.IO.
 *
 *   node dist/bench/pipeline/run.js --agents 200,1000,5000 --interval 5 --duration 60
 *
 * For each fleet size it starts a fresh server process (broker + ingest +
 * dashboard), connects the agents, lets them warm up, then measures over
 * --duration seconds: messages published, ingested and points stored per
 * second, publish→Socket.IO latency (p50/p99/max over the hosts watched by a
 * Socket.IO client), the server's peak RSS and CPU. Prints a markdown table.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { io as connectSocket } from 'socket.io-client';
import type { IngestStats } from '../../ingest/types.js';
import { markdownTable, percentile, readProcStats } from '../lib/proc-stats.js';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import { simulatedHost, startFleet } from './fleet.js';
import { request } from '../lib/child-request.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '200' },
    interval: { type: 'string', default: '5' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    watch: { type: 'string', default: '50' },
  },
});
const fleets = String(values.agents).split(',').map(Number);
const intervals = String(values.interval).split(',').map(Number);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const watchCount = Number(values.watch);

interface Row { agents: number; interval: number; offered: number; published: number; ingested: number; points: number; p50: number; p99: number; max: number; rssMb: number; cpuPct: number; invalid: number }


async function runOne(agents: number, intervalS: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
  const server = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await request<{ mqttPort: number; httpUrl: string }>(server, 'ready');
  // Every simulated agent has its own credentials, as real ones do.
  const db = openAccountsDatabase(dataDir);
  const store = new MqttCredentialStore(db);
  const credentials = db.transaction(() => Array.from({ length: agents }, (_, i) => store.add({ kind: 'agent', host: simulatedHost(i) })))();
  db.close();
  const fleet = await startFleet({ url: `mqtt://127.0.0.1:${ready.mqttPort}`, agents, intervalMs: intervalS * 1000, credentials: (i) => credentials[i]! });

  const latencies: number[] = [];
  let measuring = false;
  // The dashboard allows 32 host rooms per connection: one socket per 25 watched hosts.
  const watched = Math.min(watchCount, agents);
  const sockets = Array.from({ length: Math.ceil(watched / 25) }, () => connectSocket(ready.httpUrl, { transports: ['websocket'] }));
  for (const socket of sockets) {
    socket.on('sample', (s: { metrics: { ts: number } }) => {
      if (measuring) latencies.push(Date.now() - s.metrics.ts);
    });
  }
  for (let i = 0; i < watched; i++) {
    sockets[Math.floor(i / 25)]!.emit('subscribe', { host: simulatedHost(Math.floor((i * agents) / watched)) });
  }

  await new Promise((r) => setTimeout(r, warmupS * 1000));
  const stats0 = (await request<{ stats: IngestStats }>(server, 'stats')).stats;
  const proc0 = readProcStats(server.pid!);
  const published0 = fleet.published();
  const t0 = Date.now();
  measuring = true;
  let rssPeak = proc0.rssBytes;
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, readProcStats(server.pid!).rssBytes)), 500);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  measuring = false;
  clearInterval(rssTimer);
  const elapsed = (Date.now() - t0) / 1000;
  const proc1 = readProcStats(server.pid!);
  const stats1 = (await request<{ stats: IngestStats }>(server, 'stats')).stats;
  const published = fleet.published() - published0;

  for (const socket of sockets) socket.close();
  await fleet.stop();
  server.send({ type: 'stop' });
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  return {
    agents,
    interval: intervalS,
    offered: Math.round(agents / intervalS),
    published: Math.round(published / elapsed),
    ingested: Math.round((stats1.accepted - stats0.accepted) / elapsed),
    points: Math.round((stats1.pointsWritten - stats0.pointsWritten) / elapsed),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    rssMb: Math.round(Math.max(rssPeak, proc1.rssBytes) / 2 ** 20),
    cpuPct: Math.round(((proc1.cpuSeconds - proc0.cpuSeconds) / elapsed) * 100),
    invalid: stats1.invalid,
  };
}

const rows: Row[] = [];
for (const agents of fleets) {
  for (const interval of intervals) {
    process.stderr.write(`pipeline: ${agents} agents every ${interval} s: warming up ${warmupS} s, measuring ${durationS} s…\n`);
    rows.push(await runOne(agents, interval));
  }
}
process.stdout.write(
  `\n${markdownTable(
    ['agents', 'interval s', 'offered msg/s', 'published msg/s', 'ingested msg/s', 'points stored/s', 'latency p50 ms', 'p99 ms', 'max ms', 'server RSS MiB', 'server CPU %', 'invalid'],
    rows.map((r) => [r.agents, r.interval, r.offered, r.published, r.ingested, r.points, r.p50, r.p99, r.max, r.rssMb, r.cpuPct, r.invalid]),
  )}\n\nServer CPU % is of one core (200 % = both cores of this machine). Latency: agent publish → Socket.IO client, ${watchCount} hosts watched.\n`,
);
process.exit(process.exitCode ?? 0); // open handles of the watchers: exit now, with markdownTable's verdict
