/**
 * scripts/bundle.ts: which scripts and script checks each host's bundle
 * holds (built-ins everywhere unless disabled; others by hosts and groups;
 * checks only with their script there), hosts with nothing left out, and
 * the signed bundle verifying with the box's public key (createVerifier),
 * bound to its host, its signature failing once a byte changes.
 */
import { createPrivateKey } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSigner, createVerifier, generateSigningKey } from '../../core/signing.js';
import { decodePayload } from '../../protocol/payloads.js';
import type { ScriptBundle } from '../../protocol/schemas/script.js';
import { BUILTIN_SCRIPTS } from '../../scripts/builtins.js';
import { BUNDLE_BUDGET_BYTES, bundleContents, checkScriptParams, checksUsing, createBundleSource, encodedSize, signBundle, type ScriptCheckDefinition } from '../../scripts/bundle.js';
import { bodySha256 } from '../../scripts/store.js';
import type { ScriptFields, ScriptRecord } from '../../scripts/types.js';

const record = (f: ScriptFields, extra: Partial<ScriptRecord> = {}): ScriptRecord => ({
  ...f, version: 1, sha256: bodySha256(f.body), builtin: f.id.startsWith('vigie.'), createdAt: 1, updatedAt: 1, updatedBy: 'a', ...extra,
});
const script = (id: string, extra: Partial<ScriptFields> = {}): ScriptRecord =>
  record({ id, name: id, description: '', kind: 'action', interpreter: 'sh', body: `echo ${id}\n`, params: [], timeout: 30, interval: null, hosts: [], groups: [], enabled: true, ...extra });

const builtins = BUILTIN_SCRIPTS.map((b) => record(b));
const groups: Record<string, number[]> = { web1: [1], web2: [2], db1: [1, 3] };
const groupsOf = (h: string): number[] => groups[h] ?? [];

test('built-ins go everywhere unless disabled; others by their hosts or groups; disabled ones nowhere', () => {
  const scripts = [
    ...builtins.map((b) => (b.id === 'vigie.kill-process' ? { ...b, enabled: false } : b)),
    script('by-host', { hosts: ['web2'] }),
    script('by-group', { groups: [1] }),
    script('off', { hosts: ['web1'], enabled: false }),
  ];
  const out = bundleContents({ scripts, checks: [], hosts: ['web1', 'web2', 'db1', 'lab'], groupsOf });
  const ids = (h: string) => out.get(h)?.scripts.map((s) => s.id);
  const shipped = ['vigie.journal-vacuum', 'vigie.package-clean', 'vigie.service-restart'];
  assert.equal(ids('web1'), ['by-group', ...shipped].sort());
  assert.equal(ids('web2'), ['by-host', ...shipped].sort());
  assert.equal(ids('db1'), ['by-group', ...shipped].sort());
  assert.equal(ids('lab'), shipped);
  // The protocol's ScriptDefinition, exactly: nothing of the library's bookkeeping.
  assert.equal(Object.keys(out.get('web1')!.scripts[0]!).sort(), ['body', 'id', 'interpreter', 'kind', 'name', 'params', 'sha256', 'timeout', 'version']);
  const none = bundleContents({ scripts: scripts.map((s) => ({ ...s, enabled: false })), checks: [], hosts: ['web1'], groupsOf });
  assert.is(none.size, 0, 'a host with nothing gets no bundle');
});

