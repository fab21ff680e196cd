/**
 * The server across a broker restart and a cut link to the broker, on the
 * real `vigie broker` + `vigie server` wiring with real agents (startAgent,
 * each with its Last Will) — issue 10, items 9 and 13:
 * - the retained alert topics come back after the broker restarts, with no
 *   change of state to trigger them (the alert service re-asserts them);
 * - a clear that could not go out while the ingest was cut off goes out when
 *   it is back;
 * - nobody is paged: agents that come back within `ingest.presenceGrace` of
 *   the ingest's reconnection raise no offline alert, event or notification.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../agent/config.js';
import { startAgent, type AgentHandle } from '../../agent/index.js';
import type { AlertPayload } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import type { ApiClient } from '../helpers/api-client.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { startRecorder, type Recorder } from '../notify/helpers.js';

const topics = createTopics('vigie');
const data = tempDir();
const HOSTS = ['pc-0', 'pc-1', 'pc-2', 'pc-3'];
const GRACE_S = 8;
let brokerPort: number;
let broker: TestStack | undefined;
let server: TestStack;
let admin: ApiClient;
let hook: Recorder;
let link: Proxy;
const agents: AgentHandle[] = [];
let reader: { username: string; password: string };

/** A plain TCP relay between the ingest and the broker: cutting it cuts the ingest alone. */
interface Proxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: () => number): Promise<Proxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let srv: Server | undefined;
  const listen = () => new Promise<void>((resolve) => {
    srv = createServer((client) => {
      const upstream = tcpConnect(target(), '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    srv.listen(port, '127.0.0.1', resolve);
  });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      if (!srv) return resolve();
      srv.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    srv = undefined;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

const startBrokerStack = (port: number) => startTestStack('broker', { dataDir: data.path, set: { 'broker.port': String(port) } });

test.before(async () => {
  broker = await startBrokerStack(0);
  brokerPort = broker.stack.broker!.port;
  link = await startProxy(() => brokerPort);
  const ingest = addCredentials(data.path, { kind: 'service', role: 'ingest' });
  reader = addCredentials(data.path, { kind: 'service', role: 'reader', name: 'checker' });
  hook = await startRecorder();
  server = await startTestStack('server', {
    dataDir: data.path,
    set: {
      'ingest.broker': `mqtt://127.0.0.1:${link.port}`, 'ingest.username': ingest.username, 'ingest.password': ingest.password,
      'ingest.presenceGrace': String(GRACE_S), 'alerts.groupSeconds': '1', 'alerts.diagnosis': 'false', 'notify.allowInternal': '127.0.0.1',
    },
  });
  admin = await adminClient(server.httpUrl, data.path);
  const pager = await admin.send<{ id: number }>('POST', '/api/channels', { type: 'webhook', name: 'Pager', url: `${hook.base}/page` });
  assert.is(pager.status, 201);
  // The pager is reachable: "no notice" below is the grace's doing, not a blocked channel.
  await admin.send('POST', `/api/channels/${pager.data.id}/test`, {});
  await waitFor('the pager reachable', () => hook.requests.length > 0);
  // pc-0's memory use is always ≥ 0 % and never 100 %: one warning that stays as it is, nothing else changes.
  await admin.send('PUT', '/api/alert-settings', { defaults: {}, hosts: { 'pc-0': { mem: { warning: 0, critical: 100, for: 0 } } } });
  for (const host of HOSTS) {
    const creds = addCredentials(data.path, { kind: 'agent', host });
    const config = Value.Default(AgentConfig, { broker: `mqtt://127.0.0.1:${brokerPort}`, host, interval: 1, ...creds }) as AgentConfig;
    agents.push(await startAgent(config, { prefix: 'vigie', services: false, diagnostics: false }));
  }
});

test.after(async () => {
  for (const a of agents) await a.close();
  await server?.close();
  await broker?.close();
  await link?.close();
  await hook?.close();
  data.remove();
});

/** The retained messages a fresh subscriber gets on `filter`, straight from the broker. */
async function retained(filter: string): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { ...reader, reconnectPeriod: 0 });
  const got = new Map<string, string>();
  client.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) got.set(topic, payload.toString());
  });
  await client.subscribeAsync(filter);
  await new Promise((r) => setTimeout(r, 400));
  await client.endAsync(true);
  return got;
}

