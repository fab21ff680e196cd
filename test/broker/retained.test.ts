/**
 * The contract's retain column, enforced by the broker, and the retained
 * quota per agent (issue 10, item 2), on a real broker with real credentials.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { nextMessage } from '../helpers/mqtt.js';
import { sleep, startAuthRig, type AuthRig } from './rig.js';

/** Every retained message a fresh subscriber to `filter` gets at once, with its payload. */
async function retainedPayloads(rig: AuthRig, filter: string): Promise<Map<string, Buffer>> {
  const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: `probe-${Math.random().toString(36).slice(2, 8)}` }));
  const seen = new Map<string, Buffer>();
  reader.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.set(topic, payload);
  });
  await reader.subscribeAsync(filter, { qos: 1 });
  await sleep(300); // retained messages follow the SUBACK at once
  reader.end(true);
  return seen;
}

/** Every retained message a fresh subscriber to `filter` gets at once: what the broker stores. */
async function retainedUnder(rig: AuthRig, filter: string): Promise<Map<string, number>> {
  const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: `probe-${Math.random().toString(36).slice(2, 8)}` }));
  const seen = new Map<string, number>();
  reader.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.set(topic, payload.length);
  });
  await reader.subscribeAsync(filter, { qos: 1 });
  await sleep(300); // retained messages follow the SUBACK at once
  reader.end(true);
  return seen;
}

test('retained publishes on metrics and cmd/res are delivered live but not stored', async () => {
  const rig = await startAuthRig();
  try {
    const agent = await rig.connect({ clientId: 'vigie-agent-r1', ...rig.store.add({ kind: 'agent', host: 'r1' }) });
    const live = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'live' }));
    const got = nextMessage(live, 'vigie/r1/metrics');
    await got.subscribed;
    await agent.publishAsync('vigie/r1/metrics', '{"v":1}', { qos: 1, retain: true });
    await agent.publishAsync('vigie/r1/cmd/res/abc', '{"v":1}', { qos: 1, retain: true });
    await agent.publishAsync('vigie/r1/status', '{"v":1,"state":"online"}', { qos: 1, retain: true });
    const message = await got;
    assert.is(message.payload.toString(), '{"v":1}', 'still delivered to live subscribers');
    const stored = await retainedUnder(rig, 'vigie/r1/#');
    assert.equal([...stored.keys()], ['vigie/r1/status'], 'only the retained kind of the contract is kept');
    assert.is(rig.broker.stats().retainRefused, 2);
  } finally {
    await rig.close();
  }
});

test("800 retained 60 KB messages from one agent: the store stays within the agent's quota", async () => {
  const rig = await startAuthRig({ retainedPerAgent: { topics: 2, bytes: 130_000 } });
  try {
    const agent: MqttClient = await rig.connect({ clientId: 'vigie-agent-r2', ...rig.store.add({ kind: 'agent', host: 'r2' }) });
    const big = Buffer.alloc(60_000, 0x61);
    const kinds = ['status', 'info', 'services'];
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 800; i++) {
      // The tester's flood on cmd/res (never stored), and on the three retained kinds an agent may publish.
      sends.push(agent.publishAsync(i % 2 ? `vigie/r2/cmd/res/id${i}` : `vigie/r2/${kinds[i % 3]}`, big, { qos: 1, retain: true }));
    }
    await Promise.all(sends);
    const stored = await retainedUnder(rig, 'vigie/#');
    const bytes = [...stored].reduce((sum, [topic, size]) => sum + topic.length + size, 0);
    assert.ok(stored.size <= 2, `${stored.size} retained topics kept`);
    assert.ok(bytes <= 130_000, `${bytes} retained bytes kept`);
    assert.ok(stored.size >= 1, 'what fits is kept');
    const stats = rig.broker.stats();
    assert.is(stats.retainRefused, 400, 'every cmd/res refused');
    assert.ok(stats.retainOverQuota >= 1, 'the excess is counted');
    const line = rig.logged.find((l) => /over the agent's quota/.test(String(l.msg)));
    assert.ok(line, 'and logged');
  } finally {
    await rig.close();
  }
});