test('script checks: on their runners, with their args and interval, only when the script is a check allowed there', () => {
  const scripts = [script('pg-repl', { kind: 'check', interval: 120, groups: [1] }), script('fix', { hosts: ['web1'] }), script('local-only', { kind: 'check', hosts: ['db1'] })];
  const checks: ScriptCheckDefinition[] = [
    { id: 'pg', kind: 'script', enabled: true, runners: ['db1', 'web2'], interval: 30, script: { id: 'pg-repl', args: { port: 5432 } } },
    { id: 'pg-default', kind: 'script', enabled: true, runners: ['web1'], script: { id: 'pg-repl', args: {} } },
    { id: 'wrong', kind: 'script', enabled: true, runners: ['web1'], script: { id: 'fix', args: {} } },
    { id: 'paused', kind: 'script', enabled: false, runners: ['db1'], script: { id: 'local-only', args: {} } },
    { id: 'http-x', kind: 'http', enabled: true, runners: ['db1'] },
  ];
  const skipped: string[] = [];
  const out = bundleContents({ scripts, checks, hosts: [], groupsOf, skipped: (_h, m) => skipped.push(m) });
  assert.equal(out.get('db1')!.checks, [{ id: 'pg', script: 'pg-repl', interval: 30, args: { port: 5432 } }]);
  assert.equal(out.get('db1')!.scripts.map((s) => s.id), ['local-only', 'pg-repl']);
  assert.equal(out.get('web1')!.checks, [{ id: 'pg-default', script: 'pg-repl', interval: 120, args: {} }], 'the script\'s interval when the check has none');
  assert.not.ok(out.has('web2'), 'web2 may not run pg-repl (group 2): no check, no bundle');
  assert.ok(skipped.some((m) => /check pg not sent to web2: script pg-repl may not run on web2/.test(m)), skipped.join('\n'));
  assert.ok(skipped.some((m) => /check wrong not sent to web1: fix is an action/.test(m)), skipped.join('\n'));
});

test('a bundle that would not fit an agent\'s config loses its largest scripts first (built-ins last), each drop told', () => {
  const body = (n: number) => `#!/bin/sh\n${'echo "a fairly long line of output for padding"\n'.repeat(n)}`;
  const scripts = [...builtins, script('big-a', { hosts: ['web1'], body: body(600) }), script('big-b', { hosts: ['web1'], body: body(550) }), script('small', { hosts: ['web1'] })];
  const dropped: Array<[string, string | undefined]> = [];
  const out = bundleContents({ scripts, checks: [], hosts: ['web1'], groupsOf, skipped: (_h, m, id) => dropped.push([m, id]) });
  const kept = out.get('web1')!;
  assert.equal(kept.scripts.map((x) => x.id), ['big-b', 'small', 'vigie.journal-vacuum', 'vigie.kill-process', 'vigie.package-clean', 'vigie.service-restart']);
  assert.ok(encodedSize('web1', kept) <= BUNDLE_BUDGET_BYTES);
  assert.is(dropped.length, 1);
  assert.is(dropped[0]![1], 'big-a');
  assert.match(dropped[0]![0], /script big-a not sent to web1: the scripts allowed there take \d+ KiB, more than the 48 KiB/);
  const source = createBundleSource({
    scripts: { list: () => scripts, onChange: () => () => {} }, checks: { list: () => [] }, hosts: () => ['web1'], groupsOf,
    signer: createSigner(createPrivateKey(generateSigningKey())), clock: { now: () => 1 }, log: { warn: () => {} } as never,
  });
  assert.equal(source.overflow(scripts)?.script, 'big-a');
  assert.is(source.overflow(scripts.filter((x) => x.id !== 'big-a')), null);
});

test('hosts given the same scripts share one content, fitted for the bytes their id takes: exact at the budget', () => {
  const inGroup = (h: string): number[] => (h === 'other' ? [] : [1]);
  const pad = (n: number) => script('pad', { groups: [1], body: 'x'.repeat(n) });
  // Each byte of body is one byte of the encoded bundle: fill it to the budget exactly for a one-letter host id.
  const probe = bundleContents({ scripts: [...builtins, pad(0)], checks: [], hosts: ['a'], groupsOf: inGroup }).get('a')!;
  const scripts = [...builtins, pad(BUNDLE_BUDGET_BYTES - encodedSize('a', probe))];
  const told: string[] = [];
  const hosts = ['a', 'b', 'ab', 'other'];
  const out = bundleContents({ scripts, checks: [], hosts, groupsOf: inGroup, skipped: (h, _m, id) => told.push(`${h}:${id}`) });
  assert.ok(out.get('a') === out.get('b'), 'same scripts, ids of the same length: one object');
  assert.is(encodedSize('a', out.get('a')!), BUNDLE_BUDGET_BYTES, 'at the budget exactly: kept');
  assert.ok(out.get('b')!.scripts.some((x) => x.id === 'pad'));
  assert.not.ok(out.get('ab')!.scripts.some((x) => x.id === 'pad'), 'one byte of host id more: pad no longer fits');
  assert.ok(out.get('other') !== out.get('a'));
  assert.equal(told, ['ab:pad'], 'the drop is told for the host it happened on, once');
  for (const h of hosts) assert.equal(out.get(h), bundleContents({ scripts, checks: [], hosts: [h], groupsOf: inGroup }).get(h), `${h}: as if alone`);
});

