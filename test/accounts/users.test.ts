/**
 * UserStore on a real accounts.db: scrypt hashes only, names unique ignoring
 * case, the same validation messages for the API and the CLI, the last
 * admin protected, deletes cascading, and the lock bookkeeping.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import { VigieError, type ErrorCode } from '../../core/errors.js';
import { MINUTE_MS } from '../../core/time.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
let t = 1_700_000_000_000;
const clock = { now: () => t };
let accounts: Accounts;

test.before(() => {
  accounts = openAccounts(dir.path, { clock });
});
test.after(() => {
  accounts.close();
  dir.remove();
});

/** Runs `fn` and checks it throws a VigieError with `code` and a message matching `message`. */
async function rejects(fn: () => unknown, code: ErrorCode, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, VigieError, `expected a VigieError ${code}`);
  assert.is((caught as VigieError).code, code);
  assert.match((caught as VigieError).message, message);
}

const PASSWORD = 'a long enough password';
let seq = 0;
/** A user with a unique name (each test works on its own users). */
const make = (role: 'admin' | 'operator' | 'viewer' = 'viewer', name = `user${++seq}`) => accounts.users.create({ name, password: PASSWORD, role });

test('create stores a salted scrypt hash, never the password; verify accepts only the right password', async () => {
  const secret = 'Unmistakable-Pass-4242';
  const user = await accounts.users.create({ name: 'Hashed', password: secret, role: 'operator' });
  assert.equal({ name: user.name, role: user.role, groups: user.groups, createdAt: user.createdAt, lastLoginAt: user.lastLoginAt, lockedUntil: user.lockedUntil }, {
    name: 'Hashed', role: 'operator', groups: [], createdAt: t, lastLoginAt: null, lockedUntil: null,
  });
  assert.not.ok('password_hash' in user, 'the API shape carries no hash');
  const stored = accounts.db.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(user.id) as string;
  assert.match(stored, /^scrypt\$/);
  assert.not.ok(stored.includes(secret));
  // Checkpoint the WAL so the file on disk holds everything written so far.
  accounts.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = readFileSync(join(dir.path, 'accounts.db'));
  assert.ok(bytes.includes(Buffer.from('Hashed')), 'the file does hold the user (the search below is meaningful)');
  assert.not.ok(bytes.includes(Buffer.from(secret)), 'the password is nowhere in the file');

  assert.is((await accounts.users.verify('Hashed', secret))?.id, user.id);
  assert.is((await accounts.users.verify('  hashed ', secret))?.id, user.id, 'name matched trimmed, ignoring case');
  assert.is(await accounts.users.verify('Hashed', `${secret}!`), null);
  assert.ok(await accounts.users.checkPassword(user.id, secret));
  assert.not.ok(await accounts.users.checkPassword(user.id, 'not the password'));
});

test('verify of an unknown name returns null', async () => {
  assert.is(await accounts.users.verify('nobody-by-this-name', PASSWORD), null);
});

test('names are unique ignoring case, on create and on rename', async () => {
  await accounts.users.create({ name: 'Alice', password: PASSWORD, role: 'viewer' });
  await rejects(() => accounts.users.create({ name: 'alice', password: PASSWORD, role: 'viewer' }), 'VIGIE_ERR_CONFLICT', /^name: .*already taken/);
  const bob = await accounts.users.create({ name: 'Bob', password: PASSWORD, role: 'viewer' });
  await rejects(() => accounts.users.update(bob.id, { name: 'ALICE' }), 'VIGIE_ERR_CONFLICT', /^name:/);
  // Changing only the case of one's own name is not a conflict.
  assert.is((await accounts.users.update(bob.id, { name: 'BOB' })).name, 'BOB');
  assert.is(accounts.users.findByName('bob')?.id, bob.id);
});

test('name rules: empty, over 64 characters and control characters are refused, naming the field', async () => {
  for (const name of ['', '   ', 'x'.repeat(65), 'tab\there', 'nul\u0000x', 'zero\u200bwidth']) {
    await rejects(() => accounts.users.create({ name, password: PASSWORD, role: 'viewer' }), 'VIGIE_ERR_BAD_REQUEST', /^name: /);
  }
  const longest = await accounts.users.create({ name: 'y'.repeat(64), password: PASSWORD, role: 'viewer' });
  assert.is(longest.name.length, 64, '64 characters is the limit, not over it');
  assert.is((await accounts.users.create({ name: '  padded  ', password: PASSWORD, role: 'viewer' })).name, 'padded', 'names are trimmed');
});

test('passwords must be 10 to 1024 characters, on create and update', async () => {
  await rejects(() => accounts.users.create({ name: 'shortpw', password: 'x'.repeat(9), role: 'viewer' }), 'VIGIE_ERR_BAD_REQUEST', /^password: expected 10 to 1024 characters \(got 9\)/);
  await rejects(() => accounts.users.create({ name: 'longpw', password: 'x'.repeat(1025), role: 'viewer' }), 'VIGIE_ERR_BAD_REQUEST', /^password: .*got 1025/);
  assert.not.ok(accounts.users.findByName('shortpw'), 'nothing was written');
  const ten = await accounts.users.create({ name: 'tenpw', password: 'x'.repeat(10), role: 'viewer' });
  assert.ok(await accounts.users.verify('tenpw', 'x'.repeat(10)));
  await rejects(() => accounts.users.update(ten.id, { password: 'short' }), 'VIGIE_ERR_BAD_REQUEST', /^password:/);
  await accounts.users.update(ten.id, { password: 'y'.repeat(1024) });
  assert.ok(await accounts.users.verify('tenpw', 'y'.repeat(1024)));
  assert.not.ok(await accounts.users.verify('tenpw', 'x'.repeat(10)), 'the old password no longer works');
});

