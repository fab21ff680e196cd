import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../core/time.js';
import { MAX_BUCKETS, chooseTier, deleteBefore } from '../../../ingest/store/tiers.js';

const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const now = Date.UTC(2025, 5, 15, 12, 34, 56);
const q = (span: number, step: number) => ({ from: now - span, to: now, step });

test('short ranges with fine steps read raw samples', () => {
  assert.equal(chooseTier(q(15 * MINUTE_MS, 2 * SECOND_MS), now, retention), { tier: 'raw', step: 2 * SECOND_MS });
  assert.equal(chooseTier(q(HOUR_MS, 10 * SECOND_MS), now, retention), { tier: 'raw', step: 10 * SECOND_MS });
  // Under a minute, only raw has buckets that fine: the step is kept exactly.
  assert.equal(chooseTier(q(47 * HOUR_MS, 37 * SECOND_MS), now, retention).tier, 'raw');
});

test('steps of a minute or more within 30 days read 1-minute rollups', () => {
  assert.equal(chooseTier(q(DAY_MS, 4 * MINUTE_MS), now, retention), { tier: '1m', step: 4 * MINUTE_MS });
  assert.equal(chooseTier(q(7 * DAY_MS, 30 * MINUTE_MS), now, retention), { tier: '1m', step: 30 * MINUTE_MS });
  // A step that is not whole minutes is rounded up so buckets hold whole rollup rows.
  assert.equal(chooseTier(q(DAY_MS, 90 * SECOND_MS), now, retention), { tier: '1m', step: 2 * MINUTE_MS });
});

test('steps of an hour or more, or ranges past 30 days, read 1-hour rollups', () => {
  assert.equal(chooseTier(q(30 * DAY_MS, 2 * HOUR_MS), now, retention), { tier: '1h', step: 2 * HOUR_MS });
  assert.equal(chooseTier(q(100 * DAY_MS, 6 * HOUR_MS), now, retention).tier, '1h');
  // Older than the 1m retention with a fine step: 1h is the only tier that still has it.
  assert.equal(chooseTier(q(60 * DAY_MS, MINUTE_MS), now, retention).tier, '1h');
  // Older than every retention: 1h still answers (with what is left).
  assert.equal(chooseTier(q(500 * DAY_MS, DAY_MS), now, retention).tier, '1h');
});

test('a range starting past raw retention cannot read raw, whatever the step', () => {
  const r = chooseTier(q(3 * DAY_MS, SECOND_MS), now, retention);
  assert.is(r.tier, '1m');
  assert.is(r.step % MINUTE_MS, 0);
});

test('the step is widened to keep the answer under MAX_BUCKETS', () => {
  const r = chooseTier(q(DAY_MS, SECOND_MS), now, retention);
  assert.is(r.tier, 'raw');
  assert.ok(DAY_MS / r.step <= MAX_BUCKETS, `step ${r.step} gives ${DAY_MS / r.step} buckets`);
});

test('retention bounds are whole hours, never later than the configured age', () => {
  const b = deleteBefore(now, retention);
  for (const [tier, seconds] of [['raw', retention.raw], ['1m', retention.minute], ['1h', retention.hour]] as const) {
    assert.is(b[tier] % HOUR_MS, 0, tier);
    assert.ok(b[tier] <= now - seconds * 1000 && b[tier] > now - seconds * 1000 - HOUR_MS, tier);
  }
});

test.run();