test('checksUsing names the script checks that run a script; checkScriptParams gives a check script\'s params only', () => {
  const checks: ScriptCheckDefinition[] = [
    { id: 'pg', kind: 'script', enabled: true, runners: ['db1'], script: { id: 'pg-repl', args: {} } },
    { id: 'pg-2', kind: 'script', enabled: false, runners: ['db1'], script: { id: 'pg-repl', args: {} } },
    { id: 'web', kind: 'http', enabled: true, runners: ['db1'] },
  ];
  assert.equal(checksUsing(checks, 'pg-repl'), ['pg', 'pg-2']);
  assert.equal(checksUsing(checks, 'other'), []);
  const lib = new Map([['pg-repl', script('pg-repl', { kind: 'check', params: [{ name: 'port', type: 'integer' }] })], ['fix', script('fix')]]);
  const lookup = checkScriptParams({ get: (id) => lib.get(id) ?? null });
  assert.equal(lookup('pg-repl'), [{ name: 'port', type: 'integer' }]);
  assert.is(lookup('fix'), null, 'an action is not a check script');
  assert.is(lookup('nope'), null);
});

test('the signed bundle verifies with the box key, names its host, and fails once tampered with', () => {
  const signer = createSigner(createPrivateKey(generateSigningKey()));
  const verify = createVerifier(signer.publicKey);
  const [content] = bundleContents({ scripts: builtins, checks: [], hosts: ['web1'], groupsOf }).values();
  const signed = signBundle(signer, 'web1', content!, 1_800_000_000_000);
  assert.ok(verify(signed));
  const bundle = JSON.parse(signed.payload) as ScriptBundle;
  assert.equal([bundle.type, bundle.host, bundle.iat, bundle.scripts.length], ['vigie.scripts', 'web1', 1_800_000_000_000, 4]);
  // It fits the agent config's schema.
  assert.ok(decodePayload('agentConfig', JSON.stringify({ v: 1, ts: 1_800_000_000_000, checks: [], scripts: signed })).ok);
  assert.not.ok(verify({ ...signed, payload: signed.payload.replace('"web1"', '"web2"') }), 'another host');
  const other = createSigner(createPrivateKey(generateSigningKey()));
  assert.not.ok(verify(other.sign(bundle)), 'another box\'s key');
});

test('the source signs with an iat that never goes back, even when the clock does', () => {
  let now = 1_800_000_010_000;
  const signer = createSigner(createPrivateKey(generateSigningKey()));
  const source = createBundleSource({
    scripts: { list: () => builtins, onChange: () => () => {} }, checks: { list: () => [] }, hosts: () => ['web1'], groupsOf,
    signer, clock: { now: () => now }, log: { warn: () => {} } as never,
  });
  const content = source.contents().get('web1')!;
  const first = JSON.parse(source.sign('web1', content).payload) as ScriptBundle;
  now -= 5_000;
  const second = JSON.parse(source.sign('web1', content).payload) as ScriptBundle;
  assert.ok(second.iat >= first.iat);
});

test('agents appearing together make one change, and one appearing later another', async () => {
  let tellHost: (host: string) => void = () => {};
  const source = createBundleSource({
    scripts: { list: () => builtins, onChange: () => () => {} }, checks: { list: () => [] }, hosts: () => [], groupsOf,
    onHost: (listener) => {
      tellHost = listener;
      return () => {};
    },
    signer: createSigner(createPrivateKey(generateSigningKey())), clock: { now: () => 1 }, log: { warn: () => {} } as never, hostBatchMs: 20,
  });
  let changes = 0;
  const stop = source.onChange(() => (changes += 1));
  try {
    // A fleet reconnecting: 1,000 agents at once, some heard twice.
    for (let i = 0; i < 1000; i++) tellHost(`host-${i % 900}`);
    assert.is(changes, 0, 'gathered, not told one by one');
    await new Promise((r) => setTimeout(r, 200));
    assert.is(changes, 1);
    tellHost('host-5');
    await new Promise((r) => setTimeout(r, 200));
    assert.is(changes, 1, 'an agent already known is no change');
    tellHost('late-host');
    await new Promise((r) => setTimeout(r, 200));
    assert.is(changes, 2);
  } finally {
    stop();
  }
});

test.run();
