/**
 * LoginThrottle with a fake clock: free attempts, then waits that double,
 * then a lock; a per-address block with its window; names compared ignoring
 * case; memory bounded against floods of made-up names.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoginThrottle, type LoginThrottlePolicy } from '../../accounts/login-throttle.js';
import { MINUTE_MS, SECOND_MS } from '../../core/time.js';
import '../helpers/env.js';

const POLICY: LoginThrottlePolicy = { slowAfter: 3, lockAfter: 6, lockMs: 15 * MINUTE_MS, addressFailures: 20, addressWindowMs: 10 * MINUTE_MS };

function setup(policy: LoginThrottlePolicy = POLICY) {
  const clock = { t: 1_700_000_000_000, now() { return this.t; } };
  const throttle = new LoginThrottle(policy, clock);
  return { clock, throttle, advance: (ms: number) => (clock.t += ms) };
}

test('the first slowAfter failures are free; then each attempt waits 1 s, 2 s, 4 s', () => {
  const { throttle, advance } = setup();
  for (let i = 1; i <= 2; i += 1) {
    assert.equal(throttle.failure('alice', '10.0.0.1'), { failures: i, lockedUntil: null });
    assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: true }, `free after failure ${i}`);
  }
  for (const [i, wait] of [[3, 1000], [4, 2000], [5, 4000]] as const) {
    assert.equal(throttle.failure('alice', '10.0.0.1'), { failures: i, lockedUntil: null });
    assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: false, reason: 'slowed', retryAfterMs: wait }, `after failure ${i}`);
    advance(wait - 1);
    assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: false, reason: 'slowed', retryAfterMs: 1 });
    advance(1);
    assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: true }, `allowed after waiting ${wait} ms`);
  }
  assert.equal(throttle.check('bob', '10.0.0.1'), { allowed: true }, 'another account is not slowed');
});

test('lockAfter failures lock the account for lockMs; allowed again after, with a fresh count', () => {
  const { throttle, advance, clock } = setup();
  let last = { failures: 0, lockedUntil: null as number | null };
  for (let i = 0; i < POLICY.lockAfter; i += 1) {
    advance(10 * SECOND_MS); // past any wait
    last = throttle.failure('alice', '10.0.0.1');
  }
  assert.equal(last, { failures: POLICY.lockAfter, lockedUntil: clock.t + POLICY.lockMs });
  assert.equal(throttle.check('alice', '10.0.0.2'), { allowed: false, reason: 'locked', retryAfterMs: POLICY.lockMs }, 'from any address');
  advance(POLICY.lockMs - 1);
  assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: false, reason: 'locked', retryAfterMs: 1 });
  advance(1);
  assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: true });
  assert.equal(throttle.failure('alice', '10.0.0.1'), { failures: 1, lockedUntil: null }, 'a lock that ran out starts the count again');
  assert.equal(throttle.check('alice', '10.0.0.1'), { allowed: true });
});

test('reset (an admin unlock) lifts a lock at once', () => {
  const { throttle, advance } = setup();
  for (let i = 0; i < POLICY.lockAfter; i += 1) { advance(60 * SECOND_MS); throttle.failure('carol', '10.0.0.1'); }
  assert.is((throttle.check('carol', '10.0.0.1') as { reason?: string }).reason, 'locked');
  throttle.reset('Carol');
  assert.equal(throttle.check('carol', '10.0.0.1'), { allowed: true });
});

test('an address is blocked after addressFailures within the window, whatever the names; the window then resets', () => {
  const { throttle, advance, clock } = setup();
  const start = clock.t;
  for (let i = 0; i < POLICY.addressFailures; i += 1) {
    assert.equal(throttle.check(`name${i}`, '203.0.113.9'), { allowed: true }, `attempt ${i + 1} allowed`);
    throttle.failure(`name${i}`, '203.0.113.9');
    advance(1000);
  }
  const verdict = throttle.check('someone-new', '203.0.113.9');
  assert.equal(verdict, { allowed: false, reason: 'address', retryAfterMs: start + POLICY.addressWindowMs - clock.t });
  assert.equal(throttle.check('someone-new', '203.0.113.10'), { allowed: true }, 'another address is not blocked');
  advance(start + POLICY.addressWindowMs - clock.t - 1);
  assert.is((throttle.check('someone-new', '203.0.113.9') as { reason?: string }).reason, 'address', 'still blocked 1 ms before the window ends');
  advance(1);
  assert.equal(throttle.check('someone-new', '203.0.113.9'), { allowed: true }, 'allowed once the window passed');
  // A new window starts from one failure: the next addressFailures - 1 do not block.
  for (let i = 0; i < POLICY.addressFailures - 1; i += 1) throttle.failure(`other${i}`, '203.0.113.9');
  assert.equal(throttle.check('someone-new', '203.0.113.9'), { allowed: true });
  throttle.failure('last-straw', '203.0.113.9');
  assert.is((throttle.check('someone-new', '203.0.113.9') as { reason?: string }).reason, 'address');
});

test('names are compared ignoring case and surrounding spaces', () => {
  const { throttle } = setup();
  throttle.failure('Alice', '10.0.0.1');
  throttle.failure('ALICE', '10.0.0.2');
  assert.equal(throttle.failure(' alice ', '10.0.0.3'), { failures: 3, lockedUntil: null });
  assert.is((throttle.check('aLiCe', '10.0.0.4') as { reason?: string }).reason, 'slowed');
});

test('success clears the account but not the address', () => {
  const { throttle } = setup({ ...POLICY, addressFailures: 4 });
  for (let i = 0; i < 3; i += 1) throttle.failure('dave', '10.0.0.5');
  assert.is((throttle.check('dave', '10.0.0.6') as { reason?: string }).reason, 'slowed');
  throttle.success('DAVE');
  assert.equal(throttle.check('dave', '10.0.0.6'), { allowed: true }, 'the account record is cleared');
  assert.equal(throttle.failure('dave', '10.0.0.6'), { failures: 1, lockedUntil: null }, 'the count restarts');
  // 10.0.0.5 holds 3 failures; one more blocks it, success or not.
  throttle.failure('eve', '10.0.0.5');
  assert.is((throttle.check('dave', '10.0.0.5') as { reason?: string }).reason, 'address', 'the address keeps its failures');
});

test('memory is bounded: after more than 10,000 distinct names the oldest is forgotten', () => {
  const { throttle } = setup({ ...POLICY, slowAfter: 1, addressFailures: 1_000_000 });
  throttle.failure('first-victim', '10.0.0.1');
  assert.is((throttle.check('first-victim', '10.0.0.1') as { reason?: string }).reason, 'slowed', 'remembered before the flood');
  for (let i = 0; i < 9_999; i += 1) throttle.failure(`made-up-${i}`, '10.0.0.1');
  assert.is((throttle.check('first-victim', '10.0.0.1') as { reason?: string }).reason, 'slowed', 'still remembered at exactly 10,000 names');
  throttle.failure('one-too-many', '10.0.0.1');
  assert.equal(throttle.check('first-victim', '10.0.0.1'), { allowed: true }, 'the oldest name is forgotten');
  assert.is((throttle.check('made-up-0', '10.0.0.1') as { reason?: string }).reason, 'slowed', 'the next oldest is kept');
});

test('distinct addresses are bounded too', () => {
  const { throttle } = setup({ ...POLICY, addressFailures: 1 });
  throttle.failure('x', '198.51.100.1');
  assert.is((throttle.check('y', '198.51.100.1') as { reason?: string }).reason, 'address');
  for (let i = 0; i < 10_000; i += 1) throttle.failure('x', `addr-${i}`);
  assert.equal(throttle.check('y', '198.51.100.1'), { allowed: true }, 'the oldest address is forgotten');
});

test.run();
