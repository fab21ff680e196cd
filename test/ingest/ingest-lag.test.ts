/**
 * The ingest's lag (ingest/ingest-lag.ts): the queueing delay every host's
 * samples share, apart from each agent's clock offset, one agent replaying its
 * buffer, or a stepped clock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BASELINE_WINDOW_MS, createIngestLag } from '../../ingest/ingest-lag.js';

function rig() {
  let now = 1_700_000_000_000;
  const lag = createIngestLag({ clock: { now: () => now } });
  return { lag, at: (t: number) => (now = t), now: () => now };
}

test('no lag while samples arrive on time, whatever each agent clock offset', () => {
  const { lag, at, now } = rig();
  const offsets = { a: 0, b: -90_000, c: 3_000 }; // b is 90 s behind, c 3 s ahead
  for (let t = 0; t < 10_000; t += 500) {
    at(now() + 500);
    for (const [host, offset] of Object.entries(offsets)) lag.observe(host, now() + offset - 5, now());
  }
  assert.is(lag.lagMs(), 0);
});

test('a backlog delaying every host shows as lag, and it ends when the ingest catches up', () => {
  const { lag, at, now } = rig();
  const hosts = ['a', 'b', 'c'];
  for (let t = 0; t < 5_000; t += 500) {
    at(now() + 500);
    for (const h of hosts) lag.observe(h, now() - 10, now());
  }
  // Now every sample reaches the ingest 4 s after it was taken.
  for (let t = 0; t < 3_000; t += 100) {
    at(now() + 100);
    for (const h of hosts) lag.observe(h, now() - 4_010, now());
  }
  assert.is(lag.lagMs(), 4_000);
  for (let t = 0; t < 3_000; t += 100) {
    at(now() + 100);
    for (const h of hosts) lag.observe(h, now() - 10, now());
  }
  assert.is(lag.lagMs(), 0, 'caught up');
});

test('one agent replaying its buffer or with a clock stepped back is not the ingest lagging', () => {
  const { lag, at, now } = rig();
  for (let t = 0; t < 5_000; t += 500) {
    at(now() + 500);
    lag.observe('a', now() - 10, now());
    lag.observe('b', now() - 10, now());
  }
  for (let t = 0; t < 2_000; t += 100) {
    at(now() + 100);
    lag.observe('a', now() - 10, now());
    lag.observe('b', now() - 600_000, now()); // b sends samples 10 minutes old
  }
  assert.is(lag.lagMs(), 0);
});

test('silence is no lag, and a moved agent clock is learnt again within two windows', () => {
  const { lag, at, now } = rig();
  lag.observe('a', now() - 10, now());
  at(now() + 2_500);
  assert.is(lag.lagMs(), 0, 'nothing in the last two seconds');
  // The agent clock steps 30 s back: its samples look 30 s late until its baseline is learnt again.
  at(now() + 100);
  lag.observe('a', now() - 30_010, now());
  assert.is(lag.lagMs(), 30_000);
  for (let t = 0; t <= 2 * BASELINE_WINDOW_MS; t += 5_000) {
    at(now() + 5_000);
    lag.observe('a', now() - 30_010, now());
  }
  assert.is(lag.lagMs(), 0);
  lag.forget('a');
  at(now() + 5_000);
  lag.observe('a', now() - 50_000, now());
  assert.is(lag.lagMs(), 0, 'a forgotten host starts from its first sample');
});

test.run();
