import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodePayload, jsonNestingExceeds, MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH, tooDeep, validatePayload } from '../../protocol/payloads.js';
import { describeValue } from '../../core/schema-error.js';
import { flattenMetrics } from '../../protocol/metric-series.js';
import type { MetricsPayload } from '../../protocol/payloads.js';

const now = Date.now();
const metrics = (): MetricsPayload => ({
  v: 1,
  ts: now,
  cpu: { usage: 12.5, load1: 0.5, load5: 0.4, load15: 0.3, iowait: 0.1, cores: 4 },
  mem: { total: 8 * 2 ** 30, used: 2 * 2 ** 30, available: 6 * 2 ** 30, usedPercent: 25 },
  swap: { total: 0, used: 0, usedPercent: 0 },
  disks: [{ mount: '/', fs: 'ext4', total: 100e9, used: 40e9, free: 60e9, usedPercent: 40 }],
  net: [{ iface: 'eth0', rxRate: 1200.5, txRate: 300 }],
  temperature: { cpu: 48.5 },
  uptime: 3600,
  processes: 210,
});

const expectError = (kind: 'metrics' | 'status' | 'info' | 'services', value: unknown, pattern: RegExp): void => {
  const r = validatePayload(kind, value);
  assert.is(r.ok, false, JSON.stringify(value).slice(0, 80));
  if (!r.ok) assert.match(r.error, pattern);
};

test('a realistic metrics payload is valid; unknown extra fields are kept', () => {
  const value = { ...metrics(), extra: { future: true } };
  const r = decodePayload('metrics', JSON.stringify(value));
  assert.ok(r.ok);
  if (r.ok) assert.equal((r.value as unknown as { extra: unknown }).extra, { future: true });
});

test('groups are optional: a sample with only cpu is valid', () => {
  assert.ok(validatePayload('metrics', { v: 1, ts: now, cpu: metrics().cpu }).ok);
});

test('wrong types are rejected with the field named', () => {
  expectError('metrics', { ...metrics(), cpu: { ...metrics().cpu, usage: '12' } }, /^metrics\.cpu\.usage: /);
  expectError('metrics', { ...metrics(), ts: 'yesterday' }, /^metrics\.ts: /);
  expectError('metrics', { ...metrics(), v: 2 }, /^metrics\.v: /);
  expectError('metrics', [], /metrics/);
});

test('NaN, Infinity and absurd values are rejected', () => {
  expectError('metrics', { ...metrics(), cpu: { ...metrics().cpu, usage: Number.NaN } }, /cpu\.usage/);
  // JSON has no NaN; 1e999 parses to Infinity
  const r = decodePayload('metrics', JSON.stringify(metrics()).replace('"uptime":3600', '"uptime":1e999'));
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.error, /uptime.*Infinity/);
  expectError('metrics', { ...metrics(), cpu: { ...metrics().cpu, usage: 250 } }, /cpu\.usage/);
  expectError('metrics', { ...metrics(), ts: 32503680000000 }, /ts/); // year 3000
});

test('negative and fractional sizes are rejected', () => {
  expectError('metrics', { ...metrics(), mem: { ...metrics().mem!, used: -1 } }, /mem\.used/);
  expectError('metrics', { ...metrics(), mem: { ...metrics().mem!, total: 1.5 } }, /mem\.total/);
  expectError('metrics', { ...metrics(), disks: [{ ...metrics().disks![0]!, free: -5 }] }, /disks\.0\.free/);
  expectError('metrics', { ...metrics(), net: [{ iface: 'eth0', rxRate: -1, txRate: 0 }] }, /net\.0\.rxRate/);
});

test('oversized and non-JSON payloads are rejected before parsing', () => {
  const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
  const r = decodePayload('metrics', big);
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.error, /exceeds/);
  const bad = decodePayload('status', Buffer.from('{"v":1,'));
  assert.is(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /not valid JSON/);
});

