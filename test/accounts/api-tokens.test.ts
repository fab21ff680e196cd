/**
 * ApiTokenStore on a real accounts.db with a fake clock: `vgt_` secrets
 * stored only as a hash, resolve until revoked, listing per user, last use
 * written at most once a minute, scope checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import { VigieError } from '../../core/errors.js';
import { hashSecret } from '../../core/secrets.js';
import { SECOND_MS } from '../../core/time.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
let t = 1_700_000_000_000;
const clock = { now: () => t };
let a: Accounts;
let alice = 0;
let bob = 0;

test.before(async () => {
  a = openAccounts(dir.path, { clock });
  alice = (await a.users.create({ name: 'alice', password: 'a long enough password', role: 'admin' })).id;
  bob = (await a.users.create({ name: 'bob', password: 'a long enough password', role: 'viewer' })).id;
});
test.after(() => {
  a.close();
  dir.remove();
});

test('create returns a vgt_ secret once; only its hash is stored', () => {
  const { token, secret } = a.tokens.create(alice, 'backup script', 'read');
  assert.match(secret, /^vgt_[A-Za-z0-9_-]{43}$/);
  assert.equal(token, { id: token.id, name: 'backup script', scope: 'read', userId: alice, userName: 'alice', createdAt: t, lastUsedAt: null, prefix: secret.slice(0, 10) });
  assert.not.ok(JSON.stringify(token).includes(secret.slice(10)), 'the listed token holds no more than the prefix');
  const row = a.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(token.id) as Record<string, unknown>;
  assert.is(row.secret_hash, hashSecret(secret));
  assert.not.ok(Object.values(row).some((v) => String(v).includes(secret.slice(10))), 'no column holds the secret');
  a.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = readFileSync(join(dir.path, 'accounts.db'));
  assert.ok(bytes.includes(Buffer.from(hashSecret(secret))));
  assert.not.ok(bytes.includes(Buffer.from(secret.slice(4))));
  assert.is.not(a.tokens.create(alice, 'backup script', 'read').secret, secret, 'each token has its own secret');
});

test('resolve works until the token is revoked', () => {
  const { token, secret } = a.tokens.create(bob, 'grafana', 'write');
  assert.equal(a.tokens.resolve(secret), { ...token });
  assert.is(a.tokens.resolve(`${secret}x`), null);
  assert.is(a.tokens.resolve(secret.slice(4)), null, 'without the prefix');
  assert.is(a.tokens.resolve(`vgt_${'A'.repeat(43)}`), null, 'a made-up token');
  assert.is(a.tokens.resolve(`vgt_${'A'.repeat(200)}`), null, 'an over-long one');
  assert.is(a.tokens.resolve(hashSecret(secret)), null, 'the stored hash is no token');
  assert.ok(a.tokens.revoke(token.id));
  assert.is(a.tokens.resolve(secret), null);
  assert.is(a.tokens.get(token.id), null);
  assert.not.ok(a.tokens.revoke(token.id), 'revoking twice finds nothing');
});

test('list shows one user\'s tokens or everyone\'s', () => {
  const mine = a.tokens.list(alice);
  const theirs = a.tokens.list(bob);
  const all = a.tokens.list();
  assert.ok(mine.length >= 2);
  assert.ok(mine.every((tk) => tk.userId === alice && tk.userName === 'alice'));
  const bobs = a.tokens.create(bob, 'cron', 'read').token;
  assert.equal(a.tokens.list(bob).map((tk) => tk.id), [...theirs.map((tk) => tk.id), bobs.id]);
  assert.is(a.tokens.list().length, all.length + 1);
  assert.ok(a.tokens.list().some((tk) => tk.userId === alice) && a.tokens.list().some((tk) => tk.userId === bob));
  assert.equal(a.tokens.list(123456), []);
});

test('lastUsedAt is written at most once a minute', () => {
  const { token, secret } = a.tokens.create(alice, 'poller', 'read');
  const stored = () => a.tokens.get(token.id)!.lastUsedAt;
  const first = t;
  a.tokens.resolve(secret);
  assert.is(stored(), first, 'the first use is written');
  t += 30 * SECOND_MS;
  a.tokens.resolve(secret);
  assert.is(stored(), first, 'not rewritten within the minute');
  t += 30 * SECOND_MS;
  a.tokens.resolve(secret);
  assert.is(stored(), first, 'exactly a minute: still not rewritten');
  t += 1;
  a.tokens.resolve(secret);
  assert.is(stored(), t, 'rewritten once more than a minute passed');
});

test('scope must be read or write; the name follows the name rules', () => {
  for (const scope of ['admin', 'READ', '']) {
    try {
      a.tokens.create(alice, 'x', scope as 'read');
      assert.unreachable(`scope ${scope} accepted`);
    } catch (error) {
      assert.instance(error, VigieError);
      assert.is((error as VigieError).code, 'VIGIE_ERR_BAD_REQUEST');
      assert.match((error as VigieError).message, /^scope: expected read or write/);
    }
  }
  try {
    a.tokens.create(alice, '', 'read');
    assert.unreachable('empty name accepted');
  } catch (error) {
    assert.is((error as VigieError).code, 'VIGIE_ERR_BAD_REQUEST');
    assert.match((error as VigieError).message, /^name: /);
  }
  assert.is(a.tokens.create(alice, 'writer', 'write').token.scope, 'write');
});

test('a deleted user\'s tokens stop working', async () => {
  const carol = await a.users.create({ name: 'carol', password: 'a long enough password', role: 'operator' });
  const { secret } = a.tokens.create(carol.id, 'temp', 'write');
  assert.ok(a.tokens.resolve(secret));
  a.users.delete(carol.id);
  assert.is(a.tokens.resolve(secret), null);
});

test.run();
