import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChannel, type ChannelConfig } from '../../notify/channel-config.js';
import { retryAfterMs } from '../../notify/http.js';
import { backoffMs, routes } from '../../notify/routing.js';
import { notice, resolvedNotice } from './helpers.js';

const channel = (fields: Record<string, unknown> = {}): ChannelConfig => {
  const r = parseChannel({ id: 1, type: 'webhook', name: 'w', url: 'https://example.com/x', ...fields });
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

test('routes: severity, groups, sendResolved, enabled, reminders only where asked', () => {
  const warning = notice({ severity: 'warning' });
  assert.ok(routes(channel(), warning));
  assert.not.ok(routes(channel({ minSeverity: 'critical' }), warning));
  assert.ok(routes(channel({ minSeverity: 'critical' }), resolvedNotice({ severity: 'critical' })));
  assert.ok(routes(channel({ groups: ['db', 'web'] }), warning));
  assert.not.ok(routes(channel({ groups: ['db'] }), warning));
  assert.not.ok(routes(channel({ groups: ['db'] }), notice({ groups: [] })));
  assert.not.ok(routes(channel({ sendResolved: false }), resolvedNotice()));
  assert.not.ok(routes(channel({ enabled: false }), warning));
  assert.not.ok(routes(channel(), notice({ kind: 'repeat' })));
  assert.ok(routes(channel({ repeatMinutes: 60 }), notice({ kind: 'repeat' })));
});

test('backoff: doubles from baseMs with equal jitter, capped, and Retry-After wins when longer', () => {
  const retry = { baseMs: 1000, maxMs: 10_000 };
  assert.equal([1, 2, 3, 4, 5].map((a) => backoffMs(a, retry, null, () => 0)), [500, 1000, 2000, 4000, 5000]);
  assert.equal([1, 2, 3, 4, 5].map((a) => backoffMs(a, retry, null, () => 1)), [1000, 2000, 4000, 8000, 10_000]);
  assert.is(backoffMs(1, retry, 7000, () => 0), 7000);
  assert.is(backoffMs(1, retry, 60_000, () => 0), 10_000, 'capped at maxMs');
  assert.is(backoffMs(3, retry, 10, () => 1), 4000, 'a shorter Retry-After does not shorten the backoff');
});

test('Retry-After: seconds, HTTP date, or Discord/Telegram JSON bodies', () => {
  assert.is(retryAfterMs('3'), 3000);
  const inFive = new Date(Date.now() + 5000).toUTCString();
  const fromDate = retryAfterMs(inFive) ?? 0;
  assert.ok(fromDate > 3000 && fromDate <= 5000, String(fromDate));
  assert.is(retryAfterMs(null, '{"message":"You are being rate limited.","retry_after":1.5,"global":false}'), 1500);
  assert.is(retryAfterMs(null, '{"ok":false,"error_code":429,"parameters":{"retry_after":7}}'), 7000);
  assert.is(retryAfterMs(null, 'slow down'), null);
});

test.run();
