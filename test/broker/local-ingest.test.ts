/**
 * The ingest in the broker's process (`vigie up`, ingest.inProcess): no MQTT
 * connection between them, the same guarantees. Real broker, real agents'
 * connections with real credentials; the store's commits moved by hand.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startLocalConsumer } from '../../ingest/local-consumer.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { createTopics } from '../../protocol/topics.js';
import { createLogger } from '../../core/logger.js';
import { waitFor } from '../helpers/env.js';
import { nextMessage } from '../helpers/mqtt.js';
import { manualGate, floodingAgent } from './flow-helpers.js';
import { sleep, startAuthRig, type AuthRig } from './rig.js';

const WINDOW = 20;
const MESSAGES = 200;
const topics = createTopics('vigie');
const log = createLogger('test');

const agent = (rig: AuthRig, host: string): ReturnType<typeof floodingAgent> => floodingAgent(rig, host, MESSAGES);

const seqs = (received: string[]): number[] => received.map((r) => (JSON.parse(r) as { seq: number }).seq);
const all = Array.from({ length: MESSAGES }, (_, i) => i);

test('past the window of uncommitted messages, publishes wait at the agent; after the commit everything arrives, in order, once', async () => {
  const rig = await startAuthRig({ ingestWindow: WINDOW, maxClientBacklog: 65_536 });
  const gate = manualGate();
  const received: string[] = [];
  const consumer = startLocalConsumer({
    link: rig.broker.ingestLink(), topics, acks: gate, log,
    onMessage: (topic, payload) => (topic.endsWith('/metrics') && received.push(payload.toString()), true),
  });
  await consumer.ready();
  const web1 = await agent(rig, 'web1');
  const sent = web1.publishAll();

  await waitFor('the window filled', () => received.length >= WINDOW);
  await sleep(500);
  const stats = rig.broker.stats();
  assert.is(received.length, WINDOW, 'the ingest was handed exactly its window');
  assert.ok(web1.acked() <= WINDOW, `publishes past the window are not acknowledged to the agent (${web1.acked()})`);
  assert.ok(stats.publishesWaiting > 0 && stats.ingestWaits > 0, JSON.stringify(stats));
  assert.is(stats.ingestBacklog, WINDOW, 'the broker reads the in-process backlog');
  assert.is(consumer.unacked(), WINDOW);

  gate.release();
  await sent;
  await waitFor('every message', () => received.length === MESSAGES);
  assert.equal(seqs(received), all, 'in order, none twice');
  assert.is(consumer.unacked(), 0);
  assert.is(rig.broker.stats().ingestBacklog, 0);
  assert.is(rig.broker.stats().slowClientsCut, 0);

  // Once the ingest is gone, nothing waits for it.
  await consumer.close();
  const web2 = await agent(rig, 'web2');
  await web2.publishAll();
  assert.is(rig.broker.stats().publishesWaiting, 0);
  await rig.close();
});

test('retained messages are replayed at start marked retained (past one the handler throws on), live ones are not; the ingest publishes as the broker', async () => {
  const rig = await startAuthRig();
  const creds = rig.store.add({ kind: 'agent', host: 'db1' });
  const db1 = await rig.connect({ clientId: agentClientId('db1'), ...creds });
  // Replayed in filter order, status before info: the handler throws on the status, the replay goes on past it.
  await db1.publishAsync(topics.host('db1', 'status'), 'boom', { qos: 1, retain: true });
  await db1.publishAsync(topics.host('db1', 'info'), '{"n":1}', { qos: 1, retain: true });
  const got: Array<{ topic: string; payload: string; retained: boolean }> = [];
  const consumer = startLocalConsumer({
    link: rig.broker.ingestLink(), topics, log,
    onMessage: (topic, payload, retained) => {
      if (payload.toString() === 'boom') throw new Error('a handler bug');
      got.push({ topic, payload: payload.toString(), retained });
      return true;
    },
  });
  await consumer.ready();
  assert.equal(got, [{ topic: 'vigie/db1/info', payload: '{"n":1}', retained: true }], 'the retained info, before ready');
  await db1.publishAsync(topics.host('db1', 'status'), '{"state":"online","n":2}', { qos: 1, retain: true });
  await waitFor('the live status', () => got.length === 2);
  assert.equal(got[1], { topic: 'vigie/db1/status', payload: '{"state":"online","n":2}', retained: false });

  // What the ingest publishes (the `stored` acknowledgement) reaches the agent over MQTT.
  const stored = nextMessage(db1, topics.stored('db1'));
  await stored.subscribed;
  await consumer.publish(topics.stored('db1'), '{"v":1,"seq":7}', false);
  assert.is((await stored).payload.toString(), '{"v":1,"seq":7}');
  await consumer.close();
  assert.is(await consumer.publish(topics.stored('db1'), '{}', false).then(() => 'published', (e: Error) => e.message), 'not connected');
  await rig.close();
});

test('what the store could not take is held, handed again in order once it can, and nothing is lost; a throwing handler does not take the broker down', async () => {
  const rig = await startAuthRig({ ingestWindow: 1000 });
  const gate = manualGate();
  // The message handler's rule: once one sample is refused, later ones are too until resumed.
  let full = false;
  let deferring = false;
  const stored: number[] = [];
  const consumer = startLocalConsumer({
    link: rig.broker.ingestLink(), topics, acks: gate, log,
    onConnect: () => (deferring = false),
    onMessage: (topic, payload) => {
      if (!topic.endsWith('/metrics')) return true;
      const { seq } = JSON.parse(payload.toString()) as { seq: number };
      if (seq === -1) throw new Error('a handler bug');
      if (full || deferring) {
        deferring = true;
        return false;
      }
      stored.push(seq);
      return true;
    },
  });
  await consumer.ready();
  const web3 = await agent(rig, 'web3');
  full = false;
  const first = web3.client.publishAsync(topics.host('web3', 'metrics'), JSON.stringify({ seq: -1 }), { qos: 1 });
  await first; // the broker acknowledged it and goes on
  full = true;
  await web3.publishAll();
  // Aedes acknowledges a QoS 1 publish before it hands it on: the last ones come just after.
  await waitFor('every message held, counted in the backlog', () => consumer.unacked() === MESSAGES);
  assert.is(stored.length, 0);
  assert.is(rig.broker.stats().ingestBacklog, MESSAGES);

  full = false;
  consumer.redeliver();
  assert.equal(stored, all, 'every held message, in order, once');
  gate.release();
  assert.is(consumer.unacked(), 0);
  await consumer.close();
  await rig.close();
});

test.run();
