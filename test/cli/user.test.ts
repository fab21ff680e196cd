/**
 * `vigie user` run as a child process, as an admin types it: add, list,
 * passwd and unlock on a real data directory, the errors and their exit
 * codes, and the event log entry each action leaves.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts } from '../../accounts/index.js';
import { EventLog } from '../../events/event-log.js';
import { tempDir } from '../helpers/env.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const data = tempDir();
const env = { ...process.env, VIGIE_CONFIG: '' };
const user = (args: string[], input?: string) =>
  spawnSync(process.execPath, [main, 'user', ...args, '--data-dir', data.path], { encoding: 'utf8', env, ...(input !== undefined ? { input } : {}) });

/** Runs `fn` on the accounts of the data directory, closing them after. */
async function withAccounts<T>(fn: (a: ReturnType<typeof openAccounts>) => T | Promise<T>): Promise<T> {
  const a = openAccounts(data.path);
  try {
    return await fn(a);
  } finally {
    a.close();
  }
}
function events() {
  const log = EventLog.open(data.path);
  try {
    return log.query({ limit: 1000 }).reverse();
  } finally {
    log.close();
  }
}

test.after(() => data.remove());

test('add NAME --admin --password-stdin creates an admin with that password, printing no password', async () => {
  const made = user(['add', 'Teacher', '--admin', '--password-stdin'], 'a long teacher password\n');
  assert.is(made.status, 0, made.stderr);
  assert.match(made.stdout, /^user Teacher \(admin\) created$/m);
  assert.not.match(made.stdout, /password:/);
  assert.not.match(made.stdout, /a long teacher password/);
  await withAccounts(async (a) => {
    assert.is((await a.users.verify('teacher', 'a long teacher password'))?.role, 'admin');
    assert.is(await a.users.verify('teacher', 'a long teacher password\n'), null, 'the newline is not part of the password');
  });
});

test('add without --password-stdin generates a password and prints it once', async () => {
  const made = user(['add', 'student-a', '--role', 'operator']);
  assert.is(made.status, 0, made.stderr);
  assert.match(made.stdout, /user student-a \(operator\) created/);
  const password = /^password: (\S+)$/m.exec(made.stdout)?.[1];
  assert.ok(password && password.length >= 16, made.stdout);
  assert.is(made.stdout.split(password!).length - 1, 1, 'printed exactly once');
  assert.match(made.stdout, /shown once/);
  await withAccounts(async (a) => assert.is((await a.users.verify('student-a', password!))?.role, 'operator'));
  const viewer = user(['add', 'student-b']);
  assert.is(viewer.status, 0, viewer.stderr);
  assert.match(viewer.stdout, /\(viewer\)/, 'the default role is viewer');
});

test('list shows names and roles, never a hash or a password', () => {
  const listed = user(['list']);
  assert.is(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /^student-a +operator +last login never$/m);
  assert.match(listed.stdout, /^student-b +viewer +last login never$/m);
  assert.match(listed.stdout, /^Teacher +admin +last login never$/m);
  assert.is(listed.stdout.trim().split('\n').length, 3);
  assert.not.match(listed.stdout, /scrypt|\$/);
  assert.not.match(listed.stdout, /a long teacher password/);
});

test('list shows a lock while it lasts', async () => {
  const until = Date.now() + 3_600_000;
  await withAccounts((a) => a.users.lock(a.users.findByName('student-b')!.id, until));
  assert.match(user(['list']).stdout, new RegExp(`^student-b +viewer +last login never  locked until ${new Date(until).toISOString().replace(/\./g, '\\.')}$`, 'm'));
});

test('passwd sets the password from stdin, ends the user\'s sessions and unlocks the account', async () => {
  const before = await withAccounts((a) => {
    const id = a.users.findByName('student-a')!.id;
    const other = a.users.findByName('teacher')!.id;
    a.users.recordFailure(id);
    a.users.recordFailure(id);
    a.users.lock(id, Date.now() + 3_600_000);
    return { id, s1: a.sessions.create(id, '10.0.0.1').id, s2: a.sessions.create(id, null).id, teacher: a.sessions.create(other, null).id };
  });
  const changed = user(['passwd', 'STUDENT-A', '--password-stdin'], 'the new student password\nsecond line ignored\n');
  assert.is(changed.status, 0, changed.stderr);
  assert.match(changed.stdout, /password of student-a changed; their sessions are ended/);
  assert.not.match(changed.stdout, /password: /, 'nothing generated to print');
  await withAccounts(async (a) => {
    assert.is(a.sessions.resolve(before.s1), null);
    assert.is(a.sessions.resolve(before.s2), null);
    assert.ok(a.sessions.resolve(before.teacher), "another user's session stays");
    const u = a.users.get(before.id)!;
    assert.is(u.lockedUntil, null);
    assert.is(a.users.failures(before.id), 0);
    assert.ok(await a.users.verify('student-a', 'the new student password'));
  });
});

