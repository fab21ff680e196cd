/**
 * scripts/validate.ts: defaults filled in, and every error names its field
 * and the expected form — id pattern and the reserved `vigie.` prefix, body
 * size, interpreter, parameters (names, types, a pattern that does not
 * compile, enum values, a relative path root, a default outside its own
 * schema), an interval on an action, hosts and groups that do not exist.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SCRIPT_LIMITS } from '../../protocol/schemas/script.js';
import { BUILTIN_SCRIPTS } from '../../scripts/builtins.js';
import { validateScript, type ScriptValidation } from '../../scripts/validate.js';
import type { ScriptRecord } from '../../scripts/types.js';

const opts = { hostExists: (h: string) => h === 'web1' || h === 'db1', groupExists: (g: number) => g === 1 };
const base = { id: 'pg-replication', name: 'PostgreSQL replication', kind: 'check', interpreter: 'bash', body: '#!/bin/bash\necho OK\n' };

const errorsOf = (v: ScriptValidation): Record<string, string> => {
  assert.not.ok(v.ok, 'expected errors');
  return Object.fromEntries((v as { fields: Array<{ field: string; message: string }> }).fields.map((f) => [f.field, f.message]));
};

test('a minimal check gets its defaults: timeout 30, interval 60, enabled, no params, no hosts', () => {
  const v = validateScript(base, opts);
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  assert.equal(v.value, { ...base, description: '', params: [], timeout: SCRIPT_LIMITS.timeout.default, interval: SCRIPT_LIMITS.interval.default, hosts: [], groups: [], enabled: true });
  const action = validateScript({ ...base, kind: 'action', hosts: ['web1'], groups: [1], timeout: 5, enabled: false, description: ' Fix it ' }, opts);
  assert.ok(action.ok);
  if (action.ok) assert.equal([action.value.interval, action.value.hosts, action.value.groups, action.value.enabled, action.value.description], [null, ['web1'], [1], false, 'Fix it']);
});

test('each wrong top-level field is named, all at once', () => {
  const e = errorsOf(validateScript({
    id: 'Bad Id', name: '', kind: 'cron', interpreter: 'perl', body: '', timeout: 0, hosts: ['web1', 'nope', 'NOT OK'], groups: [1, 7], enabled: 'yes', extra: 1,
  }, opts));
  assert.match(e.id!, /a-z, 0-9/);
  assert.match(e.name!, /1 to 120/);
  assert.match(e.kind!, /check, action/);
  assert.match(e.interpreter!, /sh, bash, python3, powershell/);
  assert.match(e.body!, /not empty/);
  assert.match(e.timeout!, /from 1 to 600/);
  assert.match(e['hosts[1]']!, /no host nope/);
  assert.match(e['hosts[2]']!, /host id/);
  assert.match(e['groups[1]']!, /no group with id 7/);
  assert.match(e.enabled!, /true or false/);
  assert.match(e.extra!, /unknown field/);
});

test('reserved ids, body size, interval on an action, timeout not below the interval', () => {
  assert.match(errorsOf(validateScript({ ...base, id: 'vigie.mine' }, opts)).id!, /reserved/);
  assert.match(errorsOf(validateScript({ ...base, body: 'x'.repeat(SCRIPT_LIMITS.bodyBytes + 1) }, opts)).body!, /at most 32768 bytes/);
  // Multi-byte characters count as bytes, as the agent counts them.
  assert.match(errorsOf(validateScript({ ...base, body: 'é'.repeat(SCRIPT_LIMITS.bodyBytes / 2 + 1) }, opts)).body!, /bytes/);
  assert.match(errorsOf(validateScript({ ...base, kind: 'action', interval: 60 }, opts)).interval!, /only check scripts/);
  assert.match(errorsOf(validateScript({ ...base, interval: 5 }, opts)).interval!, /from 10 to 86400/);
  assert.match(errorsOf(validateScript({ ...base, interval: 30, timeout: 30 }, opts)).timeout!, /less than the interval/);
});

test('parameters: names, types, a pattern that does not compile, enum values, absolute roots, defaults within their own schema', () => {
  const e = errorsOf(validateScript({
    ...base,
    params: [
      { name: 'Size', type: 'integer' },
      { name: 'mode', type: 'color' },
      { name: 'svc', type: 'string', pattern: '([a-z' },
      { name: 'level', type: 'enum', values: [] },
      { name: 'dir', type: 'path', root: 'var/log' },
      { name: 'n', type: 'integer', min: 10, max: 1 },
      { name: 'keep', type: 'integer', min: 16, default: 2 },
      { name: 'kind', type: 'enum', values: ['a', 'a'] },
      { name: 'who', type: 'string', root: '/x' },
      { name: 'svc', type: 'string' },
    ],
  }, opts));
  assert.match(e['params[0].name']!, /a-z, 0-9 and "_"/);
  assert.match(e['params[1].type']!, /enum, integer, path, string/);
  assert.match(e['params[2].pattern']!, /not a valid regular expression/);
  assert.match(e['params[3].values']!, /1 to 50 values/);
  assert.match(e['params[4].root']!, /absolute directory/);
  assert.match(e['params[5].max']!, /at least min \(10\)/);
  assert.match(e['params[6].default']!, /below the minimum 16/);
  assert.match(e['params[7].values[1]']!, /listed twice/);
  assert.match(e['params[8].root']!, /not a field of a string parameter/);
  assert.match(e['params[9].name']!, /declared twice/);
  assert.match(errorsOf(validateScript({ ...base, params: [{ name: 'tag', type: 'string', default: '-rf' }] }, opts))['params[0].default']!, /leading "-"/);
  assert.match(errorsOf(validateScript({ ...base, params: Array.from({ length: 11 }, (_, i) => ({ name: `p${i}`, type: 'integer' })) }, opts)).params!, /at most 10/);
});

test('a replacement takes its id from the script and refuses another one in the body', () => {
  const current = { id: 'pg-replication', enabled: false } as ScriptRecord;
  const v = validateScript({ name: 'x', kind: 'check', interpreter: 'sh', body: 'true' }, { ...opts, current });
  assert.ok(v.ok);
  if (v.ok) assert.equal([v.value.id, v.value.enabled], ['pg-replication', false], 'keeps its id and its enabled state');
  assert.match(errorsOf(validateScript({ ...base, id: 'other' }, { ...opts, current })).id!, /cannot be renamed/);
});

test('the built-ins pass every rule but the reserved prefix (they are Vigie\'s)', () => {
  for (const b of BUILTIN_SCRIPTS) {
    const v = validateScript({ ...b, id: b.id.replace('vigie.', 'copy-'), interval: undefined, hosts: undefined, groups: undefined }, opts);
    assert.ok(v.ok, `${b.id}: ${JSON.stringify(v)}`);
  }
});

test.run();