test('replacing its own retained topics does not use up the quota, and clearing one frees its share', async () => {
  const rig = await startAuthRig({ retainedPerAgent: { topics: 2, bytes: 10_000 } });
  try {
    const agent = await rig.connect({ clientId: 'vigie-agent-r3', ...rig.store.add({ kind: 'agent', host: 'r3' }) });
    for (let i = 0; i < 50; i++) await agent.publishAsync('vigie/r3/status', JSON.stringify({ v: 1, state: 'online', i }), { qos: 1, retain: true });
    await agent.publishAsync('vigie/r3/info', '{"v":1}', { qos: 1, retain: true });
    await agent.publishAsync('vigie/r3/services', '{"v":1}', { qos: 1, retain: true }); // third topic: over
    assert.equal([...(await retainedUnder(rig, 'vigie/r3/#')).keys()].sort(), ['vigie/r3/info', 'vigie/r3/status']);
    await agent.publishAsync('vigie/r3/info', '', { qos: 1, retain: true }); // [MQTT-3.3.1-10] deletes it
    await agent.publishAsync('vigie/r3/services', '{"v":1}', { qos: 1, retain: true });
    await waitFor('services stored', async () => (await retainedUnder(rig, 'vigie/r3/#')).has('vigie/r3/services'));
    assert.is(rig.broker.stats().retainOverQuota, 1);
  } finally {
    await rig.close();
  }
});

test('large retained payloads are held deflated and delivered byte for byte; small or incompressible ones as they came', async () => {
  const rig = await startAuthRig();
  try {
    const agent = await rig.connect({ clientId: 'vigie-agent-r4', ...rig.store.add({ kind: 'agent', host: 'r4' }) });
    // A services list as an agent sends it: 150 units, 9 KB of JSON.
    const services = Buffer.from(JSON.stringify({
      v: 1, ts: 1_764_000_000_000,
      services: Array.from({ length: 150 }, (_, i) => ({ name: `unit-${i}.service`, state: i % 7 ? 'running' : 'stopped', description: `Service number ${i}` })),
    }));
    const status = Buffer.from('{"v":1,"state":"online","interval":5}');
    const noise = randomBytes(2000); // deflating it would only make it longer
    await agent.publishAsync('vigie/r4/services', services, { qos: 1, retain: true });
    await agent.publishAsync('vigie/r4/status', status, { qos: 1, retain: true });
    await agent.publishAsync('vigie/r4/info', noise, { qos: 1, retain: true });
    const got = await retainedPayloads(rig, 'vigie/r4/#');
    assert.ok(got.get('vigie/r4/services')?.equals(services), 'the services list comes back as published');
    assert.ok(got.get('vigie/r4/status')?.equals(status));
    assert.ok(got.get('vigie/r4/info')?.equals(noise));
    const held = rig.broker.stats().retained;
    assert.is(held.messages, 3);
    // Deflated, the JSON list takes a fraction of its size; the others are kept whole.
    const listHeld = held.bytes - status.length - noise.length;
    assert.ok(listHeld > 0 && listHeld < services.length / 4, `services list held in ${listHeld} bytes for ${services.length} published`);
    await agent.publishAsync('vigie/r4/services', '', { qos: 1, retain: true });
    assert.equal(rig.broker.stats().retained, { messages: 2, bytes: status.length + noise.length }, 'a cleared topic frees its bytes');
  } finally {
    await rig.close();
  }
});

test("an agent's Last Will, stored deflated, reaches a later subscriber byte for byte", async () => {
  const rig = await startAuthRig();
  try {
    // Large enough to be packed: an offline status with a long error, as a will may carry.
    const will = Buffer.from(JSON.stringify({ v: 1, state: 'offline', reason: 'lost', error: 'connection lost '.repeat(40) }));
    const agent = await rig.connect({ clientId: 'vigie-agent-r5', ...rig.store.add({ kind: 'agent', host: 'r5' }), will: { topic: 'vigie/r5/status', payload: will, qos: 1, retain: true } });
    (agent.stream as unknown as { destroy(): void }).destroy(); // the connection is lost, not closed: the broker publishes the will
    await waitFor('the will stored', () => rig.broker.stats().retained.messages === 1);
    assert.ok(rig.broker.stats().retained.bytes < will.length / 2, 'held deflated');
    const got = await retainedPayloads(rig, 'vigie/r5/#');
    assert.ok(got.get('vigie/r5/status')?.equals(will), 'the will comes back as the agent set it');
  } finally {
    await rig.close();
  }
});

test.run();
