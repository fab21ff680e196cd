/**
 * Alerts through the REST API and Socket.IO, with roles and ownership: who
 * sees which alert, who may acknowledge, silence, change a host's rules or
 * plan maintenance; settings errors name the field; events can be purged.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'socket.io-client';
import type { AlertView } from '../../../alerts/service.js';
import { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { connectSocket, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

let s: DashboardStack;
const as: Record<string, ApiClient> = {};
const sockets: Socket[] = [];

const connect = async (client: ApiClient): Promise<Socket> => {
  const socket = await connectSocket(s.url, { cookie: client.cookieHeader() });
  sockets.push(socket);
  return socket;
};

test.before(async () => {
  s = await startDashboardStack();
  await s.admin.send('PUT', '/api/alert-settings', { defaults: { cpu: { for: 0 } }, hosts: {} });
  const alice = await addUser(s.dataDir, 'alice', 'viewer');
  const bob = await addUser(s.dataDir, 'bob', 'operator');
  const teacher = await addUser(s.dataDir, 'teacher', 'operator');
  const group = (await s.admin.send<{ id: number }>('POST', '/api/groups', { name: 'class' })).data.id;
  await s.admin.send('PATCH', `/api/groups/${group}`, { members: [teacher.id] });
  await s.admin.send('PUT', '/api/hosts/host-a/access', { owner: alice.id, groups: [group] });
  await s.admin.send('PUT', '/api/hosts/host-b/access', { owner: bob.id, groups: [] });
  for (const u of [alice, bob, teacher]) as[u.name] = await ApiClient.signIn(s.url, u.name, u.password);
  for (const host of ['host-a', 'host-b']) await s.publish(host, 'status', statusPayload());
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  await s?.close();
});

test('an alert reaches only those who see its host: REST and the live `alert` event', async () => {
  const aliceSocket = await connect(as.alice!);
  const bobSocket = await connect(as.bob!);
  await new Promise<void>((r) => aliceSocket.emit('overview', () => r()));
  await new Promise<void>((r) => bobSocket.emit('overview', () => r()));
  const aliceGot: AlertView[] = [];
  const bobGot: AlertView[] = [];
  aliceSocket.on('alert', (a: AlertView) => aliceGot.push(a));
  bobSocket.on('alert', (a: AlertView) => bobGot.push(a));
  await s.publish('host-a', 'metrics', metricsPayload(99));
  await s.publish('host-b', 'metrics', metricsPayload(99));
  await waitFor('alice hears host-a', () => aliceGot.some((a) => a.host === 'host-a' && a.state === 'firing'));
  await waitFor('bob hears host-b', () => bobGot.some((a) => a.host === 'host-b'));
  assert.ok(aliceGot.every((a) => a.host === 'host-a'), 'nothing of host-b for alice');
  assert.ok(bobGot.every((a) => a.host === 'host-b'), 'nothing of host-a for bob');
  const listed = (await as.alice!.get<AlertView[]>('/api/alerts?state=firing')).data;
  assert.equal(listed.map((a) => [a.host, a.rule, a.severity]), [['host-a', 'cpu', 'critical']]);
  assert.is(listed[0]!.title, 'CPU at 99 % on host-a');
  assert.equal((await s.admin.get<AlertView[]>('/api/alerts?state=firing')).data.map((a) => a.host).sort(), ['host-a', 'host-b']);
});

test('acknowledge and silence: operators who see the host; a viewer cannot; a stranger gets 404', async () => {
  const alert = (await as.alice!.get<AlertView[]>('/api/alerts?state=firing')).data[0]!;
  const viewer = await as.alice!.send('POST', `/api/alerts/${alert.id}/ack`, { comment: 'mine' });
  assert.is(viewer.status, 403);
  const stranger = await as.bob!.send('POST', `/api/alerts/${alert.id}/ack`, { comment: 'not mine' });
  assert.is(stranger.status, 404, 'bob cannot tell host-a has an alert');
  const acked = await as.teacher!.send<AlertView>('POST', `/api/alerts/${alert.id}/ack`, { comment: 'on it' });
  assert.equal([acked.status, acked.data.ack?.by, acked.data.ack?.comment], [200, 'teacher', 'on it']);
  const silenced = await as.teacher!.send<AlertView>('POST', `/api/alerts/${alert.id}/silence`, { minutes: 60 });
  assert.ok(silenced.data.silenced && silenced.data.silenced.until > Date.now() + 59 * 60_000);
  const bad = await as.teacher!.send('POST', `/api/alerts/${alert.id}/silence`, { minutes: 0 });
  assert.is(bad.status, 400);
  assert.match((bad.body as { error: { message: string } }).error.message, /^minutes: /);
  assert.ok(s.events.query({ type: 'alert.acknowledged', host: 'host-a' }).some((e) => e.user === 'teacher'));
});

test('host alert settings: everyone who sees the host reads them, operators change them, errors name the field', async () => {
  const read = await as.alice!.get<{ effective: { cpu: { warning: number } }; services: string[] }>('/api/hosts/host-a/alert-settings');
  assert.is(read.data.effective.cpu.warning, 85);
  assert.is((await as.alice!.send('PUT', '/api/hosts/host-a/alert-settings', { cpu: { enabled: false } })).status, 403, 'a viewer reads only');
  assert.is((await as.bob!.get('/api/hosts/host-a/alert-settings')).status, 404);
  const invalid = await as.teacher!.send('PUT', '/api/hosts/host-a/alert-settings', { cpu: { warning: 97, critical: 90 } });
  assert.is(invalid.status, 400);
  assert.match((invalid.body as { error: { message: string } }).error.message, /hosts\.host-a\.cpu\.warning: must be ≤ critical/);
  const alert = (await s.admin.get<AlertView[]>('/api/alerts?state=firing&host=host-a')).data[0]!;
  const saved = await as.teacher!.send<{ effective: { cpu: { enabled: boolean } } }>('PUT', '/api/hosts/host-a/alert-settings', { cpu: { enabled: false } });
  assert.is(saved.data.effective.cpu.enabled, false);
  await waitFor('the disabled rule ends its alert', async () => (await s.admin.get<AlertView[]>(`/api/alerts?host=host-a`)).data.find((a) => a.id === alert.id)?.state === 'resolved');
  assert.is((await s.admin.get<AlertView[]>('/api/alerts?host=host-a')).data.find((a) => a.id === alert.id)?.endCause, 'disabled');
  assert.ok(s.events.query({ type: 'settings.host_alerts', host: 'host-a' }).some((e) => e.user === 'teacher' && JSON.stringify(e.data).includes('"enabled":false')), 'who, what, before/after in the event log');
  assert.is((await as.teacher!.send('PUT', '/api/alert-settings', { defaults: {}, hosts: {} })).status, 403, 'defaults are for admins');
});

test('maintenance: an operator plans one for a host they see, not for others or for everyone', async () => {
  const schedule = { kind: 'once', start: Date.now() - 1000, end: Date.now() + 3_600_000 };
  const mine = await as.bob!.send<{ id: number }>('POST', '/api/maintenance', { name: 'Upgrade', scope: { kind: 'host', host: 'host-b' }, schedule });
  assert.is(mine.status, 201);
  assert.is((await as.bob!.send('POST', '/api/maintenance', { name: 'x', scope: { kind: 'host', host: 'host-a' }, schedule })).status, 403);
  assert.is((await as.bob!.send('POST', '/api/maintenance', { name: 'x', scope: { kind: 'all' }, schedule })).status, 403);
  const backwards = await s.admin.send('POST', '/api/maintenance', { name: 'x', scope: { kind: 'all' }, schedule: { kind: 'once', start: 2e12, end: 1e12 } });
  assert.match((backwards.body as { error: { message: string } }).error.message, /^schedule\.end: must be after/);
  const weekly = await s.admin.send('POST', '/api/maintenance', { name: 'Nightly backup', scope: { kind: 'all' }, schedule: { kind: 'weekly', days: [0, 6], start: '25:00', durationMinutes: 60 } });
  assert.is(weekly.status, 400, 'a bad time is refused');
  const listed = (await as.alice!.get<Array<{ name: string; active: boolean }>>('/api/maintenance')).data;
  assert.equal(listed, [], 'alice sees no window of bob\'s host');
  assert.equal((await as.bob!.get<Array<{ name: string; active: boolean }>>('/api/maintenance')).data.map((w) => [w.name, w.active]), [['Upgrade', true]]);
  assert.is((await as.alice!.send('DELETE', `/api/maintenance/${mine.data.id}`)).status, 403);
  assert.is((await as.bob!.send('DELETE', `/api/maintenance/${mine.data.id}`)).status, 200);
});

test('events: an admin purges those before a date; the purge itself is logged', async () => {
  const before = s.events.query({ limit: 1000 }).length;
  assert.ok(before > 3);
  assert.is((await as.teacher!.send('DELETE', `/api/events?before=${Date.now() + 1000}`)).status, 403);
  const purged = await s.admin.send<{ deleted: number }>('DELETE', `/api/events?before=${Date.now() + 1}`);
  assert.ok(purged.data.deleted >= before);
  const left = s.events.query({ limit: 1000 });
  assert.equal(left.map((e) => e.type), ['events.purged']);
});

test.run();
