import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackoff } from '../../agent/backoff.js';

test('doubles from min to max and resets', () => {
  const b = createBackoff(1, 10);
  assert.equal([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 8000, 10_000, 10_000]);
  b.reset();
  assert.is(b.next(), 1000);
});

test('max below min waits min', () => {
  const b = createBackoff(5, 1);
  assert.equal([b.next(), b.next()], [5000, 5000]);
});

test.run();
