/** The broker's message queue drains a long backlog without overflowing the stack. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMessageQueue } from '../../broker/message-queue.js';
import { waitFor } from '../helpers/env.js';

test('a backlog of 20,000 messages nobody subscribes to drains completely, in order', async () => {
  const mq = createMessageQueue(1);
  // One slow delivery holds the only slot, so everything after it queues.
  let release: () => void = () => {};
  mq.on('slow', (_message, done) => {
    release = done;
  });
  mq.emit({ topic: 'slow' });
  const TOTAL = 20_000; // plain mqemitter overflows the stack at 5,000
  const completed: number[] = [];
  for (let i = 0; i < TOTAL; i++) mq.emit({ topic: 'nobody/listens', i }, () => completed.push(i));
  assert.is(completed.length, 0, 'queued behind the slow delivery');
  // Completing it starts the queue; with no listener each completion is synchronous.
  release();
  await waitFor('every queued message completed', () => completed.length === TOTAL, 10_000);
  assert.ok(completed.every((v, i) => v === i), 'in order');
});

test('messages with listeners are still delivered to them', async () => {
  const mq = createMessageQueue();
  const got: string[] = [];
  mq.on('a/+', (message, done) => {
    got.push(message.topic);
    done();
  });
  for (let i = 0; i < 500; i++) mq.emit({ topic: `a/${i}` });
  await waitFor('all delivered', () => got.length === 500, 5000);
});

test.run();
