/**
 * The agent against a real Aedes broker: presence (status, Last Will),
 * info, metrics, and the offline buffer across a broker restart.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Collector } from '../../agent/collectors/index.js';
import { AgentConfig } from '../../agent/config.js';
import { startAgent, type AgentHandle } from '../../agent/index.js';
import { VIGIE_VERSION } from '../../core/version.js';
import { decodePayload, type MetricsPayload } from '../../protocol/payloads.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';
import { startGatedBroker } from './helpers/gated-broker.js';

/** These suites have no ingest behind the broker: metrics go out without waiting for its summary unless a test asks. */
const config = (partial: Partial<AgentConfig>): AgentConfig =>
  Value.Default(AgentConfig, structuredClone({ serverWait: 0, ...partial })) as AgentConfig;

/** A collector whose `processes` field counts samples 0, 1, 2…: a lost or reordered sample shows. */
function sequenceCollector(stopAfter = Infinity) {
  let next = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => { release = r; });
  const collector: Collector = {
    name: 'sequence',
    async collect() {
      if (next >= stopAfter) await released;
      return { processes: next++ };
    },
  };
  return { collector, taken: () => next, release };
}

/** Collects every metrics sample a watcher receives, decoded. */
async function watchMetrics(client: MqttClient, topic: string): Promise<MetricsPayload[]> {
  const got: MetricsPayload[] = [];
  client.on('message', (t, payload) => {
    if (t !== topic) return;
    const decoded = decodePayload('metrics', payload);
    if (!decoded.ok) throw new Error(decoded.error);
    got.push(decoded.value);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return got;
}

test('publishes retained online status and info, and metrics that pass the schema', async () => {
  const broker = await startTestBroker();
  let agent: AgentHandle | undefined;
  let watcher: MqttClient | undefined;
  try {
    agent = await startAgent(config({ broker: broker.url, host: 'Test_Box', interval: 0.2 }), { prefix: 'vigie', services: false });
    assert.is(agent.hostId, 'test_box');
    const a = agent;
    await waitFor('agent connected', () => a.stats().connected);
    watcher = await connectClient(broker.url);
    const status = await nextMessage(watcher, 'vigie/test_box/status');
    assert.ok(status.retain, 'status is retained');
    const s = decodePayload('status', status.payload);
    assert.ok(s.ok, s.ok ? '' : s.error);
    if (s.ok) {
      assert.is(s.value.state, 'online');
      assert.is(s.value.reason, 'connected');
      assert.is(s.value.agent, VIGIE_VERSION);
      assert.is(s.value.interval, 0.2);
      assert.is(s.value.dropped, 0);
    }
    const info = await nextMessage(watcher, 'vigie/test_box/info', { timeoutMs: 15_000 });
    assert.ok(info.retain, 'info is retained');
    const i = decodePayload('info', info.payload);
    assert.ok(i.ok, i.ok ? '' : i.error);
    const metrics = await nextMessage(watcher, 'vigie/test_box/metrics');
    assert.not.ok(metrics.retain);
    const m = decodePayload('metrics', metrics.payload);
    assert.ok(m.ok, m.ok ? '' : m.error);
    if (m.ok) {
      assert.ok(m.value.cpu && m.value.mem && m.value.disks, 'cpu, mem and disks are sampled');
      assert.ok(Math.abs(m.value.ts - Date.now()) < 60_000, 'ts is the sampling time');
    }
    assert.ok(a.stats().published >= 1);
  } finally {
    await watcher?.endAsync();
    await agent?.close();
    await broker.close();
  }
});

test('the Last Will says offline/lost when the connection is cut; the agent comes back online', async () => {
  const broker = await startTestBroker();
  let agent: AgentHandle | undefined;
  let watcher: MqttClient | undefined;
  try {
    agent = await startAgent(config({ broker: broker.url, host: 'will-box', interval: 1, reconnectMin: 0.1 }), {
      prefix: 'vigie',
      services: false,
      collectors: [sequenceCollector().collector],
    });
    watcher = await connectClient(broker.url);
    const topic = 'vigie/will-box/status';
    const state = (want: string, reason: string) => (m: { payload: Buffer }) => {
      const d = decodePayload('status', m.payload);
      return d.ok && d.value.state === want && d.value.reason === reason;
    };
    await nextMessage(watcher, topic, { match: state('online', 'connected') });
    const lost = nextMessage(watcher, topic, { match: state('offline', 'lost') });
    // Aedes keeps connected clients by id; its typings leave the map out.
    const clients = (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } } | undefined> }).clients;
    const client = clients['vigie-agent-will-box'];
    assert.ok(client, 'the agent is connected under its fixed client id');
    client?.conn.destroy(); // the network goes away: no DISCONNECT, so the broker sends the Will
    const will = decodePayload('status', (await lost).payload);
    assert.ok(will.ok && will.value.agent === VIGIE_VERSION && will.value.ts === undefined);
    await nextMessage(watcher, topic, { match: state('online', 'connected') });
  } finally {
    await watcher?.endAsync();
    await agent?.close();
    await broker.close();
  }
});

