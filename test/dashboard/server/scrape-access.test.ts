/** prometheus.allow (issue 15, item 2): addresses and CIDR blocks, IPv4 and IPv6, and IPv4 peers seen through a dual-stack socket. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addressAllowed, parseAllowList } from '../../../dashboard/server/auth/scrape-access.js';

test('addresses and blocks, IPv4 and IPv6', () => {
  const list = parseAllowList(['192.168.1.0/24', '10.1.2.3', 'fd00::/8', '::1']);
  for (const a of ['192.168.1.1', '192.168.1.255', '10.1.2.3', 'fd12::5', '::1', '::ffff:192.168.1.9']) assert.ok(addressAllowed(list, a), a);
  for (const a of ['192.168.2.1', '10.1.2.4', 'fe80::1', '::2', '::ffff:10.1.2.4', '', undefined, 'not-an-address']) assert.not.ok(addressAllowed(list, a), String(a));
});

test('empty: nobody without a token; 0.0.0.0/0 and ::/0: everyone', () => {
  assert.not.ok(addressAllowed(parseAllowList([]), '127.0.0.1'));
  const all = parseAllowList(['0.0.0.0/0', '::/0']);
  assert.ok(addressAllowed(all, '203.0.113.7'));
  assert.ok(addressAllowed(all, '2001:db8::1'));
});

test('a bad entry is named with the expected form', () => {
  for (const [entries, at] of [[['10.0.0.0/33'], 0], [['127.0.0.1', '999.1.1.1'], 1], [['::1/129'], 0], [['1.2.3.4/8/8'], 0], [['1.2.3.4/x'], 0]] as const) {
    assert.throws(() => parseAllowList(entries), new RegExp(`prometheus\\.allow\\[${at}\\]: expected an IP address or a CIDR block`), entries.join(' '));
  }
});

test.run();
