/**
 * While publishers wait for the ingest (an overload), a server process lets
 * its old generation grow further (core/heap.ts OverloadHeap): each suite
 * runs in its own process, so this one tunes its heap as a server does.
 * Real broker, a real agent's connection, the store's commits held by hand.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  followOverload, heapGrowingPercent, OVERLOAD_HEAP_GROWING_PERCENT, OVERLOAD_HEAP_HOLD_MS, OverloadHeap, SERVER_HEAP_GROWING_PERCENT, tuneServerHeap,
} from '../../core/heap.js';
import { createLogger } from '../../core/logger.js';
import { startLocalConsumer } from '../../ingest/local-consumer.js';
import { createTopics } from '../../protocol/topics.js';
import { waitFor } from '../helpers/env.js';
import { floodingAgent, manualGate } from './flow-helpers.js';
import { startAuthRig } from './rig.js';

test('the growing percent rises when a publish waits and comes back once none has for the hold time', () => {
  const policy = new OverloadHeap();
  assert.is(policy.update(false, 0), SERVER_HEAP_GROWING_PERCENT);
  assert.is(policy.update(true, 1000), OVERLOAD_HEAP_GROWING_PERCENT);
  assert.is(policy.update(false, 1000 + OVERLOAD_HEAP_HOLD_MS - 1), OVERLOAD_HEAP_GROWING_PERCENT, 'held, not flipped every second');
  assert.is(policy.update(true, 2000 + OVERLOAD_HEAP_HOLD_MS), OVERLOAD_HEAP_GROWING_PERCENT);
  assert.is(policy.update(false, 2000 + 2 * OVERLOAD_HEAP_HOLD_MS), SERVER_HEAP_GROWING_PERCENT);
  assert.ok(OVERLOAD_HEAP_GROWING_PERCENT > SERVER_HEAP_GROWING_PERCENT);
});

test('in a server process, a broker whose ingest is full raises the growing percent; closing it puts the server\'s back', async () => {
  assert.equal(followOverload(() => 1)(), undefined, 'before tuneServerHeap (a test, a tool): nothing to follow');
  tuneServerHeap();
  assert.is(heapGrowingPercent(), SERVER_HEAP_GROWING_PERCENT);
  const rig = await startAuthRig({ ingestWindow: 5, maxClientBacklog: 65_536 });
  const gate = manualGate();
  const consumer = startLocalConsumer({ link: rig.broker.ingestLink(), topics: createTopics('vigie'), acks: gate, log: createLogger('test'), onMessage: () => true });
  await consumer.ready();
  const agent = await floodingAgent(rig, 'web1', 50);
  const sent = agent.publishAll();
  await waitFor('publishes waiting for the ingest', () => rig.broker.stats().publishesWaiting > 0);
  // Checked once a second: room for a busy machine.
  await waitFor('the overload growing percent', () => heapGrowingPercent() === OVERLOAD_HEAP_GROWING_PERCENT, 10_000);
  gate.release();
  await sent;
  await consumer.close();
  await rig.close();
  assert.is(heapGrowingPercent(), SERVER_HEAP_GROWING_PERCENT);
});

test('followed with a clock: back to the server\'s percent once no publish waited for the hold time', async () => {
  tuneServerHeap();
  let waits = 0;
  let now = 1_000_000;
  const stop = followOverload(() => waits, { now: () => now });
  waits += 3;
  await waitFor('raised', () => heapGrowingPercent() === OVERLOAD_HEAP_GROWING_PERCENT, 10_000);
  now += OVERLOAD_HEAP_HOLD_MS / 2;
  await new Promise((r) => setTimeout(r, 1500));
  assert.is(heapGrowingPercent(), OVERLOAD_HEAP_GROWING_PERCENT, 'within the hold time');
  now += OVERLOAD_HEAP_HOLD_MS;
  await waitFor('back', () => heapGrowingPercent() === SERVER_HEAP_GROWING_PERCENT, 10_000);
  stop();
});

test.run();
