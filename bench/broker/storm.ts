/**
 * Reconnection storm: N agents connecting at once to a broker that already
 * holds their retained messages, as after a broker restart or a network cut
 * on the box's side. Each agent, like agent/publisher.ts on every
 * connection, subscribes to its five filters (stored, the server summary,
 * diagnosis requests, its config, run requests); each SUBSCRIBE makes the
 * broker look up the retained messages its filters match.
 *
 * Before the storm the broker is given five retained messages per host
 * (status, info, services, config, stored: what a fleet leaves behind). The
 * broker runs alone, anonymous, in its own process (bench/broker/storm-broker.ts),
 * so its figures are the broker's connection and subscription work, not
 * password checks nor the ingest's.
 *
 *   node dist/bench/broker/storm.js --hosts 1000,5000
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { commandFilters } from '../../protocol/schemas/command.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { createTopics, DEFAULT_PREFIX } from '../../protocol/topics.js';
import { request } from '../lib/child-request.js';
import { markdownTable, percentile, readProcStats } from '../lib/proc-stats.js';
import { benchServerEnv, benchServerFlags } from '../lib/server-flags.js';

const topics = createTopics(DEFAULT_PREFIX);
/** ~1 KiB, the order of an info or services payload. */
const PAYLOAD = JSON.stringify({ v: 1, ts: 0, filler: 'x'.repeat(1000) });
const hostOf = (i: number): string => `storm-${String(i).padStart(5, '0')}`;

/** The filters an agent subscribes to on every connection (agent/publisher.ts). */
function agentFilters(host: string): string[] {
  return [topics.stored(host), topics.serverSummary(), commandFilters(topics).requestsFor(host), topics.agentConfig(host), topics.runRequestsFor(host)];
}

export interface StormRow {
  hosts: number;
  retained: number;
  stormSeconds: number;
  /** connect() → SUBACK of the five filters, per agent, ms, sorted. */
  subscribedMs: number[];
  /** Connections cut or refused during the storm (each tried again). */
  cut: number;
  brokerCpuSeconds: number;
  /** RSS at the end of the storm, and SETTLE_MS later with every agent still connected. */
  brokerRssMiB: number;
  settledRssMiB: number;
}

const SETTLE_MS = 15_000;

async function seed(url: string, hosts: number): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: 'storm-seed', reconnectPeriod: 0 });
  const sends: Array<Promise<unknown>> = [];
  for (let i = 0; i < hosts; i += 1) {
    const host = hostOf(i);
    for (const topic of [topics.host(host, 'status'), topics.host(host, 'info'), topics.host(host, 'services'), topics.agentConfig(host), topics.stored(host)]) {
      sends.push(client.publishAsync(topic, PAYLOAD, { qos: 1, retain: true }));
    }
    if (sends.length >= 500) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await client.endAsync();
}

/**
 * Connects `hosts` agents at once; resolves when every one has its SUBACK. A
 * connection refused or cut is tried again a second later, as mqtt.js agents
 * do, and counted.
 */
async function storm(url: string, hosts: number, clients: MqttClient[]): Promise<{ subscribedMs: number[]; cut: number }> {
  const t0 = performance.now();
  let cut = 0;
  const subscribedMs = await Promise.all(
    Array.from({ length: hosts }, (_, i) => new Promise<number>((resolve) => {
      const host = hostOf(i);
      const client = mqtt.connect(url, { clientId: agentClientId(host), reconnectPeriod: 1000, connectTimeout: 300_000, keepalive: 0 });
      clients.push(client);
      client.on('error', () => {}); // the close that follows is counted
      client.on('close', () => (cut += 1));
      client.on('connect', () => {
        client.subscribe(Object.fromEntries(agentFilters(host).map((f) => [f, { qos: 1 as const }])), (error) => {
          if (!error) resolve(performance.now() - t0);
        });
      });
    })),
  );
  return { subscribedMs, cut };
}

export async function runStorm(hosts: number): Promise<StormRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-storm-'));
  const child = fork(fileURLToPath(new URL('./storm-broker.js', import.meta.url)), [dataDir], { execArgv: benchServerFlags(), env: benchServerEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const clients: MqttClient[] = [];
  try {
    const { port } = await request<{ port: number }>(child, 'ready');
    const url = `mqtt://127.0.0.1:${port}`;
    await seed(url, hosts);
    const { retained } = await request<{ retained: number }>(child, 'stats');
    const cpu0 = readProcStats(child.pid!).cpuSeconds;
    const t0 = performance.now();
    const { subscribedMs, cut } = await storm(url, hosts, clients);
    subscribedMs.sort((a, b) => a - b);
    const stormSeconds = (performance.now() - t0) / 1000;
    const after = readProcStats(child.pid!);
    // The agents stay connected, idle: what the broker keeps once the storm's garbage is collected.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return {
      hosts, retained, stormSeconds, subscribedMs, cut, brokerCpuSeconds: after.cpuSeconds - cpu0,
      brokerRssMiB: after.rssBytes / 2 ** 20, settledRssMiB: readProcStats(child.pid!).rssBytes / 2 ** 20,
    };
  } finally {
    for (const c of clients) c.removeAllListeners('close').end(true);
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '1000,5000' } } });
  const rows: Array<Array<string | number>> = [];
  for (const hosts of values.hosts.split(',').map(Number)) {
    const r = await runStorm(hosts);
    rows.push([r.hosts, r.retained, r.stormSeconds.toFixed(1), Math.round(percentile(r.subscribedMs, 50)), Math.round(percentile(r.subscribedMs, 99)), r.cut, r.brokerCpuSeconds.toFixed(1), Math.round(r.brokerRssMiB), Math.round(r.settledRssMiB)]);
  }
  process.stdout.write(`${markdownTable(['agents', 'retained messages', 'storm s (all subscribed)', 'connect → SUBACK p50 ms', 'p99 ms', 'connections cut (tried again)', 'broker CPU s', 'broker RSS MiB', `${SETTLE_MS / 1000} s later`], rows)}\n\n`);
  process.stdout.write('Every agent connects at once and subscribes to its five filters, as agent/publisher.ts does on each connection, with five retained messages per host already held. The broker runs alone and anonymous in its own process.\n');
}