test('roles must be admin, operator or viewer', async () => {
  await rejects(() => accounts.users.create({ name: 'root', password: PASSWORD, role: 'root' as 'admin' }), 'VIGIE_ERR_BAD_REQUEST', /^role: expected one of admin, operator, viewer/);
  const u = await make('viewer');
  await rejects(() => accounts.users.update(u.id, { role: 'superuser' as 'admin' }), 'VIGIE_ERR_BAD_REQUEST', /^role:/);
  assert.is((await accounts.users.update(u.id, { role: 'operator' })).role, 'operator');
});

test('the last admin can be neither demoted nor deleted', async () => {
  // Fresh database: exactly one admin.
  const solo = tempDir();
  const a = openAccounts(solo.path, { clock });
  try {
    const admin = await a.users.create({ name: 'only-admin', password: PASSWORD, role: 'admin' });
    await rejects(() => a.users.update(admin.id, { role: 'viewer' }), 'VIGIE_ERR_CONFLICT', /last admin/);
    await rejects(() => a.users.delete(admin.id), 'VIGIE_ERR_CONFLICT', /last admin/);
    assert.is(a.users.get(admin.id)?.role, 'admin');
    const second = await a.users.create({ name: 'second-admin', password: PASSWORD, role: 'admin' });
    assert.is((await a.users.update(admin.id, { role: 'operator' })).role, 'operator', 'allowed once another admin exists');
    await rejects(() => a.users.delete(second.id), 'VIGIE_ERR_CONFLICT', /last admin/);
    a.users.delete(admin.id);
    assert.is(a.users.get(admin.id), null);
  } finally {
    a.close();
    solo.remove();
  }
});

test('deleting a user takes their sessions, API tokens and group memberships', async () => {
  const u = await make('operator');
  const other = await make('viewer');
  const group = accounts.groups.create(`class-${seq}`);
  accounts.groups.update(group.id, { members: [u.id, other.id] });
  const { id: sessionId } = accounts.sessions.create(u.id, '127.0.0.1');
  const { secret } = accounts.tokens.create(u.id, 'script', 'read');
  assert.ok(accounts.sessions.resolve(sessionId));
  assert.ok(accounts.tokens.resolve(secret));
  assert.equal(accounts.users.get(u.id)?.groups, [group.id]);

  accounts.users.delete(u.id);
  const count = (sql: string) => accounts.db.prepare(sql).pluck().get(u.id) as number;
  assert.is(count('SELECT count(*) FROM sessions WHERE user_id = ?'), 0);
  assert.is(count('SELECT count(*) FROM api_tokens WHERE user_id = ?'), 0);
  assert.is(count('SELECT count(*) FROM group_members WHERE user_id = ?'), 0);
  assert.is(accounts.sessions.resolve(sessionId), null);
  assert.is(accounts.tokens.resolve(secret), null);
  assert.equal(accounts.groups.get(group.id)?.members, [other.id], 'the other member stays');
  await rejects(() => accounts.users.delete(u.id), 'VIGIE_ERR_NOT_FOUND', /No user/);
});

test('lockedUntil is shown only while in the future', async () => {
  const u = await make();
  accounts.users.lock(u.id, t + 15 * MINUTE_MS);
  assert.is(accounts.users.get(u.id)?.lockedUntil, t + 15 * MINUTE_MS);
  assert.is(accounts.users.list().find((x) => x.id === u.id)?.lockedUntil, t + 15 * MINUTE_MS);
  t += 15 * MINUTE_MS - 1;
  assert.is(accounts.users.get(u.id)?.lockedUntil, t + 1, 'still locked one millisecond before the end');
  t += 1;
  assert.is(accounts.users.get(u.id)?.lockedUntil, null, 'a lock that ran out is not shown');
  assert.is(accounts.users.list().find((x) => x.id === u.id)?.lockedUntil, null);
});

test('recordFailure counts, recordSuccess resets the count and the lock and notes the login; unlock clears', async () => {
  const u = await make();
  assert.is(accounts.users.recordFailure(u.id), 1);
  assert.is(accounts.users.recordFailure(u.id), 2);
  assert.is(accounts.users.recordFailure(u.id), 3);
  assert.is(accounts.users.failures(u.id), 3);
  accounts.users.lock(u.id, t + MINUTE_MS);
  t += 1000;
  accounts.users.recordSuccess(u.id);
  assert.is(accounts.users.failures(u.id), 0);
  const after = accounts.users.get(u.id)!;
  assert.is(after.lockedUntil, null);
  assert.is(after.lastLoginAt, t);
  assert.is(accounts.db.prepare('SELECT locked_until FROM users WHERE id = ?').pluck().get(u.id), null, 'the stored lock is gone, not just hidden');

  accounts.users.recordFailure(u.id);
  accounts.users.lock(u.id, t + MINUTE_MS);
  const unlocked = accounts.users.unlock(u.id);
  assert.is(unlocked.lockedUntil, null);
  assert.is(accounts.users.failures(u.id), 0);
  assert.is(accounts.users.recordFailure(999_999), 0, 'an unknown id counts nothing');
});

test('list is sorted by name ignoring case and carries group ids; count counts', async () => {
  const names = accounts.users.list().map((u) => u.name);
  assert.equal(names, [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
  assert.is(accounts.users.count(), names.length);
  assert.ok(names.length > 5);
});

test.run();