test('close() leaves a retained offline/stopped status and is idempotent', async () => {
  const broker = await startTestBroker();
  let watcher: MqttClient | undefined;
  try {
    const agent = await startAgent(config({ broker: broker.url, host: 'stop-box', interval: 1 }), {
      prefix: 'vigie',
      services: false,
      collectors: [sequenceCollector().collector],
    });
    await waitFor('agent connected', () => agent.stats().connected);
    await Promise.all([agent.close(), agent.close()]);
    await agent.close();
    watcher = await connectClient(broker.url);
    const status = await nextMessage(watcher, 'vigie/stop-box/status');
    assert.ok(status.retain);
    const s = decodePayload('status', status.payload);
    assert.ok(s.ok && s.value.state === 'offline' && s.value.reason === 'stopped');
  } finally {
    await watcher?.endAsync();
    await broker.close();
  }
});

test('resolves with the broker unreachable; samples taken meanwhile arrive after a restart, in order, with their timestamps', async () => {
  const port = await freePort();
  const first = await startGatedBroker(port);
  const seq = sequenceCollector();
  const agent = await startAgent(config({ broker: first.url, host: 'buffer-box', interval: 0.2, reconnectMin: 0.1, reconnectMax: 0.4 }), {
    prefix: 'vigie',
    services: false,
    collectors: [seq.collector],
  });
  const topic = 'vigie/buffer-box/metrics';
  let watcher: MqttClient | undefined;
  let second: Awaited<ReturnType<typeof startGatedBroker>> | undefined;
  try {
    watcher = await connectClient(first.url);
    const before = await watchMetrics(watcher, topic);
    await waitFor('two samples through the first broker', () => before.length >= 2);
    watcher.end(true);
    await first.close();
    // Counted from the outage on: the buffer also holds samples the first broker took (nothing here
    // sends `stored`), so its length alone could pass before any sample was taken in the outage.
    await waitFor('the agent sees the broker gone', () => !agent.stats().connected);
    const takenAtOutage = seq.taken();
    await waitFor('three samples taken while the broker is away', () => seq.taken() >= takenAtOutage + 3 && agent.stats().buffered >= 3);
    // Everything from here on was not acknowledged by the first broker: it must all arrive.
    const acked = agent.stats().published;
    const restartedAt = Date.now();
    second = await startGatedBroker(port, 'vigie-agent-buffer-box');
    watcher = await connectClient(second.url);
    const after = await watchMetrics(watcher, topic);
    second.open();
    const latest = seq.taken() + 2;
    await waitFor('the backlog and new samples', () => after.some((m) => (m.processes ?? 0) >= latest), 15_000);
    const seqs = after.map((m) => m.processes ?? -1).filter((n) => n >= acked);
    const expected = Array.from({ length: (seqs.at(-1) ?? 0) - acked + 1 }, (_, i) => acked + i);
    assert.equal(seqs, expected, 'no sample lost, none out of order');
    const ts = after.filter((m) => (m.processes ?? -1) >= acked).map((m) => m.ts);
    assert.ok(ts.every((t, i) => i === 0 || t > (ts[i - 1] ?? 0)), 'timestamps increase');
    assert.ok(ts.filter((t) => t < restartedAt).length >= 3, 'buffered samples keep the time they were taken');
    assert.is(agent.stats().dropped, 0);
  } finally {
    watcher?.end(true);
    await agent.close();
    await second?.close();
  }
});

