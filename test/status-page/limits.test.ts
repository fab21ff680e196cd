import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRenderCache } from '../../status-page/cache.js';
import { createRateLimiter } from '../../status-page/rate-limit.js';
import { esc } from '../../status-page/render.js';

/** The public page's rate limit and cache on an injected clock, and its escaping. */

test('rate limit: `limit` per window per address, then the seconds left; a new window starts afresh', () => {
  let now = 1_000_000;
  const limiter = createRateLimiter({ limit: 3, windowMs: 60_000, clock: { now: () => now } });
  assert.equal([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 0]);
  assert.is(limiter.take('a'), 60);
  assert.is(limiter.take('b'), 0, 'another address has its own budget');
  now += 45_500;
  assert.is(limiter.take('a'), 15);
  now += 15_000;
  assert.is(limiter.take('a'), 0);
});

test('rate limit table stays bounded', () => {
  let now = 0;
  const limiter = createRateLimiter({ limit: 1, windowMs: 1000, clock: { now: () => now }, maxClients: 10 });
  for (let i = 0; i < 100; i++) limiter.take(`c${i}`);
  now += 10;
  assert.is(limiter.take('c99'), 1, 'the newest are remembered');
});

test('cache: one build per period and key; concurrent misses share it; clear() forgets', async () => {
  let now = 0;
  let builds = 0;
  const cache = createRenderCache({ ttlMs: 30_000, clock: { now: () => now } });
  const build = async (): Promise<string> => `v${++builds}`;
  assert.equal(await Promise.all([cache.get('k', build), cache.get('k', build)]), ['v1', 'v1']);
  now += 29_999;
  assert.is(await cache.get('k', build), 'v1');
  assert.is(await cache.get('other', build), 'v2');
  now += 1;
  assert.is(await cache.get('k', build), 'v3', 'expired');
  cache.clear();
  assert.is(await cache.get('k', build), 'v4');
});

test('escaping covers what HTML and attributes need', () => {
  assert.is(esc(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test.run();
