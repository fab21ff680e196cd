/**
 * EnrollmentTokenStore on a real accounts.db with a fake clock (issue 11):
 * a token is stored only as a hash, works once, expires, can be cancelled;
 * every refusal says why and creates nothing (no credentials, no access);
 * a used token creates the host's credentials and applies its access in the
 * same transaction.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import { hashSecret, verifySecret } from '../../core/secrets.js';
import { HOUR_MS, MINUTE_MS } from '../../core/time.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
let t = Date.UTC(2026, 11, 3, 1, 0);
const clock = { now: () => t };
let a: Accounts;
let bob = 0;
let lab = 0;

test.before(async () => {
  a = openAccounts(dir.path, { clock });
  bob = (await a.users.create({ name: 'bob', password: 'a long enough password', role: 'viewer' })).id;
  lab = a.groups.create('lab').id;
});
test.after(() => {
  a.close();
  dir.remove();
});

/** Nothing of `host` exists in accounts.db: no credentials, no access row, no group share. */
function nothingFor(host: string): void {
  assert.is(a.credentials.list().filter((c) => c.principal.kind === 'agent' && c.principal.host === host).length, 0, `no credentials for ${host}`);
  assert.equal(a.hostAccess.get(host), { host, label: null, owner: null, groups: [] }, `no access for ${host}`);
}

test('a token is a vge_ secret kept only as its hash, listed without it, valid for 1 h by default', () => {
  const { token, secret } = a.enrollmentTokens.create({ host: 'pc-1', createdBy: 'alice' });
  assert.match(secret, /^vge_[A-Za-z0-9_-]{43}$/);
  assert.equal(token, { id: token.id, host: 'pc-1', createdBy: 'alice', createdAt: t, expiresAt: t + HOUR_MS, access: null });
  const row = a.db.prepare('SELECT * FROM enrollment_tokens WHERE id = ?').get(token.id) as Record<string, unknown>;
  assert.is(row.token_hash, hashSecret(secret));
  assert.not.ok(Object.values(row).some((v) => String(v).includes(secret.slice(4))), 'no column holds the token');
  assert.equal(a.enrollmentTokens.listPending().map((p) => p.host), ['pc-1']);
  nothingFor('pc-1');
});

test('used once: credentials for that host and the chosen access, in one go; a reuse is refused with the date and changes nothing', () => {
  const { secret } = a.enrollmentTokens.create({ host: 'pc-2', createdBy: 'alice', access: { owner: bob, groups: [lab] } });
  nothingFor('pc-2'); // the access waits for the token to be used
  t += 5 * MINUTE_MS;
  const used = a.enrollmentTokens.redeem(secret, '192.168.1.30');
  assert.ok(used.ok);
  if (!used.ok) return;
  assert.equal([used.host, used.username, used.replaced], ['pc-2', 'agent-pc-2', false]);
  assert.equal(a.credentials.verify(used.username, used.password), { kind: 'agent', host: 'pc-2' });
  assert.equal(a.hostAccess.get('pc-2'), { host: 'pc-2', label: null, owner: bob, groups: [lab] });
  const stamp = a.credentials.stamp('agent-pc-2');

  t += 20 * MINUTE_MS;
  const again = a.enrollmentTokens.redeem(secret, '203.0.113.9');
  assert.equal(again.ok ? null : [again.reason, again.message], ['used', 'this enrollment token was already used on 2026-12-03 01:05 UTC (from 192.168.1.30): make a new one in Hosts & agents (or with vigie credentials add --host)']);
  assert.is(a.credentials.stamp('agent-pc-2'), stamp, 'the credentials were not replaced');
  assert.ok(verifySecret(used.password, (a.db.prepare('SELECT secret_hash FROM mqtt_credentials WHERE username = ?').get('agent-pc-2') as { secret_hash: string }).secret_hash));
});