test('a full buffer drops the oldest samples and counts exactly those', async () => {
  const port = await freePort(); // nothing listens yet
  const seq = sequenceCollector();
  const agent = await startAgent(config({ broker: `mqtt://127.0.0.1:${port}`, host: 'tiny-box', interval: 0.1, bufferSize: 3, reconnectMin: 0.1, reconnectMax: 0.2 }), {
    prefix: 'vigie',
    services: false,
    collectors: [seq.collector],
  });
  let broker: Awaited<ReturnType<typeof startGatedBroker>> | undefined;
  let watcher: MqttClient | undefined;
  try {
    // Sampling goes on (a collector that hangs no longer stops it), so the counts are checked against each other.
    await waitFor('ten samples taken', () => agent.stats().buffered + agent.stats().dropped >= 10);
    const offline = agent.stats();
    assert.is(offline.connected, false);
    assert.is(offline.published, 0);
    assert.is(offline.buffered, 3, 'the buffer holds bufferSize samples');
    assert.ok(offline.dropped >= 7);
    broker = await startGatedBroker(port, 'vigie-agent-tiny-box');
    watcher = await connectClient(broker.url);
    const got = await watchMetrics(watcher, 'vigie/tiny-box/metrics');
    const status = nextMessage(watcher, 'vigie/tiny-box/status');
    await status.subscribed;
    broker.open();
    await waitFor('the kept samples', () => got.length >= 3);
    const first = got[0]!.processes!;
    assert.equal(got.slice(0, 3).map((m) => m.processes), [first, first + 1, first + 2], 'the newest three, oldest first');
    const s = decodePayload('status', (await status).payload);
    // Samples 0 … first-1 were dropped before the connection, and only those.
    assert.ok(s.ok && s.value.dropped === first, `status reports exactly what was dropped (${s.ok ? s.value.dropped : ''} vs ${first})`);
  } finally {
    seq.release();
    watcher?.end(true);
    await agent.close();
    await broker?.close();
  }
});

test('after connecting, metrics wait for the server summary, then flow with their original timestamps', async () => {
  const broker = await startTestBroker();
  const seq = sequenceCollector();
  const agent = await startAgent(config({ broker: broker.url, host: 'patient-box', interval: 0.2, serverWait: 60 }), {
    prefix: 'vigie',
    services: false,
    collectors: [seq.collector],
  });
  const watcher = await connectClient(broker.url);
  try {
    const got = await watchMetrics(watcher, 'vigie/patient-box/metrics');
    await waitFor('agent connected and sampling', () => agent.stats().connected && seq.taken() >= 5);
    assert.is(got.length, 0, 'no metrics before the server is known to listen');
    assert.ok(agent.stats().buffered >= 5, 'samples are held meanwhile');
    const heldSince = Date.now();
    const summary = { v: 1, ts: Date.now(), state: 'online', hosts: { total: 0, online: 0, offline: 0 }, version: VIGIE_VERSION, addresses: [] };
    await watcher.publishAsync('vigie/_server/summary', JSON.stringify(summary), { qos: 1, retain: true });
    await waitFor('the held samples', () => got.length >= 5);
    assert.equal(got.slice(0, 5).map((m) => m.processes), [0, 1, 2, 3, 4], 'in order, none lost');
    assert.ok(got[0]!.ts < heldSince, 'original timestamps kept');
  } finally {
    watcher.end(true);
    await agent.close();
    await broker.close();
  }
});

test('with no server summary, metrics go out after serverWait', async () => {
  const broker = await startTestBroker();
  const agent = await startAgent(config({ broker: broker.url, host: 'lonely-box', interval: 0.2, serverWait: 0.5 }), { prefix: 'vigie', services: false });
  const watcher = await connectClient(broker.url);
  try {
    const got = await watchMetrics(watcher, 'vigie/lonely-box/metrics');
    await waitFor('metrics after the wait', () => got.length >= 1, 5000);
  } finally {
    watcher.end(true);
    await agent.close();
    await broker.close();
  }
});

test('a data directory that cannot be used leaves the buffer in memory; the agent still publishes', async () => {
  const broker = await startTestBroker();
  const dir = tempDir();
  const file = join(dir.path, 'not-a-directory');
  writeFileSync(file, '');
  const agent = await startAgent(config({ broker: broker.url, host: 'nodisk-box', interval: 0.2 }), {
    prefix: 'vigie', services: false, diagnostics: false, collectors: [sequenceCollector().collector], dataDir: file,
  });
  const watcher = await connectClient(broker.url);
  try {
    const got = await watchMetrics(watcher, 'vigie/nodisk-box/metrics');
    await waitFor('metrics', () => got.length >= 2);
  } finally {
    watcher.end(true);
    await agent.close();
    await broker.close();
    dir.remove();
  }
});

test('a host id that cannot be made valid is a clear config error', async () => {
  await startAgent(config({ broker: 'mqtt://127.0.0.1:1', host: '###' }), { prefix: 'vigie', services: false }).then(
    () => assert.unreachable('should reject'),
    (error: Error) => assert.match(error.message, /^agent\.host: /),
  );
});

test.run();
