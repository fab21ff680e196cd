/**
 * Saturation of a broker by P publishers, each keeping W QoS 1 metrics in
 * flight (a new one as each PUBACK comes): measured on the bare Aedes relay
 * (bench/pipeline/relay.ts, counted by one QoS 1 subscriber with a
 * persistent session) and on the Vigie server (counted by the ingest:
 * validated and stored). Same publishers, same payload (the fleet's metrics,
 * ~700 bytes), same warm-up and window, so the two figures can be divided.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { encodePayload } from '../../protocol/payloads.js';
import { request } from '../lib/child-request.js';
import { readProcStats } from '../lib/proc-stats.js';
import { simulatedMetrics } from './fleet.js';
import { startBenchServer } from './server-process.js';

export interface SaturationOptions {
  publishers: number;
  window: number;
  warmupS: number;
  durationS: number;
}

export interface SaturationResult {
  target: 'bare relay' | 'vigie';
  /** PUBACKs the publishers received per second. */
  ackedPerS: number;
  /** Messages the far side took per second: the relay's subscriber received, or the ingest accepted. */
  deliveredPerS: number;
  /** Points stored per second (Vigie only; 0 for the relay). */
  pointsPerS: number;
  cpuPct: number;
  rssMiB: number;
  /** Broker stats at the end (Vigie only). */
  slowClientsCut?: number;
  /**
   * Vigie only: what waits for the ingest (broker queue and in transit + store pending points / points
   * per sample), at the window's start, end and peak: sustained means it does not grow.
   */
  backlog?: { start: number; end: number; max: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** P publishers at full speed until stop(); acked() counts PUBACKs. */
async function startPublishers(url: string, publishers: Array<{ host: string; username?: string; password?: string }>, windowSize: number): Promise<{ acked(): number; stop(): Promise<void> }> {
  let stop = false;
  let acked = 0;
  const clients = await Promise.all(publishers.map((p) => mqtt.connectAsync(url, { clientId: agentClientId(p.host), writeCache: false, ...(p.username ? { username: p.username, password: p.password } : {}) })));
  const loops = clients.map(async (client, i) => {
    const topic = `vigie/${publishers[i]!.host}/metrics`;
    let seq = 0;
    let ts = 0;
    const inflight = new Set<Promise<unknown>>();
    while (!stop) {
      seq += 1;
      ts = Math.max(Date.now(), ts + 1); // one row per sample: a repeated ts would replace the previous one
      const p = client.publishAsync(topic, encodePayload('metrics', { ...simulatedMetrics(i, ts), seq }), { qos: 1 }).then(() => void (acked += 1), () => undefined);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= windowSize) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  });
  return {
    acked: () => acked,
    stop: async () => {
      stop = true;
      await Promise.race([Promise.all(loops), sleep(2000)]); // a killed relay never acknowledges the last ones
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}

/** Warm-up, then the window: what `delivered()` and the PUBACKs counted, per second, and the process's CPU and peak RSS. */
async function measure(pid: number, opts: SaturationOptions, acked: () => number, delivered: () => Promise<{ messages: number; points: number }>): Promise<{ ackedPerS: number; deliveredPerS: number; pointsPerS: number; cpuPct: number; rssMiB: number }> {
  await sleep(opts.warmupS * 1000);
  const d0 = await delivered();
  const a0 = acked();
  const p0 = readProcStats(pid);
  const t0 = Date.now();
  let rssPeak = p0.rssBytes;
  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, readProcStats(pid).rssBytes)), 500);
  await sleep(opts.durationS * 1000);
  clearInterval(rssTimer);
  const d1 = await delivered();
  const a1 = acked();
  const p1 = readProcStats(pid);
  const elapsed = (Date.now() - t0) / 1000;
  return {
    ackedPerS: Math.round((a1 - a0) / elapsed),
    deliveredPerS: Math.round((d1.messages - d0.messages) / elapsed),
    pointsPerS: Math.round((d1.points - d0.points) / elapsed),
    cpuPct: Math.round(((p1.cpuSeconds - p0.cpuSeconds) / elapsed) * 100),
    rssMiB: Math.round(Math.max(rssPeak, p1.rssBytes) / 2 ** 20),
  };
}