test('an expired token is refused with its expiry and creates nothing', () => {
  t = Date.UTC(2026, 11, 3, 2, 0);
  const { secret } = a.enrollmentTokens.create({ host: 'pc-3', createdBy: 'alice', ttlMs: 30 * MINUTE_MS, access: { owner: bob, groups: [] } });
  t += 30 * MINUTE_MS; // exactly at expiry: too late
  const late = a.enrollmentTokens.redeem(secret, '10.0.0.5');
  assert.equal(late.ok ? null : [late.reason, late.message], ['expired', 'this enrollment token expired at 2026-12-03 02:30 UTC: make a new one in Hosts & agents (or with vigie credentials add --host)']);
  nothingFor('pc-3');
  assert.not.ok(a.enrollmentTokens.listPending().some((p) => p.host === 'pc-3'), 'no longer pending');
});

test('a cancelled token is refused and creates nothing; a newer token for a host cancels the older one', () => {
  const { token, secret } = a.enrollmentTokens.create({ host: 'pc-4', createdBy: 'alice' });
  assert.ok(a.enrollmentTokens.cancel(token.id, 'alice'));
  assert.is(a.enrollmentTokens.cancel(token.id, 'alice'), null, 'once');
  const refused = a.enrollmentTokens.redeem(secret, '10.0.0.5');
  assert.equal(refused.ok ? null : refused.reason, 'cancelled');
  assert.match(refused.ok ? '' : refused.message, /^this enrollment token was cancelled on 2026-12-03 02:30 UTC: make a new one/);
  nothingFor('pc-4');

  const first = a.enrollmentTokens.create({ host: 'pc-5', createdBy: 'alice' });
  const second = a.enrollmentTokens.create({ host: 'pc-5', createdBy: 'alice' });
  assert.equal(a.enrollmentTokens.listPending().filter((p) => p.host === 'pc-5').map((p) => p.id), [second.token.id]);
  assert.equal(((r) => (r.ok ? null : r.reason))(a.enrollmentTokens.redeem(first.secret, 'x')), 'cancelled');
  assert.ok(a.enrollmentTokens.redeem(second.secret, 'x').ok);
});

test('unknown and malformed tokens are refused without touching anything', () => {
  const before = a.credentials.list().length;
  for (const bad of ['vge_' + 'A'.repeat(43), 'not-a-token', '', 'vge_' + 'x'.repeat(500)]) {
    const r = a.enrollmentTokens.redeem(bad, 'x');
    assert.equal(r.ok ? null : r.reason, 'unknown', bad.slice(0, 10));
    assert.match(r.ok ? '' : r.message, /^unknown enrollment token: check that the whole line was copied/);
  }
  assert.is(a.credentials.list().length, before);
});

test('a token for a host with credentials replaces them when used; a group deleted meanwhile is dropped, not fatal', () => {
  const other = a.groups.create('gone').id;
  const { secret } = a.enrollmentTokens.create({ host: 'pc-2', createdBy: 'alice', access: { owner: null, groups: [lab, other] } });
  a.groups.delete(other);
  const stamp = a.credentials.stamp('agent-pc-2');
  const r = a.enrollmentTokens.redeem(secret, 'x');
  assert.ok(r.ok && r.replaced);
  assert.is.not(a.credentials.stamp('agent-pc-2'), stamp);
  assert.equal(a.hostAccess.get('pc-2').groups, [lab]);
});

test('bad requests name the field', () => {
  assert.throws(() => a.enrollmentTokens.create({ host: 'Not A Host', createdBy: 'x' }), /host: "Not A Host" is not a host id/);
  assert.throws(() => a.enrollmentTokens.create({ host: 'pc-9', createdBy: 'x', ttlMs: 10 }), /ttl: expected between 1 minute and 7 days/);
  assert.throws(() => a.enrollmentTokens.create({ host: 'pc-9', createdBy: 'x', access: { owner: 9999, groups: [] } }), /owner: no user with id 9999/);
});

test.run();
