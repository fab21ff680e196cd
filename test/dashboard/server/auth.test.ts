/**
 * Who may do and see what, through the real HTTP server and Socket.IO:
 * signed-out callers, CSRF, roles, host ownership (student A never sees
 * student B's host, whichever way they ask), API tokens, the end of
 * sessions, brute force, first-time setup, and secrets never in answers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { io, type Socket } from 'socket.io-client';
import type { HostSummary } from '../../../ingest/types.js';
import { ApiClient } from '../../helpers/api-client.js';
import { enrollHost } from '../../helpers/enroll.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

// Every answer body is kept, to check at the end that none holds a secret.
const bodies: string[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
  const res = await realFetch(...args);
  bodies.push(`${res.headers.get('set-cookie') ?? ''}\n${await res.clone().text()}`);
  return res;
};

let offset = 0;
const clock = { now: () => Date.now() + offset };
let s: DashboardStack;
const sockets: Socket[] = [];
const users: Record<string, { id: number; name: string; password: string }> = {};
const as: Record<string, ApiClient> = {};
let classGroup: number;

async function connect(opts: { cookie?: string; token?: string; origin?: string } = {}): Promise<Socket> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  const socket = io(s.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers, ...(opts.token ? { auth: { token: opts.token } } : {}) });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = <T>(socket: Socket, event: string, arg?: unknown): Promise<Env<T>> =>
  new Promise((resolve) => (arg === undefined ? socket.emit(event, resolve) : socket.emit(event, arg, resolve)));

const code = (answer: { body: Env<unknown> }): string => (answer.body.ok ? 'ok' : answer.body.error.code);

test.before(async () => {
  s = await startDashboardStack({ overviewThrottle: 0.05, clock, auth: { slowAfter: 2, lockAfter: 4, lockMinutes: 10 } });
  for (const host of ['host-a', 'host-b', 'host-c']) {
    await s.publish(host, 'status', statusPayload());
    await s.publish(host, 'info', infoPayload(host));
    await s.publish(host, 'metrics', metricsPayload(10));
  }
  await waitFor('three hosts', () => s.ingest.listHosts().length === 3);
  await waitFor('stored samples', async () => {
    await s.ingest.flush();
    return (await s.ingest.series('host-b')).length > 0;
  });
  users.alice = await addUser(s.dataDir, 'alice', 'viewer');
  users.bob = await addUser(s.dataDir, 'bob', 'viewer');
  users.teacher = await addUser(s.dataDir, 'teacher', 'operator');
  classGroup = (await s.admin.send<{ id: number }>('POST', '/api/groups', { name: 'Class 1' })).data.id;
  await s.admin.send('PATCH', `/api/groups/${classGroup}`, { members: [users.teacher.id] });
  await s.admin.send('PUT', '/api/hosts/host-a/access', { owner: users.alice.id, groups: [] });
  await s.admin.send('PUT', '/api/hosts/host-b/access', { owner: users.bob.id, groups: [classGroup] });
  await s.admin.send('PUT', '/api/hosts/host-c/access', { owner: null, groups: [classGroup] });
  for (const name of ['alice', 'bob', 'teacher']) as[name] = await ApiClient.signIn(s.url, name, users[name]!.password);
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  await s?.close();
  globalThis.fetch = realFetch;
});

test('signed out, every API route but health, session and setup answers 401', async () => {
  const anon = ApiClient.anonymous(s.url);
  for (const path of ['/api/hosts', '/api/hosts/host-a', '/api/hosts/host-a/series', '/api/hosts/host-a/history?metric=cpu.usage', '/api/users', '/api/groups', '/api/access', '/api/tokens', '/api/events']) {
    const r = await anon.get(path);
    assert.is(r.status, 401, path);
    assert.is(code(r), 'VIGIE_ERR_UNAUTHENTICATED', path);
  }
  const health = (await anon.get<Record<string, unknown>>('/api/health')).data;
  assert.is(health.status, 'ok');
  assert.is(health.hosts, undefined, 'no host counts for strangers');
  assert.is(health.ingest, undefined);
  const session = (await anon.get<{ user: unknown; setupRequired: boolean }>('/api/session')).data;
  assert.equal([session.user, session.setupRequired], [null, false]);
  // A made-up cookie is nobody.
  const forged = await realFetch(`${s.url}/api/hosts`, { headers: { cookie: 'vigie_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
  assert.is(forged.status, 401);
});

test('Socket.IO refuses a connection without a session, with a forged one, and from another origin', async () => {
  const refused = async (opts: Parameters<typeof connect>[0]): Promise<string> => connect(opts).then(() => 'connected', (e: Error) => e.message);
  assert.is(await refused({}), 'unauthorized');
  assert.is(await refused({ cookie: 'vigie_session=forged' }), 'unauthorized');
  assert.is(await refused({ token: 'vgt_forged' }), 'unauthorized');
  assert.is.not(await refused({ cookie: as.alice!.cookieHeader(), origin: 'http://evil.example' }), 'connected');
  assert.is(await refused({ cookie: as.alice!.cookieHeader(), origin: s.url }), 'connected', 'its own origin is fine');
});

test('login: a wrong password is refused and logged; the cookie is HttpOnly, SameSite=Lax, not readable by scripts', async () => {
  const r = await ApiClient.anonymous(s.url).send('POST', '/api/session', { name: 'alice', password: 'not her password' });
  assert.is(r.status, 401);
  assert.is(code(r), 'VIGIE_ERR_BAD_LOGIN');
  const unknown = await ApiClient.anonymous(s.url).send('POST', '/api/session', { name: 'nobody', password: 'whatever-123' });
  assert.equal([unknown.status, code(unknown)], [401, 'VIGIE_ERR_BAD_LOGIN'], 'same answer for an unknown name');
  const events = s.events.query({ type: 'auth.login_failed' });
  assert.ok(events.some((e) => e.user === 'alice' && e.address !== null), 'failure logged with name and address');
  assert.ok(events.some((e) => e.user === 'nobody'));

  const res = await realFetch(`${s.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bob', password: users.bob!.password }) });
  const cookie = res.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^vigie_session=[\w-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.not.match(cookie, /Secure/, 'no Secure flag over plain HTTP (it is set over HTTPS)');
  assert.ok(s.events.query({ type: 'auth.login', user: 'bob' }).length > 0, 'login logged');
});

test('CSRF: a write needs the session\'s token, the dashboard\'s origin and a JSON body', async () => {
  const cookie = as.teacher!.cookieHeader();
  const patch = (headers: Record<string, string>, body = JSON.stringify({ label: 'x' })) =>
    realFetch(`${s.url}/api/hosts/host-c`, { method: 'PATCH', headers: { cookie, ...headers }, body });
  const noToken = await patch({ 'content-type': 'application/json' });
  assert.is(noToken.status, 403);
  assert.is(((await noToken.json()) as Env<never> & { ok: false }).error.code, 'VIGIE_ERR_CSRF');
  const wrongToken = await patch({ 'content-type': 'application/json', 'x-csrf-token': 'guess' });
  assert.is(wrongToken.status, 403);
  const foreign = await patch({ 'content-type': 'application/json', 'x-csrf-token': as.teacher!.csrf!, origin: 'http://evil.example' });
  assert.is(foreign.status, 403);
  const form = await patch({ 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': as.teacher!.csrf! }, 'label=x');
  assert.is(form.status, 415);
  assert.is(s.accounts.hostAccess.labelOf('host-c'), null, 'nothing changed');
  const good = await as.teacher!.send('PATCH', '/api/hosts/host-c', { label: 'Lab bench' });
  assert.is(good.status, 200);
  assert.is(s.accounts.hostAccess.labelOf('host-c'), 'Lab bench');
});

test('roles: a viewer changes nothing; an operator changes only hosts it sees; only admins manage accounts', async () => {
  const viewerLabel = await as.alice!.send('PATCH', '/api/hosts/host-a', { label: 'mine' });
  assert.equal([viewerLabel.status, code(viewerLabel)], [403, 'VIGIE_ERR_FORBIDDEN']);
  assert.is(s.accounts.hostAccess.labelOf('host-a'), null);
  const invisible = await as.teacher!.send('PATCH', '/api/hosts/host-a', { label: 'not mine' });
  assert.equal([invisible.status, code(invisible)], [404, 'VIGIE_ERR_HOST_NOT_FOUND'], 'operator, host not shared with them');
  for (const client of [as.alice!, as.teacher!]) {
    for (const [method, path, body] of [
      ['POST', '/api/users', { name: 'intruder', password: 'intruder-pass-1', role: 'admin' }],
      ['PATCH', `/api/users/${users.alice!.id}`, { role: 'admin' }],
      ['POST', '/api/groups', { name: 'mine' }],
      ['PUT', '/api/hosts/host-a/access', { owner: users.teacher!.id, groups: [] }],
      ['POST', '/api/hosts', { host: 'sneaky' }],
      ['DELETE', '/api/hosts/host-a/credentials', undefined],
    ] as const) {
      const r = await client.send(method, path, body);
      assert.is(r.status, 403, `${method} ${path}`);
    }
    for (const path of ['/api/users', '/api/groups', '/api/access', '/api/events']) assert.is((await client.get(path)).status, 403, path);
  }
  assert.not.ok(s.accounts.users.findByName('intruder'));
  assert.is(s.accounts.users.findByName('alice')!.role, 'viewer');
});

test('student A cannot see student B\'s host through the REST API or the history', async () => {
  const listed = (await as.alice!.get<HostSummary[]>('/api/hosts')).data.map((h) => h.id);
  assert.equal(listed, ['host-a']);
  for (const path of ['/api/hosts/host-b', '/api/hosts/HOST-B', '/api/hosts/host-b/series', '/api/hosts/host-b/history?metric=cpu.usage&range=1h', '/api/hosts/host-c']) {
    const r = await as.alice!.get(path);
    assert.equal([r.status, code(r)], [404, 'VIGIE_ERR_HOST_NOT_FOUND'], path);
  }
  const missing = await as.alice!.get('/api/hosts/never-existed');
  assert.is((missing.body as { error: { message: string } }).error.message, 'No host "never-existed"', 'the same answer as a missing host');
  assert.is((await as.alice!.get('/api/hosts/host-a/history?metric=cpu.usage&range=1h')).status, 200);
  assert.equal((await as.teacher!.get<HostSummary[]>('/api/hosts')).data.map((h) => h.id), ['host-b', 'host-c'], 'shared through the group');
  assert.equal((await as.bob!.get<HostSummary[]>('/api/hosts')).data.map((h) => h.id), ['host-b']);
  assert.is((await as.alice!.get<{ hosts: { total: number } }>('/api/health')).data.hosts.total, 1, 'health counts only her hosts');
});

test('student A cannot see student B\'s host through Socket.IO: overview list, overview stream, host room', async () => {
  const socket = await connect({ cookie: as.alice!.cookieHeader() });
  const overview = await ask<HostSummary[]>(socket, 'overview');
  assert.equal(overview.ok && overview.data.map((h) => h.id), ['host-a']);
  const streamed = new Set<string>();
  socket.on('hosts', (hs: HostSummary[]) => hs.forEach((h) => streamed.add(h.id)));
  const room = await ask(socket, 'subscribe', { host: 'host-b' });
  assert.equal(room.ok ? 'joined' : room.error.code, 'VIGIE_ERR_HOST_NOT_FOUND');
  const samples: string[] = [];
  socket.on('sample', (e: { host: string }) => samples.push(e.host));

  // Bob watches too: proof that host-b's updates do go out.
  const bob = await connect({ cookie: as.bob!.cookieHeader() });
  await ask(bob, 'overview');
  await ask(bob, 'subscribe', { host: 'host-b' });
  const bobSaw = new Set<string>();
  bob.on('hosts', (hs: HostSummary[]) => hs.forEach((h) => bobSaw.add(h.id)));
  bob.on('sample', (e: { host: string }) => bobSaw.add(`sample:${e.host}`));
  for (let i = 0; i < 3; i++) {
    await s.publish('host-b', 'metrics', metricsPayload(50 + i));
    await s.publish('host-a', 'metrics', metricsPayload(20 + i));
  }
  await waitFor('bob sees host-b live', () => bobSaw.has('host-b') && bobSaw.has('sample:host-b'));
  await waitFor('alice sees host-a in the overview stream', () => streamed.has('host-a'));
  assert.equal([...streamed], ['host-a'], 'nothing of host-b in alice\'s overview stream');
  assert.equal(samples, [], 'no sample of host-b reached alice');
  assert.ok(!bobSaw.has('host-a'), 'nor host-a bob\'s');
});

test('a viewer\'s compact overview frames are her own: her host\'s info is left out once she holds it, sent again when it changes', async () => {
  const socket = await connect({ cookie: as.alice!.cookieHeader() });
  const overview = await ask<HostSummary[]>(socket, 'overview', { omitUnchanged: true });
  assert.equal(overview.ok && overview.data.map((h) => [h.id, h.info?.hostname]), [['host-a', 'host-a']]);
  const got: Array<Record<string, unknown>> = [];
  socket.on('hosts', (hs: Array<Record<string, unknown>>) => got.push(...hs));
  await s.publish('host-a', 'metrics', metricsPayload(31));
  await waitFor('host-a in alice\'s stream', () => got.some((h) => (h.latest as { cpu?: { usage?: number } } | null)?.cpu?.usage === 31));
  assert.ok(got.every((h) => h.id === 'host-a' && !('info' in h) && !('status' in h)), `left out: ${JSON.stringify(got.map((h) => Object.keys(h)))}`);
  await s.publish('host-a', 'info', { ...infoPayload('host-a'), kernel: '6.1.0-99-amd64' });
  await waitFor('the changed info in alice\'s stream', () => got.some((h) => (h.info as { kernel?: string } | undefined)?.kernel === '6.1.0-99-amd64'));

  // A host shared with her later was never sent to this socket: its first entry carries its info.
  assert.is((await s.admin.send('PUT', '/api/hosts/host-c/access', { owner: users.alice!.id, groups: [classGroup] })).status, 200);
  try {
    await s.publish('host-c', 'metrics', metricsPayload(32));
    await waitFor('host-c in alice\'s stream', () => got.some((h) => h.id === 'host-c'));
    assert.is((got.find((h) => h.id === 'host-c')!.info as { hostname?: string } | undefined)?.hostname, 'host-c');
  } finally {
    await s.admin.send('PUT', '/api/hosts/host-c/access', { owner: null, groups: [classGroup] });
  }
});

test('access taken away: the socket leaves the host\'s room at once', async () => {
  const socket = await connect({ cookie: as.teacher!.cookieHeader() });
  const joined = await ask(socket, 'subscribe', { host: 'host-c' });
  assert.ok(joined.ok);
  const got: number[] = [];
  socket.on('sample', (e: { host: string; metrics: { cpu: { usage: number } } }) => got.push(e.metrics.cpu.usage));
  await s.publish('host-c', 'metrics', metricsPayload(61));
  await waitFor('a sample while shared', () => got.includes(61));
  await s.admin.send('PUT', '/api/hosts/host-c/access', { owner: null, groups: [] });
  // The admin's socket in the same room proves the next samples did go out.
  const witness = await connect({ cookie: s.admin.cookieHeader() });
  await ask(witness, 'subscribe', { host: 'host-c' });
  const seen: number[] = [];
  witness.on('sample', (e: { metrics: { cpu: { usage: number } } }) => seen.push(e.metrics.cpu.usage));
  await s.publish('host-c', 'metrics', metricsPayload(62));
  await s.publish('host-c', 'metrics', metricsPayload(63));
  await waitFor('the witness got both', () => seen.includes(62) && seen.includes(63));
  assert.equal(got, [61], 'no sample after access was removed');
  await s.admin.send('PUT', '/api/hosts/host-c/access', { owner: null, groups: [classGroup] });
});

test('API tokens: read-only reads, write writes as its user, tokens cannot mint tokens, revoked is dead', async () => {
  const read = (await as.teacher!.send<{ secret: string; token: { id: number; scope: string } }>('POST', '/api/tokens', { name: 'grafana', scope: 'read' })).data;
  assert.match(read.secret, /^vgt_[\w-]{43}$/);
  const byToken = ApiClient.withToken(s.url, read.secret);
  assert.equal((await byToken.get<HostSummary[]>('/api/hosts')).data.map((h) => h.id), ['host-b', 'host-c']);
  const refused = await byToken.send('PATCH', '/api/hosts/host-c', { label: 'via read token' });
  assert.equal([refused.status, code(refused)], [403, 'VIGIE_ERR_FORBIDDEN']);
  assert.is((await byToken.get('/api/tokens')).status, 403, 'a token cannot list tokens');
  assert.is((await byToken.send('POST', '/api/tokens', { name: 'more', scope: 'write' })).status, 403, 'nor mint one');

  const write = (await as.teacher!.send<{ secret: string; token: { id: number } }>('POST', '/api/tokens', { name: 'script', scope: 'write' })).data;
  const writer = ApiClient.withToken(s.url, write.secret);
  assert.is((await writer.send('PATCH', '/api/hosts/host-c', { label: 'via token' })).status, 200, 'no CSRF token needed with a bearer token');
  assert.is((await writer.send('POST', '/api/groups', { name: 'x' })).status, 403, 'a write token has its user\'s role, no more');

  const socket = await connect({ token: read.secret });
  const overview = await ask<HostSummary[]>(socket, 'overview');
  assert.equal(overview.ok && overview.data.map((h) => h.id), ['host-b', 'host-c']);

  const listed = (await as.teacher!.get<Array<{ id: number; name: string; prefix: string }>>('/api/tokens')).data;
  assert.equal(listed.map((t) => t.name).sort(), ['grafana', 'script']);
  assert.not.ok((await as.alice!.get<unknown[]>('/api/tokens')).data.length, 'alice sees none of them');
  assert.is((await as.alice!.send('DELETE', `/api/tokens/${read.token.id}`)).status, 404, 'nor revokes them');
  assert.is((await as.teacher!.send('DELETE', `/api/tokens/${read.token.id}`)).status, 200);
  assert.is((await byToken.get('/api/hosts')).status, 401, 'revoked');
  await waitFor('the token\'s socket is cut', () => socket.disconnected, 5000);
});

test('logout, a password change and a demotion end sessions and cut their sockets', async () => {
  const second = await ApiClient.signIn(s.url, 'bob', users.bob!.password);
  const socket = await connect({ cookie: second.cookieHeader() });
  const other = await connect({ cookie: as.bob!.cookieHeader() });
  assert.is((await second.send('DELETE', '/api/session')).status, 200);
  await waitFor('the logged-out socket is cut', () => socket.disconnected, 2000);
  assert.is((await realFetch(`${s.url}/api/hosts`, { headers: { cookie: socket.io.opts.extraHeaders!.cookie! } })).status, 401, 'the old cookie is dead');
  assert.ok(other.connected, 'bob\'s other session lives on');

  const third = await ApiClient.signIn(s.url, 'bob', users.bob!.password);
  const wrong = await third.send('PATCH', '/api/me', { currentPassword: 'not it', password: 'a new password 2' });
  assert.equal([wrong.status, code(wrong)], [403, 'VIGIE_ERR_WRONG_PASSWORD']);
  const changed = await third.send('PATCH', '/api/me', { currentPassword: users.bob!.password, password: 'a new password 2' });
  assert.is(changed.status, 200);
  await waitFor('his other sockets are cut', () => other.disconnected, 2000);
  assert.is((await as.bob!.get('/api/hosts')).status, 401, 'his other sessions ended');
  assert.is((await third.get('/api/hosts')).status, 200, 'the session that changed it goes on');
  as.bob = third;
  users.bob!.password = 'a new password 2';

  const teacherSocket = await connect({ cookie: as.teacher!.cookieHeader() });
  await s.admin.send('PATCH', `/api/users/${users.teacher!.id}`, { role: 'viewer' });
  await waitFor('the demoted user\'s socket is cut', () => teacherSocket.disconnected, 2000);
  assert.is((await as.teacher!.get('/api/hosts')).status, 401);
  await s.admin.send('PATCH', `/api/users/${users.teacher!.id}`, { role: 'operator' });
  as.teacher = await ApiClient.signIn(s.url, 'teacher', users.teacher!.password);
});

test('brute force is slowed, then the account is locked even for the right password; an admin unlocks it', async () => {
  const guess = (password: string) => ApiClient.anonymous(s.url).send('POST', '/api/session', { name: 'Alice', password });
  as.alice = await ApiClient.signIn(s.url, 'alice', users.alice!.password); // a success clears the earlier test's failure
  assert.is((await guess('guess-1-wrong')).status, 401);
  assert.is((await guess('guess-2-wrong')).status, 401);
  const slowed = await guess('guess-3-wrong');
  assert.equal([slowed.status, code(slowed)], [429, 'VIGIE_ERR_RATE_LIMITED'], 'third attempt at once: slowed (slowAfter 2)');
  assert.is(slowed.headers.get('retry-after'), '1');
  const slowedRight = await guess(users.alice!.password);
  assert.is(slowedRight.status, 429, 'while slowed even the right password waits');
  offset += 1100;
  assert.is((await guess('guess-3-wrong')).status, 401, 'after waiting, one more try');
  const slower = await guess('guess-4-wrong');
  assert.is(slower.headers.get('retry-after'), '2', 'the wait doubles');
  offset += 2100;
  assert.is((await guess('guess-4-wrong')).status, 401, 'fourth failure: locks (lockAfter 4)');
  offset += 10_000;
  const locked = await guess(users.alice!.password);
  assert.equal([locked.status, code(locked)], [423, 'VIGIE_ERR_ACCOUNT_LOCKED'], 'locked, right password or not');
  assert.ok(Number(locked.headers.get('retry-after')) > 500);
  assert.ok(s.events.query({ type: 'auth.locked' }).some((e) => e.user === 'Alice'), 'the lock is in the event log');
  assert.ok(s.accounts.users.findByName('alice')!.lockedUntil, 'and on the account');
  const listed = (await s.admin.get<Array<{ name: string; lockedUntil: number | null }>>('/api/users')).data.find((u) => u.name === 'alice');
  assert.ok(listed?.lockedUntil, 'admins see the lock');
  await s.admin.send('PATCH', `/api/users/${users.alice!.id}`, { unlock: true });
  assert.is((await guess(users.alice!.password)).status, 200, 'unlocked by an admin');
  offset = 0;
});

test('first start: setup needs the code printed in the log, works once, then answers 409', async () => {
  const fresh = await startDashboardStack({ withAdmin: false });
  try {
    const anon = ApiClient.anonymous(fresh.url);
    assert.is((await anon.get<{ setupRequired: boolean }>('/api/session')).data.setupRequired, true);
    const setupCode = fresh.dashboard.setupCode();
    assert.match(setupCode ?? '', /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const wrong = await anon.send('POST', '/api/setup', { code: 'AAAA-BBBB-CCCC', name: 'boss', password: 'boss-password-1' });
    assert.equal([wrong.status, code(wrong)], [403, 'VIGIE_ERR_BAD_SETUP_CODE']);
    const shortPassword = await anon.send('POST', '/api/setup', { code: setupCode, name: 'boss', password: 'short' });
    assert.equal([shortPassword.status, code(shortPassword)], [400, 'VIGIE_ERR_BAD_REQUEST']);
    assert.match((shortPassword.body as { error: { message: string } }).error.message, /^password: expected 10 to 1024 characters/);
    const done = await anon.send<{ user: { name: string; role: string } }>('POST', '/api/setup', { code: setupCode!.toLowerCase().replace(/-/g, ' '), name: 'boss', password: 'boss-password-1' });
    assert.is(done.status, 201);
    assert.equal([done.data.user.name, done.data.user.role], ['boss', 'admin']);
    assert.is((await anon.get('/api/users')).status, 200, 'signed in as the new admin');
    assert.is(fresh.dashboard.setupCode(), null);
    const again = await ApiClient.anonymous(fresh.url).send('POST', '/api/setup', { code: setupCode, name: 'boss2', password: 'boss-password-1' });
    assert.equal([again.status, code(again)], [409, 'VIGIE_ERR_SETUP_DONE']);
    assert.ok(fresh.events.query({ type: 'auth.setup' }).length === 1);
  } finally {
    await fresh.close();
  }
});

test('no answer ever held a password hash, an MQTT secret, a session id or a password', async () => {
  const { password: mqttSecret, enrollment } = await enrollHost(s.admin, 'enrolled-1');
  const pending = await s.admin.send<{ token: string }>('POST', '/api/hosts', { host: 'enrolled-2' });
  const bodiesAfterEnroll = bodies.length;
  await s.admin.get('/api/access');
  await s.admin.get('/api/enrollment-tokens');
  await s.admin.get('/api/users');
  await s.admin.get('/api/events?limit=1000');
  await s.admin.get('/api/tokens');
  const sessionIds = [as.alice!, as.bob!, as.teacher!, s.admin].map((c) => c.cookieHeader().split('=')[1]!);
  const passwords = Object.values(users).map((u) => u.password);
  for (const [i, body] of bodies.entries()) {
    const text = body.split('\n').slice(1).join('\n'); // the answer, not its Set-Cookie header
    assert.not.match(text, /scrypt\$|sha256\$/, `answer ${i} holds a hash`);
    for (const id of sessionIds) assert.not.ok(text.includes(id), `answer ${i} holds a session id`);
    for (const p of passwords) assert.not.ok(text.includes(p), `answer ${i} holds a password`);
    if (i >= bodiesAfterEnroll) {
      assert.not.ok(text.includes(mqttSecret), `answer ${i} holds the agent's secret`);
      for (const token of [enrollment.token, pending.data.token]) assert.not.ok(text.includes(token), `answer ${i} holds an enrollment token`);
    }
  }
  assert.ok(bodies.length > 60, `checked ${bodies.length} answers`);
});

test.run();
