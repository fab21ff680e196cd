/**
 * SessionStore on a real accounts.db with a fake clock: only the id's hash is
 * stored, idle and maximum ages end sessions, and ending them one by one or
 * all at once works as the REST layer expects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import { hashSecret } from '../../core/secrets.js';
import { MINUTE_MS } from '../../core/time.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
let t = 1_700_000_000_000;
const clock = { now: () => t };
const IDLE = 30 * MINUTE_MS;
const MAX = 120 * MINUTE_MS;
let accounts: Accounts;
let alice = 0;
let bob = 0;

test.before(async () => {
  accounts = openAccounts(dir.path, { clock, sessions: { idleMs: IDLE, maxMs: MAX } });
  alice = (await accounts.users.create({ name: 'alice', password: 'a long enough password', role: 'admin' })).id;
  bob = (await accounts.users.create({ name: 'bob', password: 'a long enough password', role: 'viewer' })).id;
});
test.after(() => {
  accounts.close();
  dir.remove();
});

const stored = (): Array<{ id_hash: string; user_id: number; csrf: string; address: string | null }> =>
  accounts.db.prepare('SELECT id_hash, user_id, csrf, address FROM sessions').all() as never;

test('create returns an id that resolves to the session; the table holds only its hash', () => {
  const { id, session } = accounts.sessions.create(alice, '192.0.2.7');
  assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.is(session.key, hashSecret(id));
  assert.is(session.userId, alice);
  assert.is(session.createdAt, t);
  assert.ok(session.csrf.length >= 32 && session.csrf !== id);

  const row = stored().find((r) => r.id_hash === session.key);
  assert.ok(row, 'stored under the hash');
  assert.is(row!.address, '192.0.2.7');
  for (const r of stored()) assert.not.ok(Object.values(r).some((v) => String(v).includes(id)), 'the id itself is in no column');
  accounts.db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = readFileSync(join(dir.path, 'accounts.db'));
  assert.ok(bytes.includes(Buffer.from(session.key)), 'the hash is in the file (so the search below means something)');
  assert.not.ok(bytes.includes(Buffer.from(id)), 'the id is not in the file');

  assert.equal(accounts.sessions.resolve(id), session);
  const other = accounts.sessions.create(alice, null);
  assert.is.not(other.id, id, 'each login gets a fresh id');
  assert.is.not(other.session.csrf, session.csrf, 'and its own CSRF token');
});

test('a bogus, empty or over-long id resolves to null', () => {
  const { id } = accounts.sessions.create(alice, null);
  assert.is(accounts.sessions.resolve(''), null);
  assert.is(accounts.sessions.resolve('not-a-session'), null);
  assert.is(accounts.sessions.resolve(`${id}x`), null);
  assert.is(accounts.sessions.resolve(hashSecret(id)), null, 'the stored hash is not a key to the session');
  assert.is(accounts.sessions.resolve('x'.repeat(129)), null);
  assert.ok(accounts.sessions.resolve(id), 'the real id still works');
});

test('idle expiry: a session unused longer than idleMs ends; use keeps it alive', () => {
  const { id, session } = accounts.sessions.create(alice, null);
  t += IDLE - 1000;
  assert.ok(accounts.sessions.resolve(id), 'used just before the idle limit');
  t += IDLE - 1000;
  assert.ok(accounts.sessions.resolve(id), 'the previous use counted: still alive');
  t += IDLE + 1;
  assert.is(accounts.sessions.resolve(id), null, 'idle too long');
  assert.not.ok(stored().some((r) => r.id_hash === session.key), 'and deleted');
});

test('max age: a session ends maxMs after login however busy it is', () => {
  const { id } = accounts.sessions.create(alice, null);
  const start = t;
  while (t + 20 * MINUTE_MS <= start + MAX) {
    t += 20 * MINUTE_MS;
    assert.ok(accounts.sessions.resolve(id), `alive at +${(t - start) / MINUTE_MS} min`);
  }
  t = start + MAX + 1;
  assert.is(accounts.sessions.resolve(id), null);
});

test('last_seen is written at most once a minute', () => {
  const { session, id } = accounts.sessions.create(alice, null);
  const lastSeen = () => accounts.db.prepare('SELECT last_seen_at FROM sessions WHERE id_hash = ?').pluck().get(session.key);
  const created = t;
  t += 30_000;
  accounts.sessions.resolve(id);
  assert.is(lastSeen(), created, 'not written within the minute');
  t += 31_000;
  accounts.sessions.resolve(id);
  assert.is(lastSeen(), t, 'written after a minute');
});

test('end ends one session; endAllOf ends every session of a user but keep, returning their keys', () => {
  const a1 = accounts.sessions.create(alice, null);
  const a2 = accounts.sessions.create(alice, null);
  const a3 = accounts.sessions.create(alice, null);
  const b1 = accounts.sessions.create(bob, null);

  accounts.sessions.end(a3.session.key);
  assert.is(accounts.sessions.resolve(a3.id), null);
  assert.ok(accounts.sessions.resolve(a1.id));

  const aliceKeys = (stored().filter((r) => r.user_id === alice).map((r) => r.id_hash)).sort();
  const ended = accounts.sessions.endAllOf(alice, a1.session.key);
  assert.equal([...ended].sort(), aliceKeys.filter((k) => k !== a1.session.key));
  assert.ok(ended.includes(a2.session.key));
  assert.ok(accounts.sessions.resolve(a1.id), 'keep survives');
  assert.is(accounts.sessions.resolve(a2.id), null);
  assert.ok(accounts.sessions.resolve(b1.id), "bob's session is untouched");

  assert.equal(accounts.sessions.endAllOf(alice), [a1.session.key], 'without keep, every session ends');
  assert.is(accounts.sessions.resolve(a1.id), null);
  assert.equal(accounts.sessions.endAllOf(alice), [], 'nothing left to end');
  accounts.sessions.end(b1.session.key);
});

test('keepAlive counts an open page as use, but not past the maximum age', () => {
  const { id, session } = accounts.sessions.create(bob, null);
  const start = t;
  t += IDLE - 1;
  assert.ok(accounts.sessions.keepAlive(session.key));
  t += IDLE - 1;
  assert.ok(accounts.sessions.keepAlive(session.key), 'the previous keepAlive counted as use');
  assert.ok(accounts.sessions.resolve(id));
  t = start + MAX + 1;
  assert.not.ok(accounts.sessions.keepAlive(session.key), 'past max age');
  assert.not.ok(accounts.sessions.keepAlive('sha256$nothing'), 'an unknown key');
  const idle = accounts.sessions.create(bob, null);
  t += IDLE + 1;
  assert.not.ok(accounts.sessions.keepAlive(idle.session.key), 'idle too long');
});

test('purgeExpired deletes idle and too-old sessions only', () => {
  accounts.db.prepare('DELETE FROM sessions').run();
  const t0 = t;
  const at = (minutes: number) => (t = t0 + minutes * MINUTE_MS);
  const old = accounts.sessions.create(alice, null); // kept in use, but passes the maximum age
  for (const m of [20, 40, 60]) { at(m); assert.ok(accounts.sessions.keepAlive(old.session.key)); }
  at(70);
  const idle = accounts.sessions.create(alice, null); // never used again
  for (const m of [80, 100]) { at(m); assert.ok(accounts.sessions.keepAlive(old.session.key)); }
  at(115);
  const fresh = accounts.sessions.create(bob, null);
  assert.ok(accounts.sessions.keepAlive(old.session.key));
  t = t0 + MAX + 1;
  assert.is(stored().length, 3);
  assert.is(accounts.sessions.purgeExpired(), 2);
  assert.equal(stored().map((r) => r.id_hash), [fresh.session.key]);
  assert.is(accounts.sessions.resolve(idle.id), null);
  assert.ok(accounts.sessions.resolve(fresh.id));
  assert.is(accounts.sessions.purgeExpired(), 0, 'nothing more to purge');
});

test.run();
