/**
 * A Last Will says "this client vanished". The broker does not send it when
 * it ends the connection on purpose: a planned stop (issue 10, item 13) or
 * revoked credentials (item 8: a removed host's will would bring it back).
 */
import type { Client } from 'aedes';
import type { IClientOptions } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { closed, sleep, startAuthRig } from './rig.js';

const offlineWill = (host: string): IClientOptions['will'] => ({
  topic: `vigie/${host}/status`,
  payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', reason: 'lost' })),
  qos: 1,
  retain: true,
});

test('a planned broker stop publishes no Last Will of its connected clients', async () => {
  const broker = await startTestBroker();
  const published: string[] = [];
  broker.aedes.on('publish', (packet: { topic: string }, client: Client | null) => {
    if (client) published.push(packet.topic);
  });
  const agents = await Promise.all(['w1', 'w2', 'w3'].map((host) => connectClient(broker.url, { clientId: `vigie-agent-${host}`, will: offlineWill(host) })));
  const watcher = await connectClient(broker.url, { clientId: 'watcher' });
  const seen: string[] = [];
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync('vigie/+/status', { qos: 1 });
  await broker.close();
  await sleep(100);
  assert.equal(published, [], 'no will went through the broker');
  assert.equal(seen, []);
  for (const a of agents) a.end(true);
  watcher.end(true);
});

test('the same client losing its connection does publish its will (the test above would see one)', async () => {
  const broker = await startTestBroker();
  try {
    const watcher = await connectClient(broker.url, { clientId: 'watcher' });
    const seen: string[] = [];
    watcher.on('message', (_t, payload) => seen.push(payload.toString()));
    await watcher.subscribeAsync('vigie/w4/status', { qos: 1 });
    const agent = await connectClient(broker.url, { clientId: 'vigie-agent-w4', will: offlineWill('w4') });
    (agent.stream as unknown as { destroy(): void }).destroy();
    await waitFor('the will', () => seen.length === 1);
    watcher.end(true);
  } finally {
    await broker.close();
  }
});

test("revoking an agent's credentials disconnects it without its will: no offline status, nothing retained", async () => {
  const rig = await startAuthRig();
  try {
    const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'watch' }));
    const states: string[] = [];
    reader.on('message', (_t, payload) => states.push((JSON.parse(payload.toString()) as { state: string }).state));
    await reader.subscribeAsync('vigie/gone/status', { qos: 1 });
    const creds = rig.store.add({ kind: 'agent', host: 'gone' });
    const agent = await rig.connect({ clientId: 'vigie-agent-gone', reconnectPeriod: 0, will: offlineWill('gone'), ...creds });
    await agent.publishAsync('vigie/gone/status', JSON.stringify({ v: 1, state: 'online' }), { qos: 1, retain: true });
    await waitFor('online seen', () => states.length === 1);
    // What host removal does: revoke (the dashboard tells the broker at once), clear the retained status.
    const cut = closed(agent);
    assert.ok(rig.store.revoke(creds.username));
    rig.auth.notifyChanged();
    await cut;
    await sleep(300);
    assert.equal(states, ['online'], 'no offline will after the revocation');

    const later = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'later' }));
    const retained: string[] = [];
    later.on('message', (_t, payload, packet) => packet.retain && retained.push((JSON.parse(payload.toString()) as { state: string }).state));
    await later.subscribeAsync('vigie/gone/status', { qos: 1 });
    await sleep(200);
    assert.equal(retained, ['online'], 'the retained status is not the will: clearing it stays the ingest\'s job');
  } finally {
    await rig.close();
  }
});

test('rotating credentials cuts the old connection without its will too', async () => {
  const rig = await startAuthRig();
  try {
    const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'watch2' }));
    const states: string[] = [];
    reader.on('message', (_t, payload) => states.push(payload.toString()));
    await reader.subscribeAsync('vigie/rot/status', { qos: 1 });
    const agent = await rig.connect({ clientId: 'vigie-agent-rot', reconnectPeriod: 0, will: offlineWill('rot'), ...rig.store.add({ kind: 'agent', host: 'rot' }) });
    const cut = closed(agent);
    rig.store.add({ kind: 'agent', host: 'rot' });
    rig.auth.notifyChanged();
    await cut;
    await sleep(300);
    assert.equal(states, []);
  } finally {
    await rig.close();
  }
});

test.run();
