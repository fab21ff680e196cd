/**
 * HostAccessStore on a real accounts.db: who sees which host (admin, owner,
 * group member, stranger), validation of owners and groups, the visibility
 * cache dropped after changes from this connection or another one (another
 * process, e.g. `vigie user`), and labels.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts, type Accounts } from '../../accounts/index.js';
import type { User } from '../../accounts/users.js';
import { VigieError } from '../../core/errors.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
let a: Accounts;
let other: Accounts;
let admin: User, owner: User, member: User, stranger: User;
let classGroup = 0;

test.before(async () => {
  a = openAccounts(dir.path);
  other = openAccounts(dir.path); // a second connection to the same file
  const mk = (name: string, role: User['role']) => a.users.create({ name, password: 'a long enough password', role });
  admin = await mk('teacher', 'admin');
  owner = await mk('student-a', 'operator');
  member = await mk('student-b', 'viewer');
  stranger = await mk('student-c', 'viewer');
  classGroup = a.groups.create('class 1').id;
  a.groups.update(classGroup, { members: [member.id] });
});
test.after(() => {
  other.close();
  a.close();
  dir.remove();
});

function badRequest(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, VigieError);
    assert.is((error as VigieError).code, 'VIGIE_ERR_BAD_REQUEST');
    assert.match((error as VigieError).message, message);
    return;
  }
  assert.unreachable('expected VIGIE_ERR_BAD_REQUEST');
}

test('canSee: admins see every host, owners theirs, group members the shared ones, strangers nothing', () => {
  a.hostAccess.setAccess('vps-a', { owner: owner.id, groups: [] });
  a.hostAccess.setAccess('lab-pc', { owner: null, groups: [classGroup] });
  const sees = (u: User) => ['vps-a', 'lab-pc', 'never-configured'].filter((h) => a.hostAccess.canSee(u, h));
  assert.equal(sees(admin), ['vps-a', 'lab-pc', 'never-configured']);
  assert.equal(sees(owner), ['vps-a']);
  assert.equal(sees(member), ['lab-pc']);
  assert.equal(sees(stranger), []);
  assert.equal([...a.hostAccess.visible(owner.id)], ['vps-a']);
  assert.equal(a.hostAccess.get('lab-pc'), { host: 'lab-pc', label: null, owner: null, groups: [classGroup] });
  // The role is what counts, not the id: an admin record with no ownership still sees all.
  assert.ok(a.hostAccess.canSee({ id: stranger.id, role: 'admin' }, 'vps-a'));
  assert.not.ok(a.hostAccess.canSee({ id: admin.id, role: 'viewer' }, 'vps-a'));
});

test('setAccess refuses an unknown owner or group, naming the field, and changes nothing', () => {
  const before = a.hostAccess.get('vps-a');
  badRequest(() => a.hostAccess.setAccess('vps-a', { owner: 424242, groups: [] }), /^owner: no user with id 424242/);
  badRequest(() => a.hostAccess.setAccess('vps-a', { owner: owner.id, groups: [classGroup, 999] }), /^groups: no group with id 999/);
  assert.equal(a.hostAccess.get('vps-a'), before);
});

test('the same connection: a change is seen at once (the cache is dropped)', () => {
  assert.not.ok(a.hostAccess.canSee(stranger, 'vps-a'), 'warms the cache with "not visible"');
  a.hostAccess.setAccess('vps-a', { owner: stranger.id, groups: [] });
  assert.ok(a.hostAccess.canSee(stranger, 'vps-a'));
  assert.not.ok(a.hostAccess.canSee(owner, 'vps-a'), 'the former owner lost it');
  a.hostAccess.setAccess('vps-a', { owner: owner.id, groups: [] });
  assert.not.ok(a.hostAccess.canSee(stranger, 'vps-a'));
});

test('another connection: a change made there is seen here', () => {
  assert.not.ok(a.hostAccess.canSee(stranger, 'lab-pc'), 'cached as not visible');
  other.hostAccess.setAccess('lab-pc', { owner: stranger.id, groups: [classGroup] });
  assert.ok(a.hostAccess.canSee(stranger, 'lab-pc'), 'ownership given elsewhere is visible');

  assert.ok(a.hostAccess.canSee(member, 'lab-pc'), 'cached as visible');
  other.groups.update(classGroup, { members: [] });
  assert.not.ok(a.hostAccess.canSee(member, 'lab-pc'), 'membership removed elsewhere is gone');

  other.hostAccess.remove('lab-pc');
  assert.not.ok(a.hostAccess.canSee(stranger, 'lab-pc'), 'host forgotten elsewhere');
  assert.equal(a.hostAccess.get('lab-pc'), { host: 'lab-pc', label: null, owner: null, groups: [] });
  other.groups.update(classGroup, { members: [member.id] });
});

test('deleting the owner leaves the host without owner (admins still see it)', async () => {
  const temp = await a.users.create({ name: 'leaving', password: 'a long enough password', role: 'viewer' });
  a.hostAccess.setAccess('old-box', { owner: temp.id, groups: [] });
  assert.ok(a.hostAccess.canSee(temp, 'old-box'));
  a.users.delete(temp.id);
  assert.is(a.hostAccess.get('old-box').owner, null);
  assert.ok(a.hostAccess.canSee(admin, 'old-box'));
});

test('labels: setLabel, labelOf, labels(); null or blank clears; bad labels refused', () => {
  assert.is(a.hostAccess.labelOf('vps-a'), null);
  assert.is(a.hostAccess.setLabel('vps-a', '  Student A VPS ').label, 'Student A VPS');
  a.hostAccess.setLabel('unowned', 'Spare <b>box</b>');
  assert.is(a.hostAccess.labelOf('vps-a'), 'Student A VPS');
  assert.is(other.hostAccess.labelOf('unowned'), 'Spare <b>box</b>', 'stored as given text');
  assert.equal(a.hostAccess.labels(), new Map([['vps-a', 'Student A VPS'], ['unowned', 'Spare <b>box</b>']]));
  assert.is(a.hostAccess.get('vps-a').owner, owner.id, 'a label leaves the owner alone');
  a.hostAccess.setAccess('vps-a', { owner: owner.id, groups: [] });
  assert.is(a.hostAccess.labelOf('vps-a'), 'Student A VPS', 'and access leaves the label alone');

  a.hostAccess.setLabel('vps-a', null);
  assert.is(a.hostAccess.labelOf('vps-a'), null);
  a.hostAccess.setLabel('unowned', '   ');
  assert.is(a.hostAccess.labelOf('unowned'), null);
  a.hostAccess.setLabel('unowned', '');
  assert.equal(a.hostAccess.labels(), new Map());
  badRequest(() => a.hostAccess.setLabel('vps-a', 'z'.repeat(65)), /^label: /);
  badRequest(() => a.hostAccess.setLabel('vps-a', 'bell\u0007'), /^label: control characters/);
});

test('list shows every host with an owner, a label or a group', () => {
  a.hostAccess.setAccess('shared-only', { owner: null, groups: [classGroup] });
  const hosts = a.hostAccess.list().map((e) => e.host);
  assert.ok(hosts.includes('vps-a') && hosts.includes('shared-only') && hosts.includes('old-box'));
  assert.not.ok(hosts.includes('never-configured'));
  assert.equal(hosts, [...hosts].sort());
});

test.run();
