/**
 * devices/service.ts on the real `vigie up` wiring: a device whose poller
 * goes offline (its Last Will) is published offline, reason poller-offline,
 * retained, and comes back when its poller publishes for it again; a
 * device removed by another process (the CLI) has its host removed by the
 * running server, retained status included.
 */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DeviceStore } from '../../devices/store.js';
import { decodePayload } from '../../protocol/payloads.js';
import { ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, nextMessage } from '../helpers/mqtt.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

let s: TestStack;
let admin: ApiClient;
const clients: MqttClient[] = [];

const status = (state: 'online' | 'offline', reason: string): string => JSON.stringify({ v: 1, state, reason, agent: '1.0.0', interval: 60 });
const publish = (client: MqttClient, topic: string, payload: string): Promise<void> =>
  new Promise((resolve, reject) => client.publish(topic, payload, { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())));

/** Connects poller `host` with its Last Will, as the agent does, and says it is online. */
async function poller(host: string, creds: { username: string; password: string }): Promise<MqttClient> {
  const client = await connectClient(s.mqttUrl, { ...creds, clientId: `${host}-${clients.length}`, will: { topic: `vigie/${host}/status`, payload: Buffer.from(status('offline', 'lost')), qos: 1, retain: true } });
  clients.push(client);
  await publish(client, `vigie/${host}/status`, status('online', 'connected'));
  return client;
}

/** Waits until poller's config names `device` (the broker lets it publish for it from then on). */
async function configured(client: MqttClient, host: string, device: string): Promise<void> {
  const heard: string[] = [];
  client.on('message', (topic, payload) => {
    if (topic === `vigie/${host}/config`) heard.push(payload.toString());
  });
  await new Promise<void>((resolve, reject) => client.subscribe(`vigie/${host}/config`, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
  await waitFor(`${host} is told to poll ${device}`, () => heard.some((p) => {
    const d = decodePayload('agentConfig', p);
    return d.ok && (d.value.devices ?? []).some((x) => x.id === device);
  }) || null);
}

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
});

test.after(async () => {
  for (const c of clients) c.end(true);
  await s?.close();
});

test('the poller\'s Last Will makes its device offline, reason poller-offline, retained; its next poll brings it back', async () => {
  const creds = addCredentials(s.dataDir, { kind: 'agent', host: 'poller-1' });
  const p1 = await poller('poller-1', creds);
  assert.is((await admin.send('POST', '/api/devices', { id: 'router', address: '192.0.2.1', poller: 'poller-1', snmp: { version: '2c', community: 'router-ro' } })).status, 201);
  await configured(p1, 'poller-1', 'router');
  await publish(p1, 'vigie/router/status', status('online', 'polled'));
  await waitFor('router online', () => s.stack.ingest!.getHost('router')?.status?.reason === 'polled' || null);

  // The poller dies: the broker publishes its Last Will.
  (p1 as unknown as { stream: { destroy(): void } }).stream.destroy();
  await waitFor('poller-1 offline', () => s.stack.ingest!.getHost('poller-1')?.presence === 'offline' || null);
  const router = await waitFor('router offline for its poller', () => (s.stack.ingest!.getHost('router')?.status?.reason === 'poller-offline' ? s.stack.ingest!.getHost('router') : null));
  assert.is(router.presence, 'offline');
  assert.equal([router.status!.state, router.status!.error, router.status!.interval], ['offline', 'poller poller-1 is offline', 60]);

  // What a newcomer reads from the broker: the retained offline status.
  const reader = await connectClient(s.mqttUrl, { ...addCredentials(s.dataDir, { kind: 'service', role: 'reader', name: 'watcher' }), clientId: 'watcher' });
  clients.push(reader);
  const retained = await nextMessage(reader, 'vigie/router/status');
  const decoded = decodePayload('status', retained.payload);
  assert.ok(decoded.ok && decoded.value.reason === 'poller-offline' && decoded.value.state === 'offline', retained.payload.toString());

  // The poller is back and polls: the device is online again.
  const again = await poller('poller-1', creds);
  await configured(again, 'poller-1', 'router');
  await publish(again, 'vigie/router/status', status('online', 'polled'));
  await waitFor('router back online', () => s.stack.ingest!.getHost('router')?.status?.reason === 'polled' || null);
});

test('a device given to a poller that is offline is published offline at once, reason poller-offline', async () => {
  const creds = addCredentials(s.dataDir, { kind: 'agent', host: 'poller-3' });
  const p3 = await poller('poller-3', creds);
  await waitFor('poller-3 online', () => s.stack.ingest!.getHost('poller-3')?.presence === 'online' || null);
  (p3 as unknown as { stream: { destroy(): void } }).stream.destroy();
  await waitFor('poller-3 offline', () => s.stack.ingest!.getHost('poller-3')?.presence === 'offline' || null);
  assert.is((await admin.send('POST', '/api/devices', { id: 'printer', address: '192.0.2.3', poller: 'poller-3', snmp: { version: '2c', community: 'printer-ro' } })).status, 201);
  const printer = await waitFor('printer offline for its poller', () => s.stack.ingest!.getHost('printer'));
  assert.equal([printer.presence, printer.status?.reason, printer.status?.error], ['offline', 'poller-offline', 'poller poller-3 is offline']);
});

test('a device removed by another process (the CLI): the running server removes its host and its retained status', async () => {
  const creds = addCredentials(s.dataDir, { kind: 'agent', host: 'poller-2' });
  const p2 = await poller('poller-2', creds);
  assert.is((await admin.send('POST', '/api/devices', { id: 'switch', address: '192.0.2.2', poller: 'poller-2', snmp: { version: '2c', community: 'switch-ro' } })).status, 201);
  await configured(p2, 'poller-2', 'switch');
  await publish(p2, 'vigie/switch/status', status('online', 'polled'));
  await waitFor('switch heard', () => s.stack.ingest!.getHost('switch'));
  const cli = DeviceStore.open(s.dataDir);
  try {
    assert.ok(cli.delete('switch'));
  } finally {
    cli.close();
  }
  await waitFor('the server removes the host', () => s.stack.ingest!.getHost('switch') === null || null);
  await waitFor('the removal is no longer pending', () => {
    const check = DeviceStore.open(s.dataDir);
    try {
      return check.pendingRemovals().length === 0 || null;
    } finally {
      check.close();
    }
  });
  const reader = await connectClient(s.mqttUrl, { ...addCredentials(s.dataDir, { kind: 'service', role: 'reader', name: 'watcher-2' }), clientId: 'watcher-2' });
  clients.push(reader);
  // A retained status would be sent on subscribing, before the retained messages of a later subscription.
  const heard: string[] = [];
  reader.on('message', (topic) => heard.push(topic));
  const subscribe = (filter: string) => new Promise<void>((resolve, reject) => reader.subscribe(filter, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
  await subscribe('vigie/switch/status');
  await subscribe('vigie/the-box/status');
  await waitFor('the box\'s own retained status arrives', () => heard.includes('vigie/the-box/status') || null);
  assert.not.ok(heard.includes('vigie/switch/status'), 'no retained status is left for the removed device');
});

test.run();