/** The bare Aedes relay: publishers → Aedes → one QoS 1 subscriber (clean: false) counting what it receives. */
export async function measureRelay(opts: SaturationOptions): Promise<SaturationResult> {
  const child = fork(fileURLToPath(new URL('./relay.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let stopping = false;
  let diedEarly = false;
  const exited = new Promise((r) => child.once('exit', (code, signal) => {
    diedEarly = !stopping;
    if (diedEarly) process.stderr.write(`bench: the bare relay exited during the measurement (${signal ?? code})\n`);
    r(code);
  }));
  try {
    const { mqttPort } = await request<{ mqttPort: number }>(child, 'ready');
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const subscriber = await mqtt.connectAsync(url, { clientId: 'bench-relay-counter', clean: false, writeCache: false });
    let received = 0;
    subscriber.on('message', () => (received += 1));
    await subscriber.subscribeAsync('vigie/+/metrics', { qos: 1 });
    const pubs = await startPublishers(url, Array.from({ length: opts.publishers }, (_, i) => ({ host: `relay-${i}` })), opts.window);
    const m = await measure(child.pid!, opts, pubs.acked, async () => ({ messages: received, points: 0 }));
    // Measured: the relay goes first. Aedes overflows its stack when a hundred loaded publishers
    // hang up at once (mqemitter recursion), which is noise after the window, not a figure.
    stopping = true;
    child.kill('SIGKILL');
    await pubs.stop();
    await subscriber.endAsync(true);
    if (diedEarly) return { target: 'bare relay', ackedPerS: Number.NaN, deliveredPerS: Number.NaN, pointsPerS: Number.NaN, cpuPct: Number.NaN, rssMiB: Number.NaN };
    return { target: 'bare relay', ackedPerS: m.ackedPerS, deliveredPerS: m.deliveredPerS, pointsPerS: m.pointsPerS, cpuPct: m.cpuPct, rssMiB: m.rssMiB };
  } finally {
    stopping = true;
    if (child.connected) child.send({ type: 'stop' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

/** The Vigie server (broker + ingest + SQLite + dashboard): what the ingest validated and stored. */
export async function measureVigie(opts: SaturationOptions): Promise<SaturationResult> {
  const server = await startBenchServer();
  try {
    const db = openAccountsDatabase(server.dataDir);
    const store = new MqttCredentialStore(db);
    const creds = Array.from({ length: opts.publishers }, (_, i) => ({ host: `sat-${i}`, ...store.add({ kind: 'agent', host: `sat-${i}` }) }));
    db.close();
    const pubs = await startPublishers(server.mqttUrl, creds, opts.window);
    // Samples waiting for the ingest, every second of the window: in the broker, then in the store's buffer.
    const backlog: number[] = [];
    const backlogNow = async (): Promise<number> => {
      const { stats, broker } = await server.stats();
      const perSample = stats.accepted > 0 ? stats.pointsWritten / stats.accepted : 1;
      return broker.ingestBacklog + Math.round(stats.pending / Math.max(1, perSample));
    };
    let sampling = true;
    const sampler = (async () => {
      await sleep(opts.warmupS * 1000);
      while (sampling) {
        backlog.push(await backlogNow());
        await sleep(1000);
      }
    })();
    const m = await measure(server.child.pid!, opts, pubs.acked, async () => {
      const s = (await server.stats()).stats;
      return { messages: s.accepted, points: s.pointsWritten };
    });
    sampling = false;
    await sampler;
    backlog.push(await backlogNow());
    const broker = (await server.stats()).broker;
    await pubs.stop();
    return {
      target: 'vigie', ackedPerS: m.ackedPerS, deliveredPerS: m.deliveredPerS, pointsPerS: m.pointsPerS, cpuPct: m.cpuPct, rssMiB: m.rssMiB, slowClientsCut: broker.slowClientsCut,
      backlog: { start: backlog[0] ?? Number.NaN, end: backlog.at(-1) ?? Number.NaN, max: Math.max(...backlog) },
    };
  } finally {
    await server.stop();
    server.remove();
  }
}
