/** Rates from SNMP counters on fixture values: 32-bit wrap, 64-bit reset, device restart, Counter64 bytes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { counterDelta, counterRate, createCounterMemory, restarted } from '../../../agent/snmp/counters.js';
import { asCounter, asInteger, asNumber, asText, asUnsigned, compareOids, decodeCounter64, SNMP_TYPES } from '../../../agent/snmp/values.js';

const c32 = (n: number) => ({ value: BigInt(n), bits: 32 as const });
const c64 = (n: bigint) => ({ value: n, bits: 64 as const });

test('a Counter32 that went back wrapped once at 2^32', () => {
  assert.is(counterDelta(c32(4_294_967_000), c32(704)), 1000n);
  assert.is(counterRate(c32(4_294_967_000), c32(704), 10), 100);
  assert.is(counterDelta(c32(100), c32(300)), 200n);
});

test('a Counter64 that went back was reset: no rate, not 2^64', () => {
  assert.is(counterDelta(c64(10_000n), c64(5n)), undefined);
  assert.is(counterRate(c64(10_000n), c64(5n), 60), undefined);
  assert.is(counterRate(c64(2n ** 63n), c64(2n ** 63n + 6000n), 60), 100);
});

test('a counter that changed width, no elapsed time, or a rate above the bound gives no rate', () => {
  assert.is(counterDelta(c32(5), c64(10n)), undefined);
  assert.is(counterRate(c32(5), c32(10), 0), undefined);
  // A Counter32 reset mistaken for a wrap: ~4 GB in 60 s on a 10 Mb/s (1.25 MB/s) link, capped at 10× its speed.
  assert.is(counterRate(c32(4000), c32(10), 60, 1.25e6 * 10), undefined);
});

test('restart: sysUpTime going back is a restart, unless it wrapped at 2^32 ticks', () => {
  assert.is(restarted(500_000, 600_000, 1_000_000), false);
  assert.ok(restarted(500_000, 300, 60_000), 'uptime 5000 s → 3 s: rebooted');
  // 497 days of uptime: 2^32 - 1000 ticks, then 60 s later it reads 5000 ticks: a wrap.
  assert.is(restarted(4_294_966_296, 5_000, 60_000), false);
  assert.ok(restarted(4_294_966_296, 2_000_000_000, 60_000), 'far from where a wrap would land');
});

test('the counter memory: first poll and the poll after a restart give no rate, never a spike', () => {
  const m = createCounterMemory();
  m.begin(0, 100_000);
  assert.is(m.rate('if.1.rx', c64(1_000_000n)), undefined, 'first poll: nothing to compare with');
  m.end();
  m.begin(60_000, 106_000);
  assert.is(m.rate('if.1.rx', c64(1_600_000n)), 10_000);
  m.end();
  // Reboot: uptime back to 10 s, the counter restarted from near zero.
  m.begin(120_000, 1_000);
  assert.ok(m.restarted);
  assert.is(m.rate('if.1.rx', c64(5_000n)), undefined, 'no rate across a reboot');
  m.end();
  m.begin(180_000, 7_000);
  assert.is(m.restarted, false);
  assert.is(m.rate('if.1.rx', c64(65_000n)), 1000);
  m.end();
});

test('the counter memory: a poll that failed half-way does not move the time base; counters not read are forgotten', () => {
  const m = createCounterMemory();
  m.begin(0, 0);
  m.rate('a', c32(0));
  m.rate('b', c32(0));
  m.end();
  m.begin(30_000, 3_000); // this poll fails: no end()
  m.rate('a', c32(999_999));
  m.begin(60_000, 6_000);
  assert.is(m.rate('a', c32(60_000)), 1000, 'over 60 s from the last successful poll');
  m.end();
  m.begin(120_000, 12_000);
  assert.is(m.rate('b', c32(10)), undefined, 'b was not read in the previous poll');
  m.end();
});

test('Counter64 arrives as big-endian bytes (with a sign byte); bad lengths are refused', () => {
  assert.is(decodeCounter64(Buffer.from([0x01, 0x00])), 256n);
  assert.is(decodeCounter64(Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 2n ** 64n - 1n);
  assert.is(decodeCounter64(Buffer.from([0x01, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, 'above 2^64 - 1');
  assert.is(decodeCounter64(Buffer.alloc(10)), undefined);
  assert.is(decodeCounter64(Buffer.alloc(0)), undefined);
  assert.is(decodeCounter64('12'), undefined);
  assert.equal(asCounter({ oid: '1', type: SNMP_TYPES.Counter64, value: Buffer.from([0x12, 0x34]) }), { value: 0x1234n, bits: 64 });
  assert.is(asInteger({ oid: '1', type: SNMP_TYPES.Counter64, value: Buffer.from([0x12, 0x34]) }), 0x1234);
});

test('wrong varbind types give undefined, never a throw', () => {
  const vb = (type: number, value: unknown) => ({ oid: '1.3', type, value });
  assert.is(asInteger(vb(SNMP_TYPES.OctetString, Buffer.from('12'))), undefined);
  assert.is(asNumber(vb(SNMP_TYPES.OctetString, Buffer.from(' 0.42 '))), 0.42);
  assert.is(asNumber(vb(SNMP_TYPES.OctetString, Buffer.from('NaN'))), undefined);
  assert.is(asNumber(vb(SNMP_TYPES.NoSuchObject, null)), undefined);
  assert.is(asCounter(vb(SNMP_TYPES.Gauge32, 5)), undefined);
  assert.is(asCounter(vb(SNMP_TYPES.Counter32, -1)), undefined);
  assert.is(asText(vb(SNMP_TYPES.Integer, 5)), undefined);
  assert.is(asText(vb(SNMP_TYPES.OctetString, Buffer.from('eth0\u0000\u0007'))), 'eth0');
  assert.is(asUnsigned(vb(SNMP_TYPES.Integer, -2)), 4_294_967_294, 'an overflowed Integer32 read as unsigned');
  assert.is(asInteger(vb(SNMP_TYPES.Integer, 1.5)), undefined);
  assert.ok(compareOids('1.3.6.1.10', '1.3.6.1.9') > 0, 'arcs compare as numbers, not strings');
});

test.run();