test('status, info and services schemas', () => {
  assert.ok(validatePayload('status', { v: 1, state: 'online', reason: 'connected', agent: '0.1.0', interval: 5 }).ok);
  expectError('status', { v: 1, state: 'maybe', reason: '', agent: '', interval: 5 }, /status\.state/);
  assert.ok(validatePayload('services', { v: 1, ts: now, services: [{ name: 'ssh.service', state: 'running', enabled: true }] }).ok);
  expectError('services', { v: 1, ts: now, services: [{ name: 'x', state: 'exploded', enabled: null }] }, /services\.services\.0\.state/);
  expectError('info', { v: 1, ts: now }, /^info\./);
});

test('flattenMetrics yields one point per series with keys for disks and interfaces', () => {
  const points = flattenMetrics(metrics());
  const find = (metric: string, key = '') => points.find((p) => p.metric === metric && p.key === key)?.value;
  assert.is(find('cpu.usage'), 12.5);
  assert.is(find('disk.usedPercent', '/'), 40);
  assert.is(find('net.rxRate', 'eth0'), 1200.5);
  assert.is(find('temperature.cpu'), 48.5);
  assert.is(find('processes'), 210);
  assert.is(points.filter((p) => p.metric === 'temperature.cpu').length, 1);
  assert.is(flattenMetrics({ v: 1, ts: now, temperature: { cpu: null } }).length, 0);
});

test('deep nesting is refused before validation, naming the field; describeValue never overflows (issue 10, item 7)', () => {
  const deep = `{"v":1,"ts":1,"disks":[{"mount":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`;
  const r = decodePayload('metrics', deep);
  assert.is(r.ok, false);
  assert.match(r.ok ? '' : r.error, /^metrics\.disks\.0\.mount\.0\.0\.0\.0\.0\.…: nested deeper than 32 levels/);
  const nested: unknown[] = [];
  let cur = nested;
  for (let i = 0; i < 100_000; i++) cur.push((cur = []));
  assert.is(describeValue(nested), '[[[[…]]]]');
  assert.is(describeValue({ a: 'x'.repeat(100_000) }).length, 40);
  assert.is(describeValue(250), '250');
  // A payload exactly at the bound is still validated normally (an error about the schema, not depth).
  const atBound = `{"v":1,"ts":${Date.now()},"cpu":${'['.repeat(MAX_PAYLOAD_DEPTH - 1)}${']'.repeat(MAX_PAYLOAD_DEPTH - 1)}}`;
  const b = decodePayload('metrics', atBound);
  assert.ok(!b.ok && b.error.startsWith('metrics.cpu') && !b.error.includes('nested'), b.ok ? '' : b.error);
});

test('the text scan that spares the depth walk agrees with it: brackets in strings and escaped quotes do not count', () => {
  const hostile = { mount: `${'['.repeat(100)}"\\"{{{`, nested: [[{ a: '\\"]]]' }]] };
  assert.is(jsonNestingExceeds(JSON.stringify(hostile), 4), false);
  assert.is(tooDeep(hostile, 4), null);
  const inString = decodePayload('metrics', JSON.stringify({ v: 1, ts: Date.now(), disks: [{ mount: `/${'['.repeat(60)}`, fs: 'x', total: 1, used: 1, free: 0, usedPercent: 100 }] }));
  assert.ok(inString.ok, inString.ok ? '' : inString.error);
  // Random shapes: both say the same for every bound.
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  const build = (depth: number): unknown => {
    if (depth === 0 || rand(4) === 0) return rand(2) === 0 ? 'x"]}[{\\' : rand(100);
    const n = 1 + rand(3);
    return rand(2) === 0 ? Array.from({ length: n }, () => build(depth - 1)) : Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}[`, build(depth - 1)]));
  };
  for (let i = 0; i < 300; i++) {
    const value = build(1 + rand(12));
    for (const max of [1, 3, 6, 10]) assert.is(jsonNestingExceeds(JSON.stringify(value), max), tooDeep(value, max) !== null, `shape ${i}, max ${max}`);
  }
});

test.run();