const memTopic = topics.alert('pc-0', 'mem');
const offlineNews = (since: number) => ({
  alerts: server.stack.alerting!.service.store.query({ limit: 1000 }).filter((a) => a.rule === 'offline' && (a.firedAt ?? 0) >= since).map((a) => a.host),
  notices: hook.requests.filter((r) => r.body.includes('"rule":"offline"')).length,
});

test('after a broker restart the firing alert is retained again, and no agent is reported offline', async () => {
  const online = () => HOSTS.every((h) => server.stack.ingest!.getHost(h)?.presence === 'online');
  await waitFor('every agent online', online, 20_000);
  const fired = await waitFor('pc-0 alert firing and retained', async () => {
    const alert = server.stack.alerting!.service.firing().find((a) => a.host === 'pc-0' && a.rule === 'mem');
    return alert && (await retained(memTopic)).has(memTopic) ? alert : null;
  }, 15_000);
  const before = Date.now();

  await broker!.close();
  await new Promise((r) => setTimeout(r, 4000)); // longer than 3 missed 1 s intervals
  broker = await startBrokerStack(brokerPort);

  // Nothing changed for the alert, yet a fresh subscriber sees it again.
  const again = await waitFor('the alert re-asserted', async () => (await retained(memTopic)).get(memTopic), 15_000);
  const payload = JSON.parse(again) as AlertPayload;
  assert.equal([payload.state, payload.firedAt], ['firing', fired.firedAt], 'the same episode');
  assert.ok((await retained(topics.serverSummary())).has(topics.serverSummary()), 'the summary too');
  assert.equal(server.stack.alerting!.service.firing().filter((a) => a.host === 'pc-0').map((a) => [a.id, a.severity]), [[fired.id, 'warning']]);
  const changes = (await admin.get<Array<{ type: string; ts: number }>>('/api/events?host=pc-0&type=alert.*')).data.filter((e) => e.ts >= before);
  assert.equal(changes, [], 'no state change published it');

  // The agents come back within the grace; once it is over, still nobody went offline.
  await waitFor('every agent back online', online, 20_000);
  await waitFor('the grace is over', () => Date.now() > server.stack.ingest!.presenceHeldUntil() + 2500, (GRACE_S + 10) * 1000, 200);
  assert.equal(offlineNews(before), { alerts: [], notices: 0 }, 'no offline alert, no offline notice');
  const events = (await admin.get<Array<{ type: string; host: string | null; ts: number }>>('/api/events?type=host.*')).data.filter((e) => e.ts >= before);
  assert.equal(events.filter((e) => e.type === 'host.offline').map((e) => e.host), [], 'no offline line in the event log');
});

test('a clear that failed while the ingest was cut off goes out when it is back', async () => {
  assert.ok((await retained(memTopic)).has(memTopic));
  const before = Date.now();
  await link.cut();
  await waitFor('the ingest sees the cut', () => !server.stack.ingest!.stats().connected);
  // Resolved while the ingest cannot publish: its clear fails.
  await admin.send('PUT', '/api/alert-settings', { defaults: {}, hosts: { 'pc-0': { mem: { enabled: false } } } });
  await waitFor('resolved in the store', () => server.stack.alerting!.service.store.query({ host: 'pc-0' }).every((a) => a.state === 'resolved'));
  await new Promise((r) => setTimeout(r, 4000)); // silence longer than 3 intervals while cut off
  assert.ok((await retained(memTopic)).has(memTopic), 'the broker still holds the firing alert');

  await link.restore();
  await waitFor('the stale alert topic cleared', async () => !(await retained(memTopic)).has(memTopic), 15_000);
  await waitFor('the grace is over', () => Date.now() > server.stack.ingest!.presenceHeldUntil() + 2500, (GRACE_S + 10) * 1000, 200);
  assert.equal(offlineNews(before), { alerts: [], notices: 0 }, 'being cut off is not an outage of the agents');
});

test.run();
