/** Check validation without a server: defaults, the per-kind rules, the default runner, hostile input. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateCheck } from '../../checks/validate.js';

const opts = { defaultRunner: 'the-box' };
const fieldsOf = (raw: unknown, o = opts) => {
  const r = validateCheck(raw, o);
  return r.ok ? [] : r.fields.map((f) => f.field);
};

test('defaults: every kind gets its options filled; the box runs it', () => {
  const dns = validateCheck({ id: 'd', kind: 'dns', target: 'example.org', name: 'D' }, opts);
  assert.ok(dns.ok);
  if (!dns.ok) return;
  assert.equal([dns.value.dns, dns.value.runners, dns.value.trace], [{ type: 'A' }, ['the-box'], true]);
  const ping = validateCheck({ id: 'p', kind: 'ping', target: '192.168.1.1', name: 'P' }, opts);
  assert.ok(ping.ok && ping.value.ping?.count === 3);
  const http = validateCheck({ id: 'h', kind: 'http', target: 'http://[::1]:8080/x', name: 'H' }, opts);
  assert.ok(http.ok && http.value.http?.method === 'GET' && http.value.http.maxRedirects === 5);
  const v6 = validateCheck({ id: 't', kind: 'tcp', target: '::1', port: 22, name: 'T' }, opts);
  assert.ok(v6.ok);
});

test('without a local agent, runners are required and the error says why', () => {
  const r = validateCheck({ id: 'x', kind: 'ping', target: 'example.org', name: 'X' }, { defaultRunner: null });
  assert.not.ok(r.ok);
  if (r.ok) return;
  assert.is(r.fields[0]!.field, 'runners');
  assert.match(r.fields[0]!.message, /no local agent/);
});

test('per-kind rules', () => {
  assert.equal(fieldsOf({ id: 'x', kind: 'http', target: 'https://example.org/', name: 'X', port: 443 }), ['port']);
  assert.equal(fieldsOf({ id: 'x', kind: 'http', target: 'https://example.org/', name: 'X', http: { keyword: { text: '(', regex: true } } }), ['http.keyword.text']);
  assert.equal(fieldsOf({ id: 'x', kind: 'http', target: 'https://example.org/', name: 'X', http: { json: { path: '$.a', op: '==' } } }), ['http.json.value']);
  assert.equal(fieldsOf({ id: 'x', kind: 'tcp', target: 'a b', name: 'X', port: 1 }), ['target']);
  assert.equal(fieldsOf({ id: 'x', kind: 'ping', target: 'h', name: 'X', ping: { count: 3 }, dns: { type: 'A' } }), ['dns']);
  assert.equal(fieldsOf({ id: 'x', kind: 'dns', target: 'h.example', name: 'X', dns: { type: 'SRV' } }), ['dns.type']);
  assert.equal(fieldsOf({ id: 'x', kind: 'ping', target: 'h', name: 'X', alerting: { latency: { warning: 0.2, critical: 0.2 } } }), [], 'critical may equal warning');
});

test('hostile input: not an object, deep nesting, a prefix names the item', () => {
  assert.equal(fieldsOf(null), ['(check)']);
  assert.equal(fieldsOf([1]), ['(check)']);
  let deep: unknown = 'x';
  for (let i = 0; i < 20_000; i += 1) deep = [deep];
  assert.ok(fieldsOf({ id: 'x', kind: 'ping', target: 'h', name: 'X', http: deep }).length > 0);
  const r = validateCheck({ id: 'x', kind: 'ping', target: 'h' }, opts, 'checks[4]');
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.fields[0]!.field, 'checks[4].name');
});

test.run();
