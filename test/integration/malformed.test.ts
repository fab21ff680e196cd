/** Malformed payloads from a raw MQTT client are dropped and counted; the server keeps serving. */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics } from '../../protocol/topics.js';
import { waitFor } from '../helpers/env.js';
import { getJson, startTestStack, type TestStack } from '../helpers/stack.js';

let up: TestStack;
let client: mqtt.MqttClient;
const topics = createTopics('vigie');

test.before(async () => {
  up = await startTestStack('up');
  client = await mqtt.connectAsync(up.mqttUrl, { clientId: 'raw-publisher' });
});
test.after(async () => {
  await client.endAsync();
  await up.close();
});

const good = (ts = Date.now()) => JSON.stringify({ v: 1, ts, cpu: { usage: 42, load1: 1, load5: 1, load15: 1 } });

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
    ['vigie/BAD-HOST/metrics', good()],
  ];
  for (const [topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });
  await waitFor('every bad payload counted', () => ingest.stats().invalid - before >= bad.length, 5000);
  const { status, body } = await getJson<{ ok: boolean }>(`${up.httpUrl}/api/health`);
  assert.is(status, 200);
  assert.is(body.ok, true);
  const hosts = await getJson<{ data: Array<{ id: string }> }>(`${up.httpUrl}/api/hosts`);
  assert.not.ok(hosts.body.data.some((h) => h.id === 'bad-host'), 'an invalid host topic creates no host');
});

test('a valid payload after the garbage is still ingested', async () => {
  await client.publishAsync(topics.host('bad1', 'metrics'), good(), { qos: 1 });
  const host = await waitFor('bad1 has a latest sample', async () => {
    const { body } = await getJson<{ ok: boolean; data: { latest: { cpu: { usage: number } } | null } }>(`${up.httpUrl}/api/hosts/bad1`);
    return body.ok && body.data.latest ? body.data : null;
  });
  assert.is(host.latest!.cpu.usage, 42);
});

test.run();
