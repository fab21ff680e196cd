/**
 * Client ids belong to identities (issue 10, item 1): on a real broker with
 * credentials in a real accounts.db, another identity's CONNECT with an id in
 * use is refused with CONNACK 2, and the owner keeps its connection, its
 * persistent session and its queued messages.
 */
import { connect as tcpConnect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { nextMessage } from '../helpers/mqtt.js';
import { connectPacketRaw } from './mqtt-bytes.js';
import { closed, sleep, startAuthRig, type AuthRig } from './rig.js';

let rig: AuthRig;
test.before(async () => {
  rig = await startAuthRig();
});
test.after(async () => {
  await rig.close();
});

const REJECTED = /Identifier rejected/;

test("an agent's credentials cannot take the ingest's persistent session: refused, and its queued QoS 1 messages wait for the ingest", async () => {
  const ingestCreds = rig.store.add({ kind: 'service', role: 'ingest' });
  const agentCreds = rig.store.add({ kind: 'agent', host: 'h1' });
  // The ingest subscribes with a persistent session, then goes away.
  const ingest = await rig.connect({ clientId: 'vigie-ingest', clean: false, ...ingestCreds });
  await ingest.subscribeAsync('vigie/+/metrics', { qos: 1 });
  ingest.end(false);
  await closed(ingest);

  const agent = await rig.connect({ clientId: 'vigie-agent-h1', ...agentCreds });
  for (let i = 0; i < 5; i++) await agent.publishAsync('vigie/h1/metrics', JSON.stringify({ v: 1, n: i }), { qos: 1 });

  const before = rig.broker.stats().clientIdRefused;
  // The tester's attack, both ways: resume the session (clean=false) or wipe it (clean=true).
  assert.match(await rig.refusal({ clientId: 'vigie-ingest', clean: false, ...agentCreds }), REJECTED);
  assert.match(await rig.refusal({ clientId: 'vigie-ingest', clean: true, ...agentCreds }), REJECTED);
  assert.is(rig.broker.stats().clientIdRefused - before, 2);

  const received: number[] = [];
  const back = await rig.connect({ clientId: 'vigie-ingest', clean: false, ...ingestCreds });
  back.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as { n: number }).n));
  await waitFor('the 5 queued messages', () => received.length === 5);
  assert.equal(received, [0, 1, 2, 3, 4]);
});

test('a live owner is not kicked: 20 hostile CONNECTs with its id are refused and it keeps receiving', async () => {
  const ingestCreds = rig.store.add({ kind: 'service', role: 'ingest', name: 'ingest-live' });
  const readerCreds = rig.store.add({ kind: 'service', role: 'reader', name: 'nosy' });
  const agentCreds = rig.store.add({ kind: 'agent', host: 'h2' });
  const ingest = await rig.connect({ clientId: 'vigie-ingest-2', clean: false, ...ingestCreds });
  let kicked = false;
  ingest.on('close', () => (kicked = true));
  for (let i = 0; i < 10; i++) {
    assert.match(await rig.refusal({ clientId: 'vigie-ingest-2', ...agentCreds }), REJECTED);
    assert.match(await rig.refusal({ clientId: 'vigie-ingest-2', ...readerCreds }), REJECTED);
  }
  const got = nextMessage(ingest, 'vigie/h2/metrics');
  await got.subscribed;
  const agent = await rig.connect({ clientId: 'vigie-agent-h2', ...agentCreds });
  await agent.publishAsync('vigie/h2/metrics', '{"v":1}', { qos: 1 });
  assert.is((await got).topic, 'vigie/h2/metrics');
  assert.not.ok(kicked, 'the owner was never disconnected');
});

test("another agent's id is refused: the owner stays connected and no offline will is published", async () => {
  const a = rig.store.add({ kind: 'agent', host: 'ha' });
  const b = rig.store.add({ kind: 'agent', host: 'hb' });
  const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'watch-ha' }));
  const states: string[] = [];
  reader.on('message', (_t, payload) => states.push((JSON.parse(payload.toString()) as { state: string }).state));
  await reader.subscribeAsync('vigie/ha/status', { qos: 1 });
  const owner = await rig.connect({
    clientId: 'vigie-agent-ha',
    will: { topic: 'vigie/ha/status', payload: Buffer.from('{"v":1,"state":"offline"}'), qos: 1, retain: true },
    ...a,
  });
  let kicked = false;
  owner.on('close', () => (kicked = true));
  for (let i = 0; i < 20; i++) assert.match(await rig.refusal({ clientId: 'vigie-agent-ha', ...b }), REJECTED);
  await sleep(200);
  assert.not.ok(kicked);
  assert.ok(owner.connected);
  assert.equal(states, [], 'no will, no offline event');
});

