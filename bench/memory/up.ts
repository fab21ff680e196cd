/**
 * Memory of `vigie up` (broker + ingest + dashboard + OLED + local agent in
 * one process), the Pi 3 budget: the real `node dist/cli/main.js up` on a
 * temporary data dir, with 0 (idle) and N simulated agents publishing
 * realistic metrics every --interval seconds, each with its own MQTT
 * credentials, and one signed-in dashboard (an API token) watching the
 * overview and one host, as a browser left open does.
 *
 *   node dist/bench/memory/up.js [--hosts 0,100] [--interval 5] [--warmup 30] [--duration 60] [--node-flags "…"]
 *
 * After the warm-up the process's VmRSS is read once a second for
 * --duration seconds (bench/lib/proc-stats.ts). At the end one scrape of
 * /metrics reads the V8 heap and external memory of the same process
 * (prom-client's nodejs_* gauges) and the ingest's counters, which show that
 * the agents' samples were actually stored: a run whose hosts were not all
 * online, or whose dashboard saw no sample, fails.
 * --node-flags: the Node flags `up` runs with; by default those `npm start` and
 * the systemd unit use (core/heap.ts SERVER_NODE_FLAGS); "" for Node's defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { openAccounts } from '../../accounts/index.js';
import { markdownTable, percentile, sampleProcess } from '../lib/proc-stats.js';
import { simulatedHost, startFleet } from '../pipeline/fleet.js';
import { SERVER_NODE_FLAGS } from '../../core/heap.js';
import { benchServerEnv } from '../lib/server-flags.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '0,100' },
    interval: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '30' },
    duration: { type: 'string', default: '60' },
    'node-flags': { type: 'string', default: SERVER_NODE_FLAGS.join(' ') },
  },
});
const fleets = String(values.hosts).split(',').map(Number);
const intervalS = Number(values.interval);
const warmupS = Number(values.warmup);
const durationS = Number(values.duration);
const nodeFlags = String(values['node-flags']).split(/\s+/).filter((f) => f !== '');
if (fleets.some((n) => !Number.isInteger(n) || n < 0) || !(intervalS > 0) || !(durationS >= 1) || !(warmupS >= 0)) throw new Error('usage: --hosts 0,100 --interval S --warmup S --duration S');

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const MiB = 2 ** 20;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row { hosts: number; rss: number[]; cpuPct: number; heapUsed: number; heapTotal: number; external: number; online: number; acceptedPerS: number; dashboardSamples: number }

/** Waits for `vigie up`'s banner; returns the dashboard and MQTT URLs. */
function banner(child: ChildProcess): Promise<{ httpUrl: string; mqttUrl: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`vigie up printed no banner within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const http = /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out)?.[1];
      const mqtt = /MQTT: +(mqtt:\/\/\S+)/.exec(out)?.[1];
      if (http && mqtt) {
        clearTimeout(timer);
        resolve({ httpUrl: http, mqttUrl: mqtt });
      }
    });
    child.once('exit', (code) => reject(new Error(`vigie up exited (${code}) before its banner:\n${out}`)));
  });
}

/** One Prometheus scrape of `up` with the API token: the figures by name (summed over labels unless `label` picks one). */
async function scrape(httpUrl: string, token: string): Promise<(name: string, label?: string) => number> {
  const res = await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const lines = (await res.text()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return (name, label) => {
    const picked = lines.filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && (label === undefined || l.includes(label)));
    // Not exposed: NaN, which markdownTable refuses.
    return picked.length === 0 ? Number.NaN : picked.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
}

/** A dashboard left open: the overview stream and one host's live page. Counts the samples it is sent. */
async function watchDashboard(httpUrl: string, token: string, host?: string): Promise<{ samples: () => number; close: () => void }> {
  const socket: Socket = connectSocket(httpUrl, { transports: ['websocket'], auth: { token, lang: 'en' }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', (e) => reject(new Error(`dashboard socket refused: ${e.message}`)));
  });
  let samples = 0;
  socket.on('sample', () => (samples += 1));
  const ask = <T>(event: string, arg?: unknown): Promise<T> => new Promise((resolve, reject) => {
    socket.timeout(10_000).emit(event, ...(arg === undefined ? [] : [arg]), (e: Error | null, answer: { ok: boolean; data: T; error?: { message: string } }) => {
      if (e) reject(new Error(`${event}: no answer`));
      else if (!answer.ok) reject(new Error(`${event}: ${answer.error?.message}`));
      else resolve(answer.data);
    });
  });
  // The host page to keep open; idle, the one host is the box's own agent. Hosts get 30 s to show up.
  let watched: string | undefined;
  for (let tries = 0; watched === undefined; tries++) {
    const overview = await ask<Array<{ id: string }>>('overview');
    watched = host === undefined ? overview[0]?.id : overview.find((h) => h.id === host)?.id;
    if (watched === undefined && tries >= 60) throw new Error(`the dashboard overview does not list ${host ?? 'any host, not even the local agent'}`);
    if (watched === undefined) await sleep(500);
  }
  await ask('subscribe', { host: watched });
  return { samples: () => samples, close: () => socket.close() };
}

async function runOne(hosts: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-up-'));
  // Before `up` opens the data dir: a dashboard user with an API token, and every simulated agent's own credentials.
  const accounts = openAccounts(dataDir);
  const user = await accounts.users.create({ name: 'bench-admin', password: 'bench admin password', role: 'admin' });
  const token = accounts.tokens.create(user.id, 'memory bench', 'read').secret;
  const credentials = accounts.db.transaction(() => Array.from({ length: hosts }, (_, i) => accounts.credentials.add({ kind: 'agent', host: simulatedHost(i) })))();
  accounts.close();

  const child = spawn(process.execPath, [...nodeFlags, MAIN, 'up', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--bind', '127.0.0.1', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: benchServerEnv({ PATH: process.env.PATH ?? '', VIGIE_CONFIG: '' }),
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  let dashboard: Awaited<ReturnType<typeof watchDashboard>> | undefined;
  try {
    const { httpUrl, mqttUrl } = await banner(child);
    fleet = await startFleet({ url: mqttUrl, agents: hosts, intervalMs: intervalS * 1000, credentials: (i) => credentials[i]! });
    dashboard = await (hosts > 0 ? watchDashboard(httpUrl, token, simulatedHost(0)) : watchDashboard(httpUrl, token));
    process.stderr.write(`up with ${hosts} simulated hosts: warming up ${warmupS} s, measuring ${durationS} s…\n`);
    await sleep(warmupS * 1000);
    const accepted0 = (await scrape(httpUrl, token))('vigie_mqtt_messages_total', 'outcome="accepted"');
    const samples0 = dashboard.samples();
    const sampled = await sampleProcess(child.pid!, durationS);
    const m = await scrape(httpUrl, token);
    const accepted = m('vigie_mqtt_messages_total', 'outcome="accepted"') - accepted0;
    return {
      hosts,
      rss: sampled.rssMiB,
      cpuPct: (sampled.cpuSeconds / sampled.wallSeconds) * 100,
      heapUsed: m('nodejs_heap_size_used_bytes') / MiB,
      heapTotal: m('nodejs_heap_size_total_bytes') / MiB,
      external: m('nodejs_external_memory_bytes') / MiB,
      // The simulated hosts and the local agent.
      online: m('vigie_hosts', 'presence="online"'),
      acceptedPerS: accepted / sampled.wallSeconds,
      dashboardSamples: dashboard.samples() - samples0,
    };
  } finally {
    dashboard?.close();
    await fleet?.stop();
    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
    if (code !== 0) {
      process.stderr.write(`vigie up did not stop cleanly on SIGINT (${code})\n`);
      process.exitCode = 1;
      child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const hosts of fleets) rows.push(await runOne(hosts));

const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');
for (const r of rows) {
  // All simulated hosts and the local agent online, their samples stored, the dashboard fed: else the RSS is not of a loaded `up`.
  const problems = [
    r.online < r.hosts + 1 ? `${r.online} of ${r.hosts + 1} hosts online` : '',
    r.hosts > 0 && r.acceptedPerS < (0.9 * r.hosts) / intervalS ? `ingested ${f(r.acceptedPerS)} msg/s of ${f(r.hosts / intervalS)} offered` : '',
    r.dashboardSamples === 0 ? 'the dashboard received no sample' : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) {
    process.stderr.write(`bench: ${r.hosts} hosts: ${problems.join('; ')}\n`);
    process.exitCode = 1;
  }
}
process.stdout.write(
  `\n${markdownTable(
    ['simulated hosts', 'hosts online', 'ingested msg/s', 'RSS p50 MiB', 'RSS max MiB', 'heap used MiB', 'heap total MiB', 'external MiB', 'CPU %'],
    rows.map((r) => [r.hosts, r.online, f(r.acceptedPerS), f(percentile(r.rss, 50)), f(r.rss.at(-1) ?? Number.NaN), f(r.heapUsed), f(r.heapTotal), f(r.external), f(r.cpuPct)]),
  )}\n\n\`vigie up\`${nodeFlags.length ? ` (node ${nodeFlags.join(' ')})` : ''} with its local agent, one dashboard socket (overview + one host), agents every ${intervalS} s; ` +
    `RSS (VmRSS) read every second for ${durationS} s after ${warmupS} s of warm-up; heap and external from one /metrics scrape at the end; ` +
    `hosts online counts the local agent; CPU % of one core over the measurement.\n`,
);
process.exit(process.exitCode ?? 0);
