/**
 * Saturation bench of the ingest path: P publishers send QoS 1 metrics as fast
 * as the broker acknowledges them (each with W messages in flight) to a fresh
 * server process (bench/pipeline/server.js: broker + ingest + dashboard).
 * Measures, over --duration seconds after a warm-up, what the broker accepted
 * and what the ingest took in and stored per second, and the server's CPU and
 * peak RSS. Written to compare the ingest's PUBACK policy (issue 10, item 14:
 * acknowledge after the store commit) with acknowledging at once.
 *
 *   node dist/bench/pipeline/saturate.js --publishers 20 --window 50 --duration 15
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import type { IngestStats } from '../../ingest/types.js';
import { markdownTable, readProcStats } from '../lib/proc-stats.js';
import { request } from '../lib/child-request.js';
import { agentClientId } from '../../protocol/client-ids.js';

const { values } = parseArgs({
  options: {
    publishers: { type: 'string', default: '20' },
    window: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    label: { type: 'string', default: '' },
  },
});
const publishers = Number(values.publishers);
const windowSize = Number(values.window);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);


const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
const server = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [dataDir], { execArgv: process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ready = await request<{ mqttPort: number }>(server, 'ready');
const db = openAccountsDatabase(dataDir);
const store = new MqttCredentialStore(db);
const creds = Array.from({ length: publishers }, (_, i) => ({ host: `sat-${i}`, ...store.add({ kind: 'agent', host: `sat-${i}` }) }));
db.close();

let stop = false;
let acked = 0;
const t0 = Date.now();
const clients = await Promise.all(creds.map((c) => mqtt.connectAsync(`mqtt://127.0.0.1:${ready.mqttPort}`, { clientId: agentClientId(c.host), username: c.username, password: c.password })));
const loops = clients.map(async (client, i) => {
  const topic = `vigie/${creds[i]!.host}/metrics`;
  let seq = 0;
  const inflight = new Set<Promise<unknown>>();
  while (!stop) {
    seq += 1;
    const payload = JSON.stringify({
      v: 1, ts: t0 + seq, seq, cpu: { usage: seq % 100, load1: 1, load5: 1, load15: 1 }, mem: { total: 8e9, used: 4e9, available: 4e9, usedPercent: 50 },
      disks: [{ mount: '/', fs: 'ext4', total: 1e11, used: 5e10, free: 5e10, usedPercent: 50 }], net: [{ iface: 'eth0', rxRate: 1000, txRate: 2000 }], uptime: 1000, processes: 100,
    });
    const p = client.publishAsync(topic, payload, { qos: 1 }).then(() => void (acked += 1));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= windowSize) await Promise.race(inflight);
  }
  await Promise.all(inflight);
});

await new Promise((r) => setTimeout(r, warmupS * 1000));
const s0 = (await request<{ stats: IngestStats }>(server, 'stats')).stats;
const proc0 = readProcStats(server.pid!);
const acked0 = acked;
const start = Date.now();
let rssPeak = 0;
const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, readProcStats(server.pid!).rssBytes)), 500);
await new Promise((r) => setTimeout(r, durationS * 1000));
clearInterval(rssTimer);
const s1 = (await request<{ stats: IngestStats }>(server, 'stats')).stats;
const proc1 = readProcStats(server.pid!);
const elapsed = (Date.now() - start) / 1000;
const broker = (acked - acked0) / elapsed;
stop = true;
await Promise.all(loops);
await Promise.all(clients.map((c) => c.endAsync()));
server.send({ type: 'stop' });
await new Promise((r) => server.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });

const perS = (n: number): number => Math.round(n / elapsed);
process.stdout.write(`\n${markdownTable(
  ['build', 'publishers × window', 'broker acked msg/s', 'ingested msg/s', 'points stored/s', 'server CPU %', 'server RSS MiB'],
  [[
    values.label || '-', `${publishers} × ${windowSize}`, Math.round(broker), perS(s1.accepted - s0.accepted), perS(s1.pointsWritten - s0.pointsWritten),
    Math.round(((proc1.cpuSeconds - proc0.cpuSeconds) / elapsed) * 100), Math.round(rssPeak / 2 ** 20),
  ]],
)}\n`);
