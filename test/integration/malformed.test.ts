/** Malformed payloads from a raw MQTT client are dropped and counted; the server keeps serving. */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics } from '../../protocol/topics.js';
import { waitFor } from '../helpers/env.js';
import { ApiClient } from '../helpers/api-client.js';
import { addCredentials, adminClient, getJson, startTestStack, type TestStack } from '../helpers/stack.js';

let up: TestStack;
let admin: ApiClient;
let client: mqtt.MqttClient;
const topics = createTopics('vigie');

test.before(async () => {
  up = await startTestStack('up');
  admin = await adminClient(up.httpUrl, up.dataDir);
  // A real agent's credentials: what a buggy or hostile agent could send on its own topics.
  client = await mqtt.connectAsync(up.mqttUrl, { clientId: 'raw-publisher', ...addCredentials(up.dataDir, { kind: 'agent', host: 'bad1' }) });
});
test.after(async () => {
  await client.endAsync();
  await up.close();
});

const good = (usage = 42, ts = Date.now()) => JSON.stringify({ v: 1, ts, cpu: { usage, load1: 1, load5: 1, load15: 1 } });

test('garbage on every kind of topic is counted as invalid and nothing crashes', async () => {
  const ingest = up.stack.ingest!;
  const before = ingest.stats().invalid;
  const bad: Array<[string, string | Buffer]> = [
    [topics.host('bad1', 'metrics'), '{not json'],
    [topics.host('bad1', 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 'high', load1: 0, load5: 0, load15: 0 } })],
    [topics.host('bad1', 'metrics'), '{"v":1,"ts":1e999}'],
    [topics.host('bad1', 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), mem: { total: -1, used: 0, available: 0, usedPercent: 0 } })],
    [topics.host('bad1', 'status'), JSON.stringify({ v: 1, state: 'exploded' })],
    [topics.host('bad1', 'info'), '[]'],
    [topics.host('bad1', 'services'), Buffer.from([0xff, 0xfe, 0x00, 0x01])],
  ];
  for (const [topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });
  await waitFor('every bad payload counted', () => ingest.stats().invalid - before >= bad.length, 5000);
  const { status, body } = await getJson<{ ok: boolean }>(`${up.httpUrl}/api/health`);
  assert.is(status, 200);
  assert.is(body.ok, true);
});

test('a valid payload after the garbage is still ingested', async () => {
  await client.publishAsync(topics.host('bad1', 'metrics'), good(), { qos: 1 });
  const host = await waitFor('bad1 has a latest sample', async () => {
    const { body } = await getJson<{ ok: boolean; data: { latest: { cpu: { usage: number } } | null } }>(`${up.httpUrl}/api/hosts/bad1`, admin);
    return body.ok && body.data.latest ? body.data : null;
  });
  assert.is(host.latest!.cpu.usage, 42);
});

test('a publish outside its own host is refused: the client is cut and nothing reaches the ingest', async () => {
  const creds = addCredentials(up.dataDir, { kind: 'agent', host: 'intruder' });
  const intruder = await mqtt.connectAsync(up.mqttUrl, { clientId: 'intruder', reconnectPeriod: 0, ...creds });
  const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
  intruder.publish(topics.host('bad1', 'metrics'), good(99), { qos: 1 });
  await closed;
  const { body } = await getJson<{ data: { latest: { cpu: { usage: number } } | null } }>(`${up.httpUrl}/api/hosts/bad1`, admin);
  assert.is.not(body.data.latest?.cpu.usage, 99);
  assert.ok(up.stack.broker!.stats().refused >= 1);
  intruder.end(true);
});

test('anonymous clients and wrong passwords are refused', async () => {
  const anonymous = await mqtt.connectAsync(up.mqttUrl, { reconnectPeriod: 0, connectTimeout: 3000 }).then(
    (c) => (c.end(true), 'connected'),
    (e: Error) => e.message,
  );
  assert.match(anonymous, /Not authorized/);
  const wrong = await mqtt.connectAsync(up.mqttUrl, { reconnectPeriod: 0, connectTimeout: 3000, username: 'agent:bad1', password: 'guess' }).then(
    (c) => (c.end(true), 'connected'),
    (e: Error) => e.message,
  );
  assert.match(wrong, /Bad username or password/);
});

test.run();
