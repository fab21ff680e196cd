/**
 * The devices API on the real `vigie up` wiring (broker, ingest, local agent,
 * dashboard, SQLite files): create, read, replace and delete, validation
 * errors that name the field and never echo a secret, secrets redacted in
 * every answer and sealed in devices.db, "********" keeping a stored secret
 * unless the address or the SNMP user changed, and ids that belong to agents.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeviceView } from '../../../devices/view.js';
import { EventLog } from '../../../events/event-log.js';
import { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';

let s: TestStack;
let admin: ApiClient;

interface Failure { ok: false; error: { code: string; message: string; field?: string; fields?: Array<{ field: string; message: string }> } }
const failure = (body: unknown): Failure['error'] => (body as Failure).error;

/** DELETE answers 204 without a body, which ApiClient would parse: the status only. */
async function del(as: ApiClient, path: string): Promise<number> {
  const res = await fetch(as.url + path, { method: 'DELETE', headers: { cookie: as.cookieHeader(), 'x-csrf-token': as.csrf ?? '' } });
  await res.arrayBuffer();
  return res.status;
}

const COMMUNITY = 'c0mmunity-Secret-41';
const AUTH = 'auth-passphrase-77';
const PRIV = 'priv-passphrase-88';
const SECRETS = [COMMUNITY, AUTH, PRIV, 'new-community-99', 'other-auth-pass-1'];

/** Every secret this suite ever sent: none may appear in an answer. */
const assertNoSecret = (body: unknown, what: string): void => {
  const text = JSON.stringify(body);
  for (const secret of SECRETS) assert.not.ok(text.includes(secret), `${what} holds a secret`);
};

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
  addCredentials(s.dataDir, { kind: 'agent', host: 'poller-1' });
});

test.after(async () => {
  await s?.close();
});

test('create: defaults filled, the box\'s agent polls it, 201 with the view, secrets redacted; GET lists and reads it', async () => {
  const created = await admin.send<DeviceView>('POST', '/api/devices', { id: 'sw-1', address: '192.0.2.10', label: 'Core switch', snmp: { version: '2c', community: COMMUNITY } });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const view = created.data;
  assert.equal([view.poller, view.port, view.interval, view.timeout, view.retries, view.enabled, view.label], ['the-box', 161, 60, 5, 1, true, 'Core switch']);
  assert.equal(view.snmp, { version: '2c', community: '********' });
  assert.equal([view.groups, view.custom, view.canEdit, view.createdBy], [[], [], true, 'admin']);
  assertNoSecret(created.body, 'POST');
  const v3 = await admin.send<DeviceView>('POST', '/api/devices', {
    id: 'fw-1', address: 'fw.lan', port: 1161, poller: 'poller-1', interval: 30,
    snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: AUTH, privProtocol: 'aes', privKey: PRIV },
    custom: [{ name: 'states', oid: '1.3.6.1.4.1.12325.1.200.1.3.1.0', type: 'gauge', unit: 'states' }],
  });
  assert.is(v3.status, 201, JSON.stringify(v3.body));
  assert.equal(v3.data.snmp, { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: '********', privProtocol: 'aes', privKey: '********' });
  const list = await admin.get<{ devices: DeviceView[] }>('/api/devices');
  assert.equal(list.data.devices.map((d) => d.id), ['fw-1', 'sw-1']);
  assertNoSecret(list.body, 'GET /api/devices');
  const one = await admin.get<DeviceView>('/api/devices/fw-1');
  assert.is(one.data.custom[0]!.name, 'states');
  assertNoSecret(one.body, 'GET /api/devices/fw-1');
  assert.is((await admin.get('/api/devices/nope')).status, 404);
});

test('devices.db holds no secret in clear (file and WAL), and secret.key is 0600', () => {
  const files = ['devices.db', 'devices.db-wal'].map((f) => join(s.dataDir, f)).filter((p) => existsSync(p));
  const bytes = Buffer.concat(files.map((p) => readFileSync(p)));
  for (const secret of [COMMUNITY, AUTH, PRIV]) assert.is(bytes.indexOf(secret), -1, 'devices.db holds a secret in clear');
  assert.ok(bytes.includes('192.0.2.10'), 'the files are the right ones: they hold the address');
  assert.is(statSync(join(s.dataDir, 'secret.key')).mode & 0o777, 0o600);
});

