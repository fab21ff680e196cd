import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoundedQueue } from '../../agent/queue.js';

const drain = <T>(q: BoundedQueue<T>): T[] => {
  const out: T[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
  return out;
};

test('keeps the newest `capacity` items in order and counts the dropped ones', () => {
  const q = new BoundedQueue<number>(3);
  for (let i = 0; i < 10; i += 1) q.push(i);
  assert.is(q.length, 3);
  assert.is(q.dropped, 7);
  assert.equal(drain(q), [7, 8, 9]);
});

test('grows past its initial storage and wraps around', () => {
  const q = new BoundedQueue<number>(5000);
  for (let i = 0; i < 3000; i += 1) q.push(i);
  for (let i = 0; i < 1000; i += 1) q.shift();
  for (let i = 3000; i < 7000; i += 1) q.push(i);
  assert.is(q.dropped, 1000);
  const items = drain(q);
  assert.is(items.length, 5000);
  assert.is(items[0], 2000);
  assert.ok(items.every((v, i) => v === 2000 + i));
});

test('capacity 0 keeps nothing and counts everything', () => {
  const q = new BoundedQueue<number>(0);
  q.push(1);
  q.push(2);
  assert.is(q.length, 0);
  assert.is(q.dropped, 2);
  assert.is(q.shift(), undefined);
});

test.run();
