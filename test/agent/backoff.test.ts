import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackoff } from '../../agent/backoff.js';

test('full jitter: attempt n waits random × min(cap, base · 2^n)', () => {
  let r = 0.999_999;
  const b = createBackoff(1, 5, () => r);
  // The envelope: 1, 2, 4, then capped at 5 s.
  assert.equal([b.next(), b.next(), b.next(), b.next(), b.next()], [999, 1999, 3999, 4999, 4999]);
  r = 0.5;
  assert.is(b.next(), 2500);
  r = 0;
  assert.is(b.next(), 0, 'full jitter goes down to 0');
  b.reset();
  r = 0.5;
  assert.is(b.next(), 500, 'reset starts from the base again');
});

test('the delays are spread uniformly under the envelope, never above the cap', () => {
  const b = createBackoff(1, 5);
  for (let i = 0; i < 5; i += 1) b.next(); // past the doubling: every draw is under the 5 s cap
  const draws = Array.from({ length: 20_000 }, () => b.next());
  assert.ok(draws.every((d) => d >= 0 && d < 5000), 'within [0, cap)');
  const mean = draws.reduce((a, d) => a + d, 0) / draws.length;
  assert.ok(Math.abs(mean - 2500) < 60, `mean ${mean} ≈ cap / 2`);
  // Ten 500 ms bins each hold about a tenth: 500 agents do not come back in lock-step.
  const bins = new Array<number>(10).fill(0);
  for (const d of draws) bins[Math.floor(d / 500)]! += 1;
  assert.ok(bins.every((n) => Math.abs(n - 2000) < 250), `bins ${bins.join(',')}`);
});

test('a cap below the base waits at most the base', () => {
  const b = createBackoff(5, 1, () => 0.999_999);
  assert.equal([b.next(), b.next()], [4999, 4999]);
});

test.run();
