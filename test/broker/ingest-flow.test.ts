/**
 * The ingest is flow controlled, never cut (issue 16): past broker.ingestWindow
 * messages it has not acknowledged, publishes wait before they are read, so
 * the backlog waits at the agents, not in the broker. Real broker, real
 * credentials, the ingest's own consumer holding its PUBACKs as it does until
 * its store commits.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startConsumer, type AckGate, type ConsumerHandle } from '../../ingest/consumer.js';
import { INGEST_CLIENT_ID } from '../../protocol/client-ids.js';
import { createTopics } from '../../protocol/topics.js';
import { createLogger } from '../../core/logger.js';
import { waitFor } from '../helpers/env.js';
import { manualGate, floodingAgent } from './flow-helpers.js';
import { sleep, startAuthRig, type AuthRig } from './rig.js';

const WINDOW = 20;
const MESSAGES = 200;
const topics = createTopics('vigie');

function ingest(rig: AuthRig, gate: AckGate, received: string[]): ConsumerHandle {
  const creds = rig.store.add({ kind: 'service', role: 'ingest' });
  return startConsumer({
    url: rig.broker.url, clientId: INGEST_CLIENT_ID, ...creds, topics, acks: gate, log: createLogger('test'), reconnectPeriod: 100,
    onMessage: (topic, payload) => (topic.endsWith('/metrics') && received.push(payload.toString()), true),
  });
}

const agent = (rig: AuthRig, host: string): ReturnType<typeof floodingAgent> => floodingAgent(rig, host, MESSAGES);

test('past the window, publishes wait at the agent; the ingest is not cut; once it acknowledges, everything arrives in order', async () => {
  const rig = await startAuthRig({ ingestWindow: WINDOW, maxClientBacklog: 65_536 });
  const gate = manualGate();
  const received: string[] = [];
  const consumer = ingest(rig, gate, received);
  await consumer.ready();
  const web1 = await agent(rig, 'web1');
  const all = web1.publishAll();

  await waitFor('the window filled', () => received.length >= WINDOW);
  await sleep(500);
  const stats = rig.broker.stats();
  assert.is(received.length, WINDOW, 'the ingest got exactly its window, nothing more');
  assert.ok(web1.acked() <= WINDOW, `the agent's publishes past the window are not acknowledged (${web1.acked()})`);
  assert.ok(stats.publishesWaiting > 0 && stats.ingestWaits > 0, JSON.stringify(stats));
  assert.ok(stats.ingestBacklog <= WINDOW, `backlog ${stats.ingestBacklog}`);
  assert.ok(stats.sessionQueued.messages <= WINDOW, `session queue ${stats.sessionQueued.messages}`);
  assert.is(stats.slowClientsCut, 0);
  assert.ok(consumer.connected());

  gate.release();
  await all;
  await waitFor('every message', () => received.length === MESSAGES);
  assert.equal(received.map((r) => (JSON.parse(r) as { seq: number }).seq), Array.from({ length: MESSAGES }, (_, i) => i), 'in order, none twice');
  assert.is(rig.broker.stats().slowClientsCut, 0);
  await consumer.close();
  await rig.close();
});

test('with no ingest connected nothing waits; when it leaves, what waited goes to its session queue and reaches it on return', async () => {
  const rig = await startAuthRig({ ingestWindow: WINDOW });
  const gate = manualGate();
  const received: string[] = [];
  let consumer = ingest(rig, gate, received);
  await consumer.ready();
  const web2 = await agent(rig, 'web2');
  const all = web2.publishAll();
  await waitFor('the window filled', () => received.length >= WINDOW);
  await sleep(300);
  assert.ok(web2.acked() < MESSAGES);

  await consumer.close(); // unacknowledged: they stay in its persistent session
  await all; // nothing waits for an ingest that is away
  assert.is(web2.acked(), MESSAGES);
  assert.is(rig.broker.stats().publishesWaiting, 0);
  // Aedes acknowledges a QoS 1 publish before it hands it on: the last ones reach the queue just after.
  await waitFor('everything unacknowledged queued for the ingest', () => rig.broker.stats().sessionQueued.messages === MESSAGES);

  const after: string[] = [];
  const again = manualGate();
  again.release();
  consumer = ingest(rig, again, after);
  await waitFor('the queue replayed', () => after.length === MESSAGES);
  assert.equal(after.map((r) => (JSON.parse(r) as { seq: number }).seq), Array.from({ length: MESSAGES }, (_, i) => i));
  await waitFor('acknowledged', () => rig.broker.stats().sessionQueued.messages === 0);
  await consumer.close();
  await rig.close();
});

test.run();
