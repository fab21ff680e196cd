/**
 * Issue 10, items 3 and 7, through MQTT and REST: an agent flooding new mount
 * and interface names is held to its per-host limits (told to the admin), and a
 * payload of 10,000 nested arrays is refused with an error naming the field
 * instead of overflowing the error formatter.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Health } from '../../dashboard/server/api/health.js';
import { createTopics } from '../../protocol/topics.js';
import { waitFor } from '../helpers/env.js';
import { ApiClient } from '../helpers/api-client.js';
import { addCredentials, adminClient, getJson, startTestStack, type TestStack } from '../helpers/stack.js';

let up: TestStack;
let admin: ApiClient;
let client: mqtt.MqttClient;
const topics = createTopics('vigie');
const HOST = 'flooder';

test.before(async () => {
  up = await startTestStack('up');
  admin = await adminClient(up.httpUrl, up.dataDir);
  client = await mqtt.connectAsync(up.mqttUrl, { clientId: `vigie-agent-${HOST}`, ...addCredentials(up.dataDir, { kind: 'agent', host: HOST }) });
});
test.after(async () => {
  await client.endAsync();
  await up.close();
});

const metricsText = async (): Promise<string> => (await fetch(`${up.httpUrl}/api/metrics`, { headers: { cookie: admin.cookieHeader() } })).text();
const health = async (): Promise<Health> => (await getJson<{ data: Health }>(`${up.httpUrl}/api/health`, admin)).body.data;

test('10,000 nested arrays on metrics: refused as invalid with the field named, counted, never failed; failed is shown', async () => {
  const errors: string[] = [];
  up.stack.ingest!.bus.on('test', 'invalid', (e) => errors.push(e.error));
  const before = (await health()).ingest!;
  assert.is(typeof before.failed, 'number', '/api/health shows failed next to invalid');
  const deep = `{"v":1,"ts":${Date.now()},"cpu":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  await client.publishAsync(topics.host(HOST, 'metrics'), deep, { qos: 1 });
  await client.publishAsync(topics.host(HOST, 'info'), `${'['.repeat(10_000)}${']'.repeat(10_000)}`, { qos: 1 });
  await waitFor('both counted invalid', async () => (await health()).ingest!.invalid >= before.invalid + 2);
  const after = (await health()).ingest!;
  assert.is(after.failed, before.failed, 'no internal failure');
  assert.ok(errors.some((e) => e.startsWith('metrics.cpu.0.0.') && e.includes('nested deeper than 32 levels')), errors.join(' | '));
  assert.ok(errors.some((e) => e.startsWith('info.0.0.') && e.includes('nested deeper')), errors.join(' | '));
  assert.match(await metricsText(), /vigie_mqtt_messages_total\{outcome="failed"\} 0/);
  // The ingest still works.
  await client.publishAsync(topics.host(HOST, 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 7, load1: 0, load5: 0, load15: 0 } }), { qos: 1 });
  await waitFor('a good sample after the bad ones', () => up.stack.ingest!.getHost(HOST)?.latest?.cpu?.usage === 7);
});

test('120 new mounts and interfaces per sample: the host keeps 64 mounts and 128 interfaces (the defaults), the rest is refused and counted, the admin is told once', async () => {
  const t0 = Date.now() + 10_000; // newer than the first test's sample: `latest` shows the newest
  for (let i = 0; i < 10; i += 1) {
    const disks = Array.from({ length: 120 }, (_, k) => ({ mount: `/m${i}-${k}`, fs: 'ext4', total: 100, used: 99, free: 1, usedPercent: 99 }));
    const net = Array.from({ length: 120 }, (_, k) => ({ iface: `if${i}-${k}`, rxRate: 1, txRate: 1 }));
    const sample = { v: 1, ts: t0 + i * 1000, cpu: { usage: 99, load1: 0, load5: 0, load15: 0 }, disks: i === 9 ? [...disks, { mount: '/m0-0', fs: 'ext4', total: 100, used: 50, free: 50, usedPercent: 50 }].slice(-128) : disks, net };
    await client.publishAsync(topics.host(HOST, 'metrics'), JSON.stringify(sample), { qos: 1 });
  }
  await waitFor('the ten samples accepted', () => up.stack.ingest!.getHost(HOST)?.latest?.ts === t0 + 9000);
  await up.stack.ingest!.flush();
  const latest = up.stack.ingest!.getHost(HOST)!.latest!;
  assert.equal(latest.disks!.map((d) => d.mount), ['/m0-0'], 'the last sample carries only the known mount: new ones are dropped, the known one kept');
  assert.is(latest.cpu!.usage, 99, 'the rest of the sample is kept');
  const series = await admin.get(`/api/hosts/${HOST}/series`);
  const list = series.data as Array<{ metric: string; key: string }>;
  const mounts = new Set(list.filter((s) => s.metric.startsWith('disk.')).map((s) => s.key));
  const ifaces = new Set(list.filter((s) => s.metric.startsWith('net.')).map((s) => s.key));
  assert.is(mounts.size, 64);
  assert.is(ifaces.size, 128);
  assert.ok(list.length <= 1000, `${list.length} series`);
  const h = (await health()).ingest!;
  const over = h.limits.hosts.find((o) => o.host === HOST);
  assert.ok(over, 'health names the host over its limits');
  assert.is(over!.mounts, 64);
  assert.is(over!.interfaces, 128);
  assert.is(over!.refusedMounts, 120 * 10 - 64, 'every refused disk entry is counted');
  assert.is(over!.refusedInterfaces, 120 * 10 - 128);
  const events = await waitFor('the over-limit event', async () => {
    const r = await admin.get(`/api/events?type=host.over_limit&host=${HOST}`);
    const data = r.data as Array<{ host: string; message: string }>;
    return data.length > 0 ? data : null;
  });
  assert.is(events.length, 1, 'one event per host per episode, not one per sample');
  assert.match(await metricsText(), /vigie_hosts_over_limit 1/);
});

test.run();