test('validation errors name the field and never repeat a secret', async () => {
  const v3 = (extra: Record<string, unknown>) => ({ version: '3', user: 'u', level: 'authNoPriv', authProtocol: 'sha256', authKey: AUTH, ...extra });
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ id: 'd', address: 'x.lan', snmp: v3({ authKey: 'short1' }) }, 'snmp.authKey', /8 characters|length/i],
    [{ id: 'd', address: 'x.lan', snmp: v3({ level: 'authPriv' }) }, 'snmp.privProtocol', /required with level authPriv/],
    [{ id: 'd', address: 'x.lan', snmp: v3({ privKey: PRIV }) }, 'snmp.privKey', /only with level authPriv/],
    [{ id: 'd', address: 'x.lan', snmp: v3({ authProtocol: 'sha3' }) }, 'snmp.authProtocol', /one of sha, sha224/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '1', community: 'public' } }, 'snmp.version', /"2c" or "3"/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '2c', community: '********' } }, 'snmp.community', /the secret itself/],
    [{ id: 'd', address: 'http://x.lan', snmp: { version: '2c', community: COMMUNITY } }, 'address', /host name or an IP address/],
    [{ id: 'Bad Id', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY } }, 'id', /a host id/],
    [{ id: 'd', address: 'x.lan', port: 70000, snmp: { version: '2c', community: COMMUNITY } }, 'port', /65535/],
    [{ id: 'd', address: 'x.lan', interval: 5, snmp: { version: '2c', community: COMMUNITY } }, 'interval', /10/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY }, colour: 'red' }, 'colour', /unknown field/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY }, custom: [{ name: 'a', oid: '1.3.6', type: 'gauge', unit: '' }, { name: 'a', oid: '1.3.7', type: 'counter', unit: '' }] }, 'custom[1].name', /already used/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY }, custom: [{ name: 'a', oid: '.1.3.6', type: 'gauge', unit: '' }] }, 'custom[0].oid', /numeric OID/],
    [{ id: 'd', address: 'x.lan', poller: 'd', snmp: { version: '2c', community: COMMUNITY } }, 'poller', /cannot poll itself/],
    [{ id: 'd', address: 'x.lan', poller: 'nobody', snmp: { version: '2c', community: COMMUNITY } }, 'poller', /not an agent this server knows/],
    [{ id: 'd', address: 'x.lan', poller: 'sw-1', snmp: { version: '2c', community: COMMUNITY } }, 'poller', /is an SNMP device/],
    [{ id: 'd', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY }, groups: [999] }, 'groups[0]', /no group with id 999/],
  ];
  for (const [body, field, message] of cases) {
    const answer = await admin.send('POST', '/api/devices', body);
    const error = failure(answer.body);
    assert.is(answer.status, 400, `${JSON.stringify(body)} → ${answer.status}`);
    assert.is(error.field, field, `${JSON.stringify(body)} → ${error.message}`);
    assert.match(error.fields![0]!.message, message, `${field}: ${error.fields![0]!.message}`);
    assert.match(error.message, new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `));
    assertNoSecret(answer.body, `error for ${field}`);
    assert.not.ok(JSON.stringify(answer.body).includes('short1'), 'a too-short secret is not echoed either');
  }
  assert.is((await admin.get<{ devices: DeviceView[] }>('/api/devices')).data.devices.length, 2, 'nothing was created');
  const garbage = await admin.send('POST', '/api/devices', [1, 2]);
  assert.is(garbage.status, 400);
});

test('an id that is an agent\'s is a 409 on id; a duplicate device id too', async () => {
  const device = (id: string) => ({ id, address: 'x.lan', snmp: { version: '2c', community: COMMUNITY } });
  for (const id of ['poller-1', 'the-box', 'sw-1']) {
    const answer = await admin.send('POST', '/api/devices', device(id));
    assert.is(answer.status, 409, id);
    assert.is(failure(answer.body).field, 'id', id);
  }
  assert.match(failure((await admin.send('POST', '/api/devices', device('poller-1'))).body).message, /agent host/);
  // An enrollment token pending for an id makes it an agent's too.
  assert.is((await admin.send('POST', '/api/hosts', { host: 'coming-soon' })).status, 201);
  assert.is((await admin.send('POST', '/api/devices', device('coming-soon'))).status, 409);
});

test('enrollment refuses a device\'s id', async () => {
  const answer = await admin.send('POST', '/api/hosts', { host: 'sw-1' });
  assert.is(answer.status, 409);
  assert.match(failure(answer.body).message, /sw-1 is an SNMP device/);
});

test('PUT: "********" or a left-out secret keeps it; a changed address or user needs it typed again; no rename', async () => {
  const before = (await admin.get<DeviceView>('/api/devices/sw-1')).data;
  const kept = await admin.send<DeviceView>('PUT', '/api/devices/sw-1', { address: '192.0.2.10', interval: 120, snmp: { version: '2c', community: '********' } });
  assert.is(kept.status, 200, JSON.stringify(kept.body));
  assert.equal([kept.data.interval, kept.data.label, kept.data.createdAt], [120, 'Core switch', before.createdAt], 'label left out: kept');
  const moved = await admin.send('PUT', '/api/devices/sw-1', { address: '192.0.2.99', snmp: { version: '2c', community: '********' } });
  assert.is(moved.status, 400);
  assert.is(failure(moved.body).field, 'snmp.community');
  assert.match(failure(moved.body).message, /type it again, since address changed/);
  const movedNoSnmp = await admin.send('PUT', '/api/devices/sw-1', { address: '192.0.2.99' });
  assert.is(movedNoSnmp.status, 400);
  assert.is(failure(movedNoSnmp.body).field, 'snmp');
  const retyped = await admin.send<DeviceView>('PUT', '/api/devices/sw-1', { address: '192.0.2.99', snmp: { version: '2c', community: 'new-community-99' } });
  assert.is(retyped.status, 200);
  assert.is(retyped.data.address, '192.0.2.99');
  const toV3 = await admin.send('PUT', '/api/devices/sw-1', { address: '192.0.2.99', snmp: { version: '3', user: 'u', level: 'authNoPriv', authProtocol: 'sha', authKey: '********' } });
  assert.is(toV3.status, 400);
  assert.match(failure(toV3.body).message, /snmp.authKey: required: this device has no stored authKey/);
  const otherUser = await admin.send('PUT', '/api/devices/fw-1', { address: 'fw.lan', snmp: { version: '3', user: 'someone-else', level: 'authPriv', authProtocol: 'sha256', authKey: '********', privProtocol: 'aes', privKey: 'other-auth-pass-1' } });
  assert.is(otherUser.status, 400);
  assert.is(failure(otherUser.body).field, 'snmp.authKey');
  assert.match(failure(otherUser.body).message, /since snmp.user changed/);
  const sameUser = await admin.send<DeviceView>('PUT', '/api/devices/fw-1', { address: 'fw.lan', poller: 'poller-1', snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha512', authKey: '********', privProtocol: 'aes256b', privKey: '********' } });
  assert.is(sameUser.status, 200, JSON.stringify(sameUser.body));
  assert.equal([sameUser.data.snmp.version === '3' && sameUser.data.snmp.authProtocol, sameUser.data.custom.length], ['sha512', 0], 'custom left out: none (a PUT replaces)');
  const rename = await admin.send('PUT', '/api/devices/sw-1', { id: 'other', address: 'x.lan' });
  assert.is(rename.status, 400);
  assert.is(failure(rename.body).field, 'id');
  assert.is((await admin.send('PUT', '/api/devices/nope', { address: 'x.lan', snmp: { version: '2c', community: 'abc' } })).status, 404);
  assertNoSecret([kept.body, retyped.body, sameUser.body], 'PUT answers');
  const log = EventLog.open(s.dataDir);
  try {
    const events = log.query({ type: 'device.*' });
    assert.ok(events.length >= 4, 'changes are logged');
    assertNoSecret(events, 'the event log');
  } finally {
    log.close();
  }
});

test('roles: an operator outside the device\'s groups neither sees nor changes it; in them, he manages it', async () => {
  const g1 = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'lab' })).data.id;
  const g2 = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'office' })).data.id;
  const mkUser = async (name: string, role: string, groups: number[]): Promise<ApiClient> => {
    const password = `${name}-password-1`;
    assert.is((await admin.send('POST', '/api/users', { name, password, role, groups })).status, 201);
    return ApiClient.signIn(s.httpUrl, name, password);
  };
  const op = await mkUser('op', 'operator', [g1]);
  const viewer = await mkUser('vw', 'viewer', [g2]);
  const office = await admin.send<DeviceView>('POST', '/api/devices', { id: 'printer', address: '192.0.2.30', groups: [g2], snmp: { version: '2c', community: COMMUNITY } });
  assert.is(office.status, 201);
  assert.equal(office.data.groups, [g2]);
  // The printer is heard as a host (its status, as its poller would publish it).
  await s.stack.ingest!.publish('vigie/printer/status', JSON.stringify({ v: 1, state: 'online', reason: 'polled', agent: '1.0.0', interval: 60 }), true);
  await waitFor('printer heard', () => s.stack.ingest!.getHost('printer'));

  assert.equal((await op.get<{ devices: DeviceView[] }>('/api/devices')).data.devices.map((d) => d.id), []);
  assert.is((await op.get('/api/devices/printer')).status, 404);
  assert.is((await op.send('PUT', '/api/devices/printer', { address: 'x.lan', snmp: { version: '2c', community: 'x' } })).status, 404);
  assert.is((await del(op, '/api/devices/printer')), 404);
  assert.not.ok((await op.get<Array<{ id: string }>>('/api/hosts')).data.some((h) => h.id === 'printer'), 'not in /api/hosts');
  assert.ok((await admin.get<Array<{ id: string }>>('/api/hosts')).data.some((h) => h.id === 'printer'), 'the admin sees the host');
  assert.is((await op.get('/api/hosts/printer')).status, 404);
  // The viewer in its group sees it, redacted, and may not change it.
  const seen = await viewer.get<{ devices: DeviceView[] }>('/api/devices');
  assert.equal(seen.data.devices.map((d) => [d.id, d.canEdit]), [['printer', false]]);
  assertNoSecret(seen.body, 'viewer list');
  assert.is((await viewer.send('POST', '/api/devices', { id: 'v1', address: 'x.lan', snmp: { version: '2c', community: COMMUNITY } })).status, 403);
  assert.is((await del(viewer, '/api/devices/printer')), 403);

  // The operator: at least one of his groups, and a poller he sees.
  const mine = { id: 'lab-sw', address: '192.0.2.40', poller: 'the-box', snmp: { version: '2c', community: COMMUNITY } };
  const noGroup = await op.send('POST', '/api/devices', mine);
  assert.is(noGroup.status, 403);
  assert.is(failure(noGroup.body).field, 'groups');
  const notMine = await op.send('POST', '/api/devices', { ...mine, groups: [g1, g2] });
  assert.is(failure(notMine.body).field, 'groups[1]');
  const blind = await op.send('POST', '/api/devices', { ...mine, groups: [g1] });
  assert.is(blind.status, 403);
  assert.is(failure(blind.body).field, 'poller');
  assert.is((await admin.send('PUT', '/api/hosts/the-box/access', { owner: null, groups: [g1] })).status, 200);
  const ok = await op.send<DeviceView>('POST', '/api/devices', { ...mine, groups: [g1] });
  assert.is(ok.status, 201, JSON.stringify(ok.body));
  assert.is(ok.data.canEdit, true);
  assert.is((await op.send<DeviceView>('PUT', '/api/devices/lab-sw', { address: '192.0.2.40', interval: 300, snmp: { version: '2c', community: '********' } })).data.interval, 300);
  assert.equal((await op.get<{ devices: DeviceView[] }>('/api/devices')).data.devices.map((d) => d.id), ['lab-sw']);
  assert.is((await del(op, '/api/devices/lab-sw')), 204);
  assert.is((await op.get('/api/devices/lab-sw')).status, 404);
});

test('DELETE: 204, and the host goes with it (registry, retained status)', async () => {
  assert.ok(s.stack.ingest!.getHost('printer'));
  assert.is(await del(admin, '/api/devices/printer'), 204);
  assert.is(s.stack.ingest!.getHost('printer'), null, 'the host is removed');
  assert.is((await admin.get('/api/devices/printer')).status, 404);
  assert.is((await admin.get('/api/hosts/printer')).status, 404);
  assert.is((await del(admin, '/api/devices/printer')), 404);
  // The id is free again: a device may come back under it (its tombstone is lifted).
  const again = await admin.send('POST', '/api/devices', { id: 'printer', address: '192.0.2.31', snmp: { version: '2c', community: COMMUNITY } });
  assert.is(again.status, 201);
  await s.stack.ingest!.publish('vigie/printer/status', JSON.stringify({ v: 1, state: 'online', reason: 'polled', agent: '1.0.0', interval: 60 }), true);
  await waitFor('printer heard again', () => s.stack.ingest!.getHost('printer'));
});

test('DELETE /api/hosts/:id of a device removes the device too (else it would still be polled, unheard)', async () => {
  assert.is((await admin.send('POST', '/api/devices', { id: 'old-ups', address: '192.0.2.70', snmp: { version: '2c', community: COMMUNITY } })).status, 201);
  await s.stack.ingest!.publish('vigie/old-ups/status', JSON.stringify({ v: 1, state: 'online', reason: 'polled', agent: '1.0.0', interval: 60 }), true);
  await waitFor('old-ups heard', () => s.stack.ingest!.getHost('old-ups'));
  const removed = await admin.send<{ host: string; points: number }>('DELETE', '/api/hosts/old-ups');
  assert.is(removed.status, 200, JSON.stringify(removed.body));
  assert.is(removed.data.host, 'old-ups');
  assert.is((await admin.get('/api/devices/old-ups')).status, 404);
  assert.is(s.stack.ingest!.getHost('old-ups'), null);
  // Other hosts still go through the access router.
  assert.is((await admin.send('DELETE', '/api/hosts/never-seen')).status, 404);
});

test.run();
