/**
 * devices/validate.ts: defaults from the protocol's DeviceSpec, the rules
 * across fields, and the secrets a replacement keeps or must have typed again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeviceDefinition } from '../../devices/definition.js';
import { validateDevice } from '../../devices/validate.js';

const current: DeviceDefinition = {
  id: 'fw', address: '192.0.2.1', port: 161, poller: 'agent-1', enabled: false, interval: 60, timeout: 5, retries: 1, custom: [],
  snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'stored-auth-1', privProtocol: 'aes', privKey: 'stored-priv-1' },
  createdAt: 1, updatedAt: 1, createdBy: null,
};

test('defaults: port 161, interval 60, timeout 5, retries 1, enabled, the default poller; label and groups left out are undefined', () => {
  const r = validateDevice({ id: 'sw', address: 'sw.lan', snmp: { version: '2c', community: 'ro' } }, { defaultPoller: 'box' });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.fields, { id: 'sw', address: 'sw.lan', port: 161, snmp: { version: '2c', community: 'ro' }, interval: 60, timeout: 5, retries: 1, custom: [], poller: 'box', enabled: true });
  assert.equal([r.value.label, r.value.groups], [undefined, undefined]);
  const blank = validateDevice({ id: 'sw', address: 'sw.lan', label: '  ', snmp: { version: '2c', community: 'ro' } }, { defaultPoller: 'box' });
  assert.ok(blank.ok && blank.value.label === null, 'a blank label is no label');
  const noPoller = validateDevice({ id: 'sw', address: 'sw.lan', snmp: { version: '2c', community: 'ro' } }, { defaultPoller: null });
  assert.ok(!noPoller.ok && noPoller.fields[0]!.field === 'poller' && /runs no local agent/.test(noPoller.fields[0]!.message));
});

test('a replacement keeps "********" and left-out secrets, the poller and the enabled flag; retyped ones replace them', () => {
  const kept = validateDevice({ id: 'fw', address: '192.0.2.1', snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha512', authKey: '********', privProtocol: 'aes' } }, { defaultPoller: 'box', current });
  assert.ok(kept.ok);
  if (!kept.ok) return;
  assert.equal(kept.value.fields.snmp, { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha512', authKey: 'stored-auth-1', privProtocol: 'aes', privKey: 'stored-priv-1' });
  assert.equal([kept.value.fields.poller, kept.value.fields.enabled], ['agent-1', false]);
  const whole = validateDevice({ id: 'fw', address: '192.0.2.1', enabled: true }, { defaultPoller: 'box', current });
  assert.ok(whole.ok && whole.value.fields.snmp.version === '3' && whole.value.fields.snmp.privKey === 'stored-priv-1' && whole.value.fields.enabled);
  const retyped = validateDevice({ id: 'fw', address: '192.0.2.9', snmp: { version: '3', user: 'vigie', level: 'authNoPriv', authProtocol: 'sha', authKey: 'new-auth-key' } }, { defaultPoller: 'box', current });
  assert.ok(retyped.ok && retyped.value.fields.snmp.version === '3' && retyped.value.fields.snmp.authKey === 'new-auth-key' && retyped.value.fields.snmp.privKey === undefined, 'authNoPriv: the stored privKey is not carried over');
});

test('a kept secret never follows a new address, version or user; a new device has none to keep', () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ id: 'fw', address: '192.0.2.2', snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha', authKey: '********', privProtocol: 'aes', privKey: 'new-priv-key' } }, 'snmp.authKey', /since address changed/],
    [{ id: 'fw', address: '192.0.2.1', snmp: { version: '3', user: 'root', level: 'authPriv', authProtocol: 'sha', authKey: 'new-auth-key', privProtocol: 'aes' } }, 'snmp.privKey', /since snmp.user changed/],
    [{ id: 'fw', address: '192.0.2.1', snmp: { version: '2c', community: '********' } }, 'snmp.community', /no stored community/],
    [{ id: 'fw', address: '192.0.2.7' }, 'snmp', /type the credentials again, since address changed/],
  ];
  for (const [body, field, message] of cases) {
    const r = validateDevice(body, { defaultPoller: 'box', current });
    assert.ok(!r.ok, JSON.stringify(body));
    if (r.ok) continue;
    assert.is(r.fields[0]!.field, field);
    assert.match(r.fields[0]!.message, message);
    assert.not.ok(JSON.stringify(r.fields).includes('stored-'), 'no stored secret in an error');
  }
  const fresh = validateDevice({ id: 'x', address: 'x.lan', snmp: { version: '2c', community: '********' } }, { defaultPoller: 'box' });
  assert.ok(!fresh.ok && fresh.fields[0]!.field === 'snmp.community');
});

test('hostile input: a clear error, never a throw', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 5000; i += 1) deep = { a: deep };
  const inputs = [null, 42, 'x', [], { id: 'x', address: 'x', snmp: deep }, { id: 'x', address: 'x', custom: deep, snmp: { version: '2c', community: 'c' } }, { id: 'x', address: 'x', snmp: { version: '2c', community: 12345678 } }];
  inputs.forEach((raw, i) => {
    const r = validateDevice(raw, { defaultPoller: 'box' });
    assert.not.ok(r.ok, `input ${i}`);
    if (!r.ok) assert.ok(r.fields.length > 0 && r.fields[0]!.message.length > 0, `input ${i}: an error that says something`);
  });
  const number = validateDevice({ id: 'x', address: 'x', snmp: { version: '2c', community: 12345678 } }, { defaultPoller: 'box' });
  assert.ok(!number.ok && number.fields[0]!.field === 'snmp.community' && !number.fields[0]!.message.includes('12345678'), 'not echoed');
});

test.run();
