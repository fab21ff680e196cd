/**
 * A poller may publish status, info and metrics for the SNMP devices its own
 * configuration names, and for nothing else (issue 13). The broker learns the
 * assignment from the ingest's `config` publishes. Real Aedes broker, real
 * credentials (test/broker/rig.ts); the expiry of a relieved poller's grace
 * on a manual clock.
 */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDevicePollers, RECENT_MS } from '../../broker/device-pollers.js';
import { encodePayload, type DeviceSpec } from '../../protocol/payloads.js';
import { closed, startAuthRig, sleep, type AuthRig } from './rig.js';

const device = (id: string): DeviceSpec => ({
  id, address: '127.0.0.1', port: 161, snmp: { version: '2c', community: 'lab-secret' }, interval: 60, timeout: 5, retries: 1, custom: [],
});
const config = (...devices: string[]): string => encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [], devices: devices.map(device) });
const status = (): string => encodePayload('status', { v: 1, state: 'online', reason: 'polled', agent: '1.0.0', interval: 60 });

const record = (client: MqttClient): Array<{ topic: string; retain: boolean }> => {
  const got: Array<{ topic: string; retain: boolean }> = [];
  client.on('message', (topic, _payload, packet) => got.push({ topic, retain: packet.retain }));
  return got;
};

test('rights follow the configuration: assigned, then recent for a while, then none', () => {
  let now = 1_700_000_000_000;
  const pollers = createDevicePollers({ now: () => now });
  assert.is(pollers.rightOf('box', 'router'), 'none');
  pollers.observe('box', config('router', 'switch'));
  assert.is(pollers.rightOf('box', 'router'), 'assigned');
  assert.is(pollers.pollerOf('switch'), 'box');
  assert.is(pollers.rightOf('other', 'router'), 'none');
  // Moved to another poller: the new one is assigned, the old one has a grace.
  pollers.observe('lab', config('router'));
  assert.is(pollers.rightOf('lab', 'router'), 'assigned');
  assert.is(pollers.rightOf('box', 'router'), 'recent');
  now += RECENT_MS;
  assert.is(pollers.rightOf('box', 'router'), 'none');
  // Cleared configuration (empty retained payload) and an undecodable one grant nothing.
  pollers.observe('box', '');
  assert.is(pollers.rightOf('box', 'switch'), 'recent');
  assert.is(pollers.pollerOf('switch'), undefined);
  pollers.observe('lab', '{"v":1,"devices":"nope"}');
  assert.is(pollers.pollerOf('router'), undefined);
});

let rig: AuthRig;
test.before.each(async () => {
  rig = await startAuthRig();
});
test.after.each(async () => {
  await rig.close();
});

test('the poller publishes for its device; another agent, or an agent enrolled under the device\'s name, may not', async () => {
  const ingestCred = rig.store.add({ kind: 'service', role: 'ingest' });
  const readerCred = rig.store.add({ kind: 'service', role: 'reader', name: 'ha' });
  const ingest = await rig.connect({ ...ingestCred, clientId: 'ingest-test' });
  const reader = await rig.connect({ ...readerCred, clientId: 'reader-test' });
  const got = record(reader);
  await reader.subscribeAsync('vigie/#', { qos: 1 });
  const box = await rig.connect({ ...rig.store.add({ kind: 'agent', host: 'box' }), clientId: 'vigie-agent-box' });

  // Before any configuration the poller has no right to the device: refused, connection closed.
  const refusedEarly = closed(box);
  box.publish('vigie/router/status', status(), { qos: 1, retain: true }, () => undefined);
  await refusedEarly;

  await ingest.publishAsync('vigie/box/config', config('router'), { qos: 1, retain: true });
  const poller = await rig.connect({ ...rig.store.add({ kind: 'agent', host: 'box' }), clientId: 'vigie-agent-box' });
  for (const kind of ['status', 'info', 'metrics']) {
    await poller.publishAsync(`vigie/router/${kind}`, kind === 'status' ? status() : '{}', { qos: 1, retain: kind !== 'metrics' });
  }
  await sleep(200);
  assert.ok(got.some((m) => m.topic === 'vigie/router/status'), 'the poller\'s device status is delivered');
  assert.ok(poller.connected, 'the poller is still connected');

  // Not services, not check results, not commands in the device's name.
  const denied = closed(poller);
  poller.publish('vigie/router/checks/web', '{}', { qos: 1 }, () => undefined);
  await denied;

  // Another agent may not publish for the device…
  const other = await rig.connect({ ...rig.store.add({ kind: 'agent', host: 'other' }), clientId: 'vigie-agent-other' });
  const otherDenied = closed(other);
  other.publish('vigie/router/metrics', '{}', { qos: 1 }, () => undefined);
  await otherDenied;
  // …nor an agent enrolled with the device's id: the device is its poller's.
  const impostor = await rig.connect({ ...rig.store.add({ kind: 'agent', host: 'router' }), clientId: 'vigie-agent-router' });
  const impostorDenied = closed(impostor);
  impostor.publish('vigie/router/status', status(), { qos: 1, retain: true }, () => undefined);
  await impostorDenied;
  assert.is(got.filter((m) => m.topic === 'vigie/router/metrics').length, 1, 'only the poller\'s metrics were delivered');
});

test('a poll landing just after the device was removed is delivered unretained: no ghost retained status', async () => {
  const ingestCred = rig.store.add({ kind: 'service', role: 'ingest' });
  const readerCred = rig.store.add({ kind: 'service', role: 'reader', name: 'ha' });
  const ingest = await rig.connect({ ...ingestCred, clientId: 'ingest-test' });
  await ingest.publishAsync('vigie/box/config', config('router'), { qos: 1, retain: true });
  const poller = await rig.connect({ ...rig.store.add({ kind: 'agent', host: 'box' }), clientId: 'vigie-agent-box' });
  await ingest.publishAsync('vigie/box/config', config(), { qos: 1, retain: true });
  const reader = await rig.connect({ ...readerCred, clientId: 'reader-live' });
  const live = record(reader);
  await reader.subscribeAsync('vigie/router/#', { qos: 1 });
  await poller.publishAsync('vigie/router/status', status(), { qos: 1, retain: true });
  await sleep(200);
  assert.ok(poller.connected, 'a late poll does not cost the poller its connection');
  assert.equal(live.filter((m) => m.topic === 'vigie/router/status').map((m) => m.retain), [false], 'delivered live, without retain');
  const late = await rig.connect({ ...readerCred, clientId: 'reader-late' });
  const lateGot = record(late);
  await late.subscribeAsync('vigie/router/#', { qos: 1 });
  await sleep(200);
  assert.is(lateGot.length, 0, 'nothing was retained for the removed device');
});

test.run();