test('reserved namespaces: agents only as vigie-agent-<own host>, vigie-ingest ids only for ingest services', async () => {
  const agent = rig.store.add({ kind: 'agent', host: 'h3' });
  const reader = rig.store.add({ kind: 'service', role: 'reader', name: 'tool' });
  assert.match(await rig.refusal({ clientId: 'vigie-oled-x', ...agent }), REJECTED);
  assert.match(await rig.refusal({ clientId: 'vigie-agent-h3x', ...agent }), REJECTED);
  assert.match(await rig.refusal({ clientId: 'vigie-agent-h3', ...reader }), REJECTED);
  assert.match(await rig.refusal({ clientId: 'vigie-ingest-7', ...reader }), REJECTED);
  // A script with agent credentials may pick a free id of its own, but not park a persistent session there.
  assert.is(await rig.refusal({ clientId: 'my-script-h3', ...agent }), 'connected');
  assert.match(await rig.refusal({ clientId: 'my-script-h3', clean: false, ...agent }), REJECTED);
  assert.is(await rig.refusal({ clientId: 'vigie-oled-box-1a2b3c', ...reader }), 'connected');
  const line = rig.logged.find((l) => l.clientId === 'vigie-ingest-7');
  assert.ok(line, 'the refusal is logged');
  assert.match(String(line!.reason), /belong to ingest services/);
});

test('malformed ids are refused: +, #, /, 300 characters, control characters, invalid UTF-8, empty with clean=false', async () => {
  const reader = rig.store.add({ kind: 'service', role: 'reader', name: 'shapes' });
  for (const clientId of ['a+b', 'a#', 'a/b', 'x'.repeat(300), 'tab\there', 'nul\u0000']) {
    assert.match(await rig.refusal({ clientId, ...reader }), REJECTED, JSON.stringify(clientId.slice(0, 20)));
  }
  const rawConnack = (clientId: Buffer, clean: boolean): Promise<number> =>
    new Promise((resolve, reject) => {
      const socket = tcpConnect(rig.broker.port, '127.0.0.1');
      socket.on('error', reject);
      socket.write(connectPacketRaw({ clientId, clean, ...reader }));
      socket.once('data', (bytes) => {
        socket.destroy();
        resolve(bytes[3]!); // CONNACK: 0x20 0x02 flags code
      });
    });
  assert.is(await rawConnack(Buffer.from([0x61, 0xff, 0xfe]), true), 2, 'invalid UTF-8');
  assert.is(await rawConnack(Buffer.alloc(0), false), 2, 'empty id with a persistent session [MQTT-3.1.3-8]');
  // Empty with a clean session: the broker makes up a unique id [MQTT-3.1.3-6], nothing to take over.
  assert.is(await rawConnack(Buffer.alloc(0), true), 0);
});

test('the same identity takes its own id over, as MQTT intends', async () => {
  const creds = rig.store.add({ kind: 'agent', host: 'h4' });
  const first: MqttClient = await rig.connect({ clientId: 'vigie-agent-h4', ...creds });
  const gone = closed(first);
  const second = await rig.connect({ clientId: 'vigie-agent-h4', ...creds });
  await gone;
  assert.ok(second.connected);
});

test('a persistent session stays bound to its owner while away; a clean session frees its id when it ends', async () => {
  const one = rig.store.add({ kind: 'service', role: 'reader', name: 'ha-one' });
  const two = rig.store.add({ kind: 'service', role: 'reader', name: 'ha-two' });
  const persistent = await rig.connect({ clientId: 'homeassistant', clean: false, ...one });
  await persistent.subscribeAsync('vigie/+/status', { qos: 1 });
  persistent.end(false);
  await closed(persistent);
  assert.match(await rig.refusal({ clientId: 'homeassistant', ...two }), REJECTED);

  const clean = await rig.connect({ clientId: 'node-red', ...one });
  clean.end(false);
  await closed(clean);
  await waitFor('the id to be free', async () => (await rig.refusal({ clientId: 'node-red', ...two })) === 'connected');
});

test.run();
