/**
 * Devices in each poller's config, on the real `vigie up` wiring (Aedes with
 * its ACL, ingest, SQLite): one AgentConfigPayload per agent carries its
 * checks AND its devices with their credentials decrypted; a device added,
 * changed, moved, disabled or removed republishes the right pollers; the
 * broker then lets the poller publish for its device (learned from these
 * publishes); checks.db never holds a device's spec or secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePayload } from '../../protocol/payloads.js';
import type { AgentConfigPayload } from '../../protocol/schemas/check.js';
import { ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, topicMatches } from '../helpers/mqtt.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

let s: TestStack;
let admin: ApiClient;
const clients: MqttClient[] = [];

interface Heard { topic: string; payload: string; retain: boolean }

async function listen(host: string): Promise<{ client: MqttClient; heard: Heard[] }> {
  const creds = addCredentials(s.dataDir, { kind: 'agent', host });
  const client = await connectClient(s.mqttUrl, { ...creds, clientId: `${host}-${clients.length}` });
  clients.push(client);
  const heard: Heard[] = [];
  const filter = `vigie/${host}/config`;
  client.on('message', (topic, payload, packet) => {
    if (topicMatches(filter, topic)) heard.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => client.subscribe(filter, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
  return { client, heard };
}

const lastConfig = (heard: Heard[]): AgentConfigPayload | null => {
  const last = heard.at(-1);
  if (!last) return null;
  const decoded = decodePayload('agentConfig', last.payload);
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.value as AgentConfigPayload;
};
const summary = (c: AgentConfigPayload | null): string => JSON.stringify(c ? { checks: c.checks.map((x) => x.id), devices: (c.devices ?? []).map((d) => d.id) } : null);
const expectConfig = (who: string, heard: Heard[], checks: string[], devices: string[]) =>
  waitFor(`${who} is told checks [${checks}] and devices [${devices}]`, () => summary(lastConfig(heard)) === JSON.stringify({ checks, devices }));

const publish = (client: MqttClient, topic: string, payload: string): Promise<void> =>
  new Promise((resolve, reject) => client.publish(topic, payload, { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())));

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
});

test.after(async () => {
  for (const c of clients) c.end(true);
  await s?.close();
});

test('one config per agent: its checks and its devices, credentials in clear, republished on change, move, disable and removal', async () => {
  const p1 = await listen('poller-1');
  const p2 = await listen('poller-2');
  assert.is((await admin.send('POST', '/api/checks', { id: 'c1', kind: 'ping', target: 'example.org', name: 'One', runners: ['poller-1'] })).status, 201);
  await expectConfig('poller-1', p1.heard, ['c1'], []);
  assert.is(lastConfig(p1.heard)!.devices, undefined, 'an agent that never polled a device gets no devices field');

  const created = await admin.send('POST', '/api/devices', {
    id: 'nas', address: '192.0.2.20', poller: 'poller-1', label: 'NAS',
    snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-456', privProtocol: 'aes', privKey: 'priv-pass-789' },
    custom: [{ name: 'temp', oid: '1.3.6.1.4.1.6574.1.2.0', type: 'gauge', unit: '°C' }],
  });
  assert.is(created.status, 201, JSON.stringify(created.body));
  await expectConfig('poller-1', p1.heard, ['c1'], ['nas']);
  assert.equal(lastConfig(p1.heard)!.devices![0], {
    id: 'nas', address: '192.0.2.20', port: 161,
    snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-456', privProtocol: 'aes', privKey: 'priv-pass-789' },
    interval: 60, timeout: 5, retries: 1, custom: [{ name: 'temp', oid: '1.3.6.1.4.1.6574.1.2.0', type: 'gauge', unit: '°C' }],
  }, 'the DeviceSpec only, secrets decrypted: no label, poller or groups');

  // The broker learnt from that publish that poller-1 may publish for nas.
  await publish(p1.client, 'vigie/nas/status', JSON.stringify({ v: 1, state: 'online', reason: 'polled', agent: '1.0.0', interval: 60 }));
  await waitFor('the ingest hears nas through poller-1', () => s.stack.ingest!.getHost('nas')?.status?.reason === 'polled' || null);

  // A changed secret reaches the poller; "********" keeps the others.
  const put = await admin.send('PUT', '/api/devices/nas', { address: '192.0.2.20', poller: 'poller-1', snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-000', privProtocol: 'aes', privKey: '********' } });
  assert.is(put.status, 200, JSON.stringify(put.body));
  await waitFor('poller-1 gets the new key', () => {
    const snmp = lastConfig(p1.heard)?.devices?.[0]?.snmp;
    return snmp?.version === '3' && snmp.authKey === 'auth-pass-000' && snmp.privKey === 'priv-pass-789' ? true : null;
  });

  // Moved to poller-2: poller-1 is told to drop it, poller-2 to poll it.
  const moved = await admin.send('PUT', '/api/devices/nas', { address: '192.0.2.20', poller: 'poller-2', snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: '********', privProtocol: 'aes', privKey: '********' } });
  assert.is(moved.status, 200, JSON.stringify(moved.body));
  await expectConfig('poller-1', p1.heard, ['c1'], []);
  assert.equal(lastConfig(p1.heard)!.devices, [], 'an explicit empty list: the poller stops at once');
  await expectConfig('poller-2', p2.heard, [], ['nas']);

  // Disabled: kept, not polled.
  const off = await admin.send('PUT', '/api/devices/nas', { address: '192.0.2.20', enabled: false });
  assert.is(off.status, 200, JSON.stringify(off.body));
  await expectConfig('poller-2', p2.heard, [], []);
  assert.is((await admin.send('PUT', '/api/devices/nas', { address: '192.0.2.20', enabled: true })).status, 200);
  await expectConfig('poller-2', p2.heard, [], ['nas']);

  // checks.db remembers checks only: no device spec, no secret.
  const checksFiles = Buffer.concat(['checks.db', 'checks.db-wal'].map((f) => join(s.dataDir, f)).filter(existsSync).map((p) => readFileSync(p)));
  for (const text of ['auth-pass', 'priv-pass-789', '192.0.2.20']) assert.is(checksFiles.indexOf(text), -1, `checks.db holds ${text}`);
  assert.ok(checksFiles.includes('example.org'), 'checks.db does hold the check');

  // Removed: poller-2's config drops it.
  const res = await fetch(`${s.httpUrl}/api/devices/nas`, { method: 'DELETE', headers: { cookie: admin.cookieHeader(), 'x-csrf-token': admin.csrf ?? '' } });
  assert.is(res.status, 204);
  await expectConfig('poller-2', p2.heard, [], []);
  assert.is(s.stack.ingest!.getHost('nas'), null);
});

test('a (re)subscribed ingest publishes the devices again (a restarted broker forgot them and their rights)', async () => {
  const p3 = await listen('poller-3');
  assert.is((await admin.send('POST', '/api/devices', { id: 'ups', address: '192.0.2.50', poller: 'poller-3', snmp: { version: '2c', community: 'ups-community' } })).status, 201);
  await expectConfig('poller-3', p3.heard, [], ['ups']);
  const before = p3.heard.length;
  s.stack.ingest!.bus.emit('subscribed', { at: Date.now() });
  await waitFor('poller-3 hears its config again', () => p3.heard.length > before || null);
  const spec = lastConfig(p3.heard)!.devices![0]!;
  assert.equal(spec.snmp, { version: '2c', community: 'ups-community' });
});

test.run();