test('passwd without --password-stdin prints a new generated password that works', async () => {
  const changed = user(['passwd', 'student-b']);
  assert.is(changed.status, 0, changed.stderr);
  const password = /^password: (\S+)$/m.exec(changed.stdout)?.[1];
  assert.ok(password);
  await withAccounts(async (a) => assert.ok(await a.users.verify('student-b', password!)));
});

test('unlock lifts a lock and clears the failure count', async () => {
  const id = await withAccounts((a) => {
    const u = a.users.findByName('teacher')!;
    for (let i = 0; i < 4; i += 1) a.users.recordFailure(u.id);
    a.users.lock(u.id, Date.now() + 3_600_000);
    assert.ok(a.users.get(u.id)!.lockedUntil);
    return u.id;
  });
  const unlocked = user(['unlock', 'teacher']);
  assert.is(unlocked.status, 0, unlocked.stderr);
  assert.match(unlocked.stdout, /^Teacher unlocked$/m);
  await withAccounts((a) => {
    assert.is(a.users.get(id)!.lockedUntil, null);
    assert.is(a.users.failures(id), 0);
  });
});

test('errors: unknown role and short password exit 2 naming the field; unknown user exits 1', async () => {
  const role = user(['add', 'someone', '--role', 'root']);
  assert.is(role.status, 2);
  assert.match(role.stderr, /--role: "root" is not a role \(expected admin, operator, viewer\)/);

  const short = user(['add', 'someone', '--password-stdin'], 'short\n');
  assert.is(short.status, 2);
  assert.match(short.stderr, /password: expected 10 to 1024 characters \(got 5\)/);

  const taken = user(['add', 'TEACHER', '--password-stdin'], 'another long password\n');
  assert.is(taken.status, 2);
  assert.match(taken.stderr, /name: "TEACHER" is already taken/);

  const badName = user(['add', 'x'.repeat(65), '--password-stdin'], 'another long password\n');
  assert.is(badName.status, 2);
  assert.match(badName.stderr, /name: expected 1 to 64 characters/);

  for (const action of ['passwd', 'unlock']) {
    const missing = user([action, 'ghost'], 'another long password\n');
    assert.is(missing.status, 1, `${action} ghost`);
    assert.match(missing.stderr, /no user named "ghost"/);
  }
  const shortPasswd = user(['passwd', 'teacher', '--password-stdin'], 'tiny\n');
  assert.is(shortPasswd.status, 2);
  assert.match(shortPasswd.stderr, /password: /);
  await withAccounts(async (a) => {
    assert.is(a.users.findByName('someone'), null, 'nothing was created');
    assert.is(a.users.count(), 3);
  });
  assert.is(user(['add']).status, 2, 'a missing NAME');
  const unknown = user(['frobnicate', 'teacher']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown action "frobnicate"/);
});

test('each action is in the event log, by "command line"; failed ones are not', () => {
  const log = events();
  assert.ok(log.every((e) => e.user === 'command line' && e.address === null));
  assert.equal(log.map((e) => e.type), ['user.created', 'user.created', 'user.created', 'user.updated', 'user.updated', 'user.updated']);
  assert.match(log[0]!.message, /User Teacher created \(admin\)/);
  assert.equal(log[0]!.data, { id: 1, after: { name: 'Teacher', role: 'admin' } });
  assert.match(log[1]!.message, /student-a created \(operator\)/);
  assert.match(log[3]!.message, /Password of student-a reset from the command line/);
  assert.equal(log[3]!.data, { id: 2, password: true });
  assert.match(log[5]!.message, /Teacher unlocked/);
  assert.equal(log[5]!.data, { id: 1, unlocked: true });
  assert.not.ok(JSON.stringify(log).includes('the new student password'), 'no password in the log');
});

test.run();
