/**
 * The queue the broker keeps for a persistent session while its client is
 * away is bounded (issue 10, item 10): past the bound new messages are not
 * queued, counted and logged once, and the client gets the oldest, in order,
 * when it comes back (agents send the rest again: broker/session-queue.ts).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { createBoundedPersistence } from '../../broker/session-queue.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function captureLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'warn', base: undefined }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  return { log, lines };
}

/** A persistent session subscribed to `vigie/+/metrics`, then away; `count` QoS 1 messages published meanwhile; what it gets back. */
async function awayWhile(brokerUrl: string, count: number, payloadBytes: number): Promise<number[]> {
  const away = await connectClient(brokerUrl, { clientId: 'vigie-ingest', clean: false });
  await away.subscribeAsync('vigie/+/metrics', { qos: 1 });
  await away.endAsync();
  const agent = await connectClient(brokerUrl, { clientId: 'vigie-agent-q' });
  const pad = 'x'.repeat(payloadBytes);
  for (let i = 0; i < count; i++) await agent.publishAsync('vigie/q/metrics', JSON.stringify({ n: i, pad }), { qos: 1 });
  await agent.endAsync();
  const received: number[] = [];
  const back = await connectClient(brokerUrl, { clientId: 'vigie-ingest', clean: false });
  back.on('message', (_t, payload) => received.push((JSON.parse(payload.toString()) as { n: number }).n));
  await waitFor('the queue to be delivered', () => received.length > 0);
  await sleep(500); // let the whole queue arrive
  await back.endAsync();
  return received;
}

test('past sessionQueue.maxMessages the newest messages of an absent session are not queued, counted and logged once', async () => {
  const { log, lines } = captureLog();
  const broker = await startTestBroker({ sessionQueue: { maxMessages: 100, maxBytes: 64 * 1024 * 1024 } }, { log });
  try {
    const received = await awayWhile(broker.url, 500, 10);
    assert.equal(received, Array.from({ length: 100 }, (_, i) => i), 'the first 100, in order, with no gap');
    assert.is(broker.stats().sessionQueueDropped, 400);
    assert.is(lines.filter((l) => /session queue full/.test(String(l.msg))).length, 1, 'logged once');
  } finally {
    await broker.close();
  }
});

test('past sessionQueue.maxBytes too', async () => {
  const broker = await startTestBroker({ sessionQueue: { maxMessages: 100_000, maxBytes: 100 * 1024 } });
  try {
    const received = await awayWhile(broker.url, 300, 1000);
    // ~1 KB each: at most ~100 fit in 100 KiB.
    assert.ok(received.length <= 102 && received.length >= 90, `${received.length} kept`);
    assert.equal(received, Array.from({ length: received.length }, (_, i) => i), 'the oldest, in order, with no gap');
    assert.is(broker.stats().sessionQueueDropped, 300 - received.length);
  } finally {
    await broker.close();
  }
});

test('under the bounds nothing is dropped', async () => {
  const broker = await startTestBroker({ sessionQueue: { maxMessages: 1000, maxBytes: 64 * 1024 * 1024 } });
  try {
    const received = await awayWhile(broker.url, 300, 10);
    assert.is(received.length, 300);
    assert.is(broker.stats().sessionQueueDropped, 0);
  } finally {
    await broker.close();
  }
});

test('one message never acknowledged at the front does not keep every later one in memory', async () => {
  const { log } = captureLog();
  const bounded = createBoundedPersistence({ limits: { maxMessages: 100_000, maxBytes: 1e9 }, log, onDrop: () => undefined });
  // Aedes's side of the persistence, as it calls it for a QoS 1 subscriber.
  type Packet = { topic: string; payload: Buffer; brokerId: string; brokerCounter: number; messageId?: number };
  const p = bounded as typeof bounded & {
    outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: Packet): Promise<void>;
    outgoingClearMessageId(client: { id: string }, packet: { messageId: number }): Promise<unknown>;
  };
  const sub = { clientId: 'vigie-ingest' };
  const client = { id: 'vigie-ingest' };
  const packet = (n: number): Packet => ({ topic: 'vigie/h/metrics', payload: Buffer.from(`{"n":${n}}`), brokerId: 'b', brokerCounter: n });
  // The first message is sent with id 1 and never acknowledged; 200,000 more flow through, 50 in flight, ids 2…65535 in turn.
  await p.outgoingEnqueue(sub, packet(0));
  await p.outgoingUpdate(client, { ...packet(0), messageId: 1 });
  const inFlight: number[] = [];
  let peak = 0;
  for (let n = 1; n <= 200_000; n++) {
    const id = 2 + ((n - 1) % 65_534);
    await p.outgoingEnqueue(sub, packet(n));
    await p.outgoingUpdate(client, { ...packet(n), messageId: id });
    inFlight.push(id);
    if (inFlight.length > 50) await p.outgoingClearMessageId(client, { messageId: inFlight.shift()! });
    peak = Math.max(peak, bounded.slots('vigie-ingest'));
  }
  assert.is(bounded.queued('vigie-ingest'), 51, 'the stuck one and the window');
  assert.ok(peak < 5_000, `slots held stay bounded: peak ${peak}`);
});

test.run();
