/**
 * Bundle and grant verification (agent/scripts/verify.ts) with the persisted
 * memory (memory.ts): every way a signed statement is refused, each with its
 * reason, and what survives a restart. The clock is injected.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openScriptMemory } from '../../../agent/scripts/memory.js';
import { createScriptVerifier, type ScriptVerifier, type Verified } from '../../../agent/scripts/verify.js';
import type { Clock } from '../../../core/time.js';
import { tempDir } from '../../helpers/env.js';
import { bundle, grant, makeSigner, script, tamperSig } from './fixtures.js';

const box = makeSigner();
const other = makeSigner();
const T0 = 1_800_000_000_000;
const s = script({ id: 'fix', body: 'echo fixed', kind: 'action' });

function setup(serverKey: string | null = box.publicKey, file: string | null = null): { v: ScriptVerifier; clock: Clock & { t: number } } {
  const clock = { t: T0, now() { return this.t; } };
  return { v: createScriptVerifier({ serverKey: serverKey ?? undefined, host: 'web1', clock, memory: openScriptMemory(file, clock) }), clock };
}
const reason = <T>(r: Verified<T>): string => (r.ok ? 'ok' : r.refusal.reason);
const message = <T>(r: Verified<T>): string => (r.ok ? '' : r.refusal.message);

test('a bundle signed by the pinned key, for this host, is accepted', () => {
  const { v } = setup();
  const r = v.bundle(box.sign(bundle('web1', [s], [], T0)));
  assert.ok(r.ok);
  assert.is(r.ok && r.value.scripts[0]!.id, 'fix');
});

test('bundles: tampered payload, tampered signature, another key, another host, no key, not a bundle', () => {
  const { v } = setup();
  const signed = box.sign(bundle('web1', [s], [], T0));
  assert.is(reason(v.bundle({ ...signed, payload: signed.payload.replace('echo fixed', 'rm -rf /') })), 'bad-signature');
  assert.is(reason(v.bundle({ ...signed, sig: tamperSig(signed.sig) })), 'bad-signature');
  assert.match(message(v.bundle(other.sign(bundle('web1', [s], [], T0)))), 'agent.serverKey');
  assert.is(reason(v.bundle(box.sign(bundle('db1', [s], [], T0)))), 'wrong-host');
  assert.is(message(v.bundle(box.sign(bundle('db1', [s], [], T0)))), 'the script bundle was signed for host db1, not web1');
  assert.is(reason(setup(null).v.bundle(signed)), 'no-key');
  assert.is(reason(v.bundle(box.sign({ type: 'vigie.scripts', host: 'web1' }))), 'bad-args');
});

test('bundles: no rollback to an older one (persisted across restarts); the same one again is fine; one from the future is refused', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'scripts', '.state.json');
    const a = setup(box.publicKey, file);
    assert.ok(a.v.bundle(box.sign(bundle('web1', [s], [], T0 - 1000))).ok);
    assert.ok(a.v.bundle(box.sign(bundle('web1', [s], [], T0))).ok);
    assert.ok(a.v.bundle(box.sign(bundle('web1', [s], [], T0))).ok, 'the retained bundle again after a reconnect');
    // A restart: a fresh verifier on the same file still refuses the older bundle.
    const b = setup(box.publicKey, file);
    const old = b.v.bundle(box.sign(bundle('web1', [s], [], T0 - 1000)));
    assert.is(reason(old), 'expired');
    assert.match(message(old), 'older than the one already accepted');
    assert.is(reason(b.v.bundle(box.sign(bundle('web1', [s], [], T0 + 31_000)))), 'not-yet-valid');
    assert.ok(b.v.bundle(box.sign(bundle('web1', [s], [], T0 + 29_000))).ok, 'within the 30 s skew');
  } finally {
    dir.remove();
  }
});

test('grants: accepted once; tampered, wrong key, wrong host, expired, valid too long, issued in the future, replayed', () => {
  const { v, clock } = setup();
  const g = grant('web1', s, { iat: T0, exp: T0 + 60_000 });
  const signed = box.sign(g);
  assert.ok(v.grant(signed).ok);
  const replay = v.grant(signed);
  assert.is(reason(replay), 'replayed');
  assert.match(message(replay), 'already received once');

  assert.is(reason(v.grant({ ...box.sign(grant('web1', s, { iat: T0 })), sig: tamperSig(box.sign(grant('web1', s, { iat: T0 })).sig) })), 'bad-signature');
  const fresh = box.sign(grant('web1', s, { iat: T0 }));
  assert.is(reason(v.grant({ ...fresh, payload: fresh.payload.replace('"alice"', '"mallory"') })), 'bad-signature');
  assert.is(reason(v.grant(other.sign(grant('web1', s, { iat: T0 })))), 'bad-signature');
  assert.is(reason(v.grant(box.sign(grant('db1', s, { iat: T0 })))), 'wrong-host');
  const expired = v.grant(box.sign(grant('web1', s, { iat: T0 - 40_000, exp: T0 - 1 })));
  assert.is(reason(expired), 'expired');
  assert.match(message(expired), 'expired at');
  const long = v.grant(box.sign(grant('web1', s, { iat: T0, exp: T0 + 60_001 })));
  assert.is(reason(long), 'expired');
  assert.match(message(long), 'at most 60 s');
  assert.is(reason(v.grant(box.sign(grant('web1', s, { iat: T0 + 31_000, exp: T0 + 61_000 })))), 'not-yet-valid');
  assert.ok(v.grant(box.sign(grant('web1', s, { iat: T0 + 29_000, exp: T0 + 59_000 }))).ok, 'within the skew');
  // Exactly at exp is still valid; one ms later it is not.
  const edge = grant('web1', s, { iat: T0, exp: T0 + 1000 });
  clock.t = T0 + 1001;
  assert.is(reason(v.grant(box.sign(edge))), 'expired');
  clock.t = T0;
});

test('grant nonces survive a restart until their exp, then are forgotten', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, '.state.json');
    const g = grant('web1', s, { iat: T0, exp: T0 + 60_000 });
    const a = setup(box.publicKey, file);
    assert.ok(a.v.grant(box.sign(g)).ok);
    const b = setup(box.publicKey, file);
    assert.is(reason(b.v.grant(box.sign(g))), 'replayed', 'the nonce was persisted');
    // Another grant long after: the old nonce is pruned from the file (its grant could not pass `exp` anyway).
    b.clock.t = T0 + 120_000;
    assert.ok(b.v.grant(box.sign(grant('web1', s, { iat: b.clock.t }))).ok);
    const memory = openScriptMemory(file, b.clock);
    assert.not.ok(memory.seen(g.nonce));
  } finally {
    dir.remove();
  }
});

test.run();
