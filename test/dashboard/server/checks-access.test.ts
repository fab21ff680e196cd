/**
 * Who sees and changes which check (issue 12), through the real API:
 * admins everything; operators their groups' checks, run from hosts they
 * see; viewers read the checks of their groups and hosts; an invisible
 * check is a 404, never a 403.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckView } from '../../../checks/view.js';
import { ApiClient } from '../../helpers/api-client.js';
import { adminClient, addCredentials, addUser, startTestStack, type TestStack } from '../../helpers/stack.js';
import type { CheckResultRecord } from '../../../checks/types.js';
import { waitFor } from '../../helpers/env.js';
import { connectClient } from '../../helpers/mqtt.js';
import { connectSocket } from '../stack.js';

let s: TestStack;
let admin: ApiClient;
const as: Record<string, ApiClient> = {};
let groupA: number;
let groupB: number;

interface Failure { ok: false; error: { code: string; message: string; field?: string } }
const errorOf = (body: unknown): Failure['error'] => (body as Failure).error;
const ids = async (client: ApiClient): Promise<string[]> => (await client.get<{ checks: CheckView[] }>('/api/checks')).data.checks.map((c) => c.id);

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
  const opA = await addUser(s.dataDir, 'op-a', 'operator');
  const opB = await addUser(s.dataDir, 'op-b', 'operator');
  const viewer = await addUser(s.dataDir, 'viewer', 'viewer');
  const viewerB = await addUser(s.dataDir, 'viewer-b', 'viewer');
  groupA = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'class-a' })).data.id;
  groupB = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'class-b' })).data.id;
  await admin.send('PATCH', `/api/groups/${groupA}`, { members: [opA.id] });
  await admin.send('PATCH', `/api/groups/${groupB}`, { members: [opB.id, viewerB.id] });
  await admin.send('PUT', '/api/hosts/lan-a/access', { owner: null, groups: [groupA] });
  await admin.send('PUT', '/api/hosts/lan-b/access', { owner: null, groups: [groupB] });
  await admin.send('PUT', '/api/hosts/vps-v/access', { owner: viewer.id, groups: [] });
  for (const u of [opA, opB, viewer, viewerB]) as[u.name] = await ApiClient.signIn(s.httpUrl, u.name, u.password);
  for (const body of [
    { id: 'b-web', kind: 'http', target: 'https://b.example/', name: 'B site', groupId: groupB, runners: ['lan-b'] },
    { id: 'v-ping', kind: 'ping', target: 'v.example', name: 'Viewer VPS', runners: ['vps-v'] },
    { id: 'admin-only', kind: 'tcp', target: 'db.lan', port: 5432, name: 'Database' },
  ]) assert.is((await admin.send('POST', '/api/checks', body)).status, 201);
});

test.after(async () => {
  await s?.close();
});

test('an operator creates checks in his group, run from hosts he sees; not in another group, not from another host', async () => {
  const op = as['op-a']!;
  const ok = await op.send<CheckView>('POST', '/api/checks', { id: 'a-web', kind: 'http', target: 'https://a.example/', name: 'A site', groupId: groupA, runners: ['lan-a'] });
  assert.is(ok.status, 201);
  assert.is(ok.data.canEdit, true);
  const otherGroup = await op.send('POST', '/api/checks', { id: 'x1', kind: 'ping', target: 'x.example', name: 'x', groupId: groupB, runners: ['lan-a'] });
  assert.equal([otherGroup.status, errorOf(otherGroup.body).field], [403, 'groupId']);
  const noGroup = await op.send('POST', '/api/checks', { id: 'x2', kind: 'ping', target: 'x.example', name: 'x', runners: ['lan-a'] });
  assert.equal([noGroup.status, errorOf(noGroup.body).field], [403, 'groupId']);
  assert.match(errorOf(noGroup.body).message, /required for operators/);
  const otherHost = await op.send('POST', '/api/checks', { id: 'x3', kind: 'ping', target: 'x.example', name: 'x', groupId: groupA, runners: ['lan-b'] });
  assert.equal([otherHost.status, errorOf(otherHost.body).field], [403, 'runners[0]']);
  const boxDefault = await op.send('POST', '/api/checks', { id: 'x4', kind: 'ping', target: 'x.example', name: 'x', groupId: groupA });
  assert.equal([boxDefault.status, errorOf(boxDefault.body).field], [403, 'runners[0]'], 'the box\'s agent is not his to use');
  assert.equal(await ids(admin), ['a-web', 'admin-only', 'b-web', 'v-ping']);
});

test('an operator sees only his checks: another group\'s check is 404 to read, change or delete', async () => {
  const op = as['op-a']!;
  assert.equal(await ids(op), ['a-web']);
  assert.is((await op.get('/api/checks/b-web')).status, 404);
  assert.is((await op.get('/api/checks/b-web/availability')).status, 404);
  const put = await op.send('PUT', '/api/checks/b-web', { kind: 'ping', target: 'x', name: 'mine now', groupId: groupA, runners: ['lan-a'] });
  assert.is(put.status, 404);
  assert.is(errorOf(put.body).code, 'VIGIE_ERR_NOT_FOUND');
  assert.is((await op.send('DELETE', '/api/checks/b-web')).status, 404);
  assert.is((await admin.get('/api/checks/b-web')).status, 200, 'still there');
  const moved = await op.send('PUT', '/api/checks/a-web', { kind: 'http', target: 'https://a.example/', name: 'A site', groupId: groupB, runners: ['lan-a'] });
  assert.equal([moved.status, errorOf(moved.body).field], [403, 'groupId'], 'he cannot give his check to another group');
  const exported = await fetch(`${s.httpUrl}/api/checks/export?format=json`, { headers: { cookie: op.cookieHeader() } });
  assert.equal(((await exported.json()) as { checks: Array<{ id: string }> }).checks.map((c) => c.id), ['a-web']);
  assert.is((await as['op-b']!.get<CheckView>('/api/checks/b-web')).data.canEdit, true);
});

test('a viewer reads the checks of his hosts and groups only, and may change none (403; 404 when invisible)', async () => {
  const viewer = as.viewer!;
  assert.equal(await ids(viewer), ['v-ping']);
  const mine = await viewer.get<CheckView>('/api/checks/v-ping');
  assert.equal([mine.status, mine.data.canEdit], [200, false]);
  assert.is((await viewer.get('/api/checks/a-web')).status, 404);
  assert.is((await viewer.send('POST', '/api/checks', { id: 'v2', kind: 'ping', target: 'x', name: 'x', runners: ['vps-v'] })).status, 403);
  assert.is((await viewer.send('PUT', '/api/checks/v-ping', { kind: 'ping', target: 'y', name: 'x', runners: ['vps-v'] })).status, 403);
  assert.is((await viewer.send('DELETE', '/api/checks/v-ping')).status, 403);
  assert.is((await viewer.send('POST', '/api/checks/import', { format: 'json', text: '{"checks":[]}' })).status, 403);
  assert.equal(await ids(as['viewer-b']!), ['b-web'], 'a group member sees the group\'s check');
  // Header values may be credentials: only those who manage the check read them.
  await admin.send('PUT', '/api/checks/b-web', { kind: 'http', target: 'https://b.example/', name: 'B site', groupId: groupB, runners: ['lan-b'], http: { headers: { authorization: 'Bearer s3cret' } } });
  assert.equal((await as['viewer-b']!.get<CheckView>('/api/checks/b-web')).data.http?.headers, { authorization: '********' });
  const viewerExport = await fetch(`${s.httpUrl}/api/checks/export?format=yaml`, { headers: { cookie: as['viewer-b']!.cookieHeader() } });
  assert.not.match(await viewerExport.text(), /s3cret/);
  assert.equal((await as['op-b']!.get<CheckView>('/api/checks/b-web')).data.http?.headers, { authorization: 'Bearer s3cret' });
});

test('a live `check` result reaches only the sockets of users who may see that check', async () => {
  const viewerB = await connectSocket(s.httpUrl, { cookie: as['viewer-b']!.cookieHeader() });
  const opA = await connectSocket(s.httpUrl, { cookie: as['op-a']!.cookieHeader() });
  try {
    const got: Record<string, string[]> = { viewerB: [], opA: [] };
    viewerB.on('check', (e: CheckResultRecord) => got.viewerB!.push(e.check));
    opA.on('check', (e: CheckResultRecord) => got.opA!.push(e.check));
    const report = async (runner: string, check: string): Promise<void> => {
      const client = await connectClient(s.mqttUrl, { ...addCredentials(s.dataDir, { kind: 'agent', host: runner }), clientId: `${runner}-live` });
      const payload = JSON.stringify({ v: 1, ts: Date.now(), kind: 'http', state: 'up', latency: 0.01, message: '200 OK' });
      await new Promise<void>((resolve, reject) => client.publish(`vigie/${runner}/checks/${check}`, payload, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
      client.end(true);
    };
    await report('lan-b', 'b-web');
    await waitFor('viewer-b hears b-web', () => got.viewerB!.includes('b-web'));
    await report('lan-a', 'a-web');
    await waitFor('op-a hears a-web', () => got.opA!.includes('a-web'));
    assert.equal(got.opA, ['a-web'], 'op-a never heard b-web');
    assert.equal(got.viewerB, ['b-web']);
  } finally {
    viewerB.disconnect();
    opA.disconnect();
  }
});

test('an operator\'s import: items of another group are refused by name; replace deletes only his own checks', async () => {
  const op = as['op-a']!;
  const refused = await op.send('POST', '/api/checks/import', {
    format: 'json',
    text: JSON.stringify({ checks: [{ id: 'a-web', kind: 'http', target: 'https://a.example/', name: 'A', groupId: groupA, runners: ['lan-a'] }, { id: 'b-web', kind: 'ping', target: 'x', name: 'B', groupId: groupA, runners: ['lan-a'] }] }),
    mode: 'merge',
  });
  assert.equal([refused.status, errorOf(refused.body).field], [403, 'checks[1].id']);
  const replaced = await op.send<{ created: string[]; deleted: string[] }>('POST', '/api/checks/import', {
    format: 'json',
    text: JSON.stringify({ checks: [{ id: 'a-dns', kind: 'dns', target: 'a.example', name: 'A DNS', groupId: groupA, runners: ['lan-a'] }] }),
    mode: 'replace',
  });
  assert.equal([replaced.data.created, replaced.data.deleted], [['a-dns'], ['a-web']]);
  assert.equal(await ids(admin), ['a-dns', 'admin-only', 'b-web', 'v-ping']);
});

test('the group picker lists an operator\'s own groups by name, every group for an admin', async () => {
  const mine = await as['op-a']!.get<Array<{ id: number; name: string }>>('/api/me/groups');
  assert.equal(mine.data, [{ id: groupA, name: 'class-a' }]);
  const all = await admin.get<Array<{ id: number; name: string }>>('/api/me/groups');
  assert.equal(all.data.map((g) => g.name), ['class-a', 'class-b']);
});

test.run();
