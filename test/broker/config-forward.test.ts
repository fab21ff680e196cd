/**
 * An agent's `config` (what it runs, where it probes) reaches that agent and
 * nobody else (issue 12): a reader's `vigie/#` does not carry it, live or
 * retained, and another agent may not subscribe to it. Real Aedes broker,
 * real credentials (test/broker/rig.ts).
 */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePayload } from '../../protocol/payloads.js';
import { startAuthRig, sleep, type AuthRig } from './rig.js';

const config = (): string => encodePayload('agentConfig', { v: 1, ts: Date.now(), checks: [{ id: 'web', kind: 'http', target: 'http://10.0.0.5/', interval: 60, timeout: 10 }] });

/** Every message a client receives, with its retain flag. */
const record = (client: MqttClient): Array<{ topic: string; retain: boolean; payload: string }> => {
  const got: Array<{ topic: string; retain: boolean; payload: string }> = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, retain: packet.retain, payload: payload.toString() }));
  return got;
};

let rig: AuthRig;
test.before.each(async () => {
  rig = await startAuthRig();
});
test.after.each(async () => {
  await rig.close();
});

test('a reader on vigie/# gets results but never vigie/<host>/config; that agent gets it, live and retained', async () => {
  const ingestCred = rig.store.add({ kind: 'service', role: 'ingest' });
  const readerCred = rig.store.add({ kind: 'service', role: 'reader', name: 'grafana' });
  const agentCred = rig.store.add({ kind: 'agent', host: 'runner1' });
  const ingest = await rig.connect({ ...ingestCred, clientId: 'ingest-test' });
  const reader = await rig.connect({ ...readerCred, clientId: 'reader-test' });
  const agent = await rig.connect({ ...agentCred, clientId: 'vigie-agent-runner1' });
  const readerGot = record(reader);
  const agentGot = record(agent);
  await reader.subscribeAsync('vigie/#', { qos: 1 });
  const granted = await agent.subscribeAsync('vigie/runner1/config', { qos: 1 });
  assert.is(granted[0]?.qos, 1, 'the agent may subscribe to its own config');

  // Live: the ingest publishes the config (retained) and the agent a result.
  await ingest.publishAsync('vigie/runner1/config', config(), { qos: 1, retain: true });
  await agent.publishAsync('vigie/runner1/checks/web', encodePayload('checkResult', { v: 1, ts: Date.now(), kind: 'http', state: 'up', latency: 0.01, message: '200 OK' }), { qos: 1, retain: true });
  await sleep(300);
  assert.ok(readerGot.some((m) => m.topic === 'vigie/runner1/checks/web'), 'the reader is subscribed and receives results');
  assert.not.ok(readerGot.some((m) => m.topic.endsWith('/config')), 'no config through vigie/#');
  assert.ok(agentGot.some((m) => m.topic === 'vigie/runner1/config'), 'the agent received its config');

  // Retained: a reader subscribing later gets the retained result, not the config.
  const late = await rig.connect({ ...readerCred, clientId: 'reader-late' });
  const lateGot = record(late);
  await late.subscribeAsync('vigie/#', { qos: 1 });
  await sleep(300);
  assert.ok(lateGot.some((m) => m.topic === 'vigie/runner1/checks/web' && m.retain));
  assert.not.ok(lateGot.some((m) => m.topic.endsWith('/config')));
  // …and the agent reconnecting gets it retained.
  agent.end(true);
  const again = await rig.connect({ ...agentCred, clientId: 'vigie-agent-runner1' });
  const againGot = record(again);
  await again.subscribeAsync('vigie/runner1/config', { qos: 1 });
  await sleep(300);
  assert.ok(againGot.some((m) => m.topic === 'vigie/runner1/config' && m.retain));
});

test('another agent may not subscribe to an agent\'s config, nor publish one', async () => {
  const ingestCred = rig.store.add({ kind: 'service', role: 'ingest' });
  const otherCred = rig.store.add({ kind: 'agent', host: 'other' });
  const ingest = await rig.connect({ ...ingestCred, clientId: 'ingest-test' });
  await ingest.publishAsync('vigie/runner1/config', config(), { qos: 1, retain: true });
  const other = await rig.connect({ ...otherCred, clientId: 'vigie-agent-other' });
  const otherGot = record(other);
  for (const filter of ['vigie/runner1/config', 'vigie/+/config', 'vigie/#']) {
    // SUBACK 0x80 (MQTT 3.1.1 §3.9.3); mqtt.js turns it into a rejection.
    const refused = await other.subscribeAsync(filter, { qos: 1 }).then((g) => g[0]?.qos === 128, (e: Error) => /Subscribe error/.test(e.message));
    assert.ok(refused, `${filter} refused`);
  }
  // An agent cannot write its own config either: the server decides what it runs.
  // (The broker may drop the connection instead of acknowledging: not awaited.)
  other.publish('vigie/other/config', config(), { qos: 1, retain: true }, () => undefined);
  const self = await rig.connect({ ...ingestCred, clientId: 'ingest-check' });
  const selfGot = record(self);
  await self.subscribeAsync('vigie/other/config', { qos: 1 });
  await sleep(300);
  assert.is(otherGot.length, 0);
  assert.is(selfGot.length, 0, 'the agent\'s own publish on its config was refused');
});

test.run();
