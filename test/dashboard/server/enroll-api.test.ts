/**
 * The enrollment API over HTTP on the real dashboard stack, with an injected
 * clock (issue 11): POST /api/hosts makes a token, POST /api/enroll (no
 * session, no Origin) trades it; expired, cancelled and reused tokens get a
 * 403 with the reason and leave no host behind; refusals are throttled per
 * address; GET /api/install-info says when the URLs handed out are loopback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Enrollment } from '../../../accounts/enrollment.js';
import type { InstallInfo } from '../../../dashboard/server/api/enrollment-tokens.js';
import { MINUTE_MS } from '../../../core/time.js';
import { VIGIE_VERSION } from '../../../core/version.js';
import { ApiClient } from '../../helpers/api-client.js';
import { startDashboardStack, type DashboardStack } from '../stack.js';

let offset = 0;
const clock = { now: () => Date.now() + offset };
let s: DashboardStack;

test.before(async () => {
  s = await startDashboardStack({ clock, auth: { slowAfter: 3, lockAfter: 6, lockMinutes: 10, enrollTokenMinutes: 30 } });
});
test.after(async () => {
  await s.close();
});

/** POST /api/enroll as an installing agent does: plain fetch, no cookie, no Origin. */
async function enroll(token: string): Promise<{ status: number; body: { ok: boolean; data?: { host: string; username: string; password: string; broker: string; ca: null }; error?: { code: string; message: string } } }> {
  const res = await fetch(`${s.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, agentVersion: '0.1.0', hostname: 'vm' }) });
  return { status: res.status, body: (await res.json()) as never };
}

/** The host is nowhere: not in Hosts & agents, not in the ingest, no credentials. */
async function absent(host: string): Promise<void> {
  assert.not.ok((await s.admin.get<Array<{ host: string }>>('/api/access')).data.some((a) => a.host === host), `${host} not listed`);
  assert.is(s.ingest.getHost(host), null);
  assert.not.ok(s.accounts.credentials.list().some((c) => c.principal.kind === 'agent' && c.principal.host === host));
}

test('a token made with an owner lasts auth.enrollTokenMinutes; used, it answers the credentials and the broker, and applies the owner', async () => {
  const bob = await s.accounts.users.create({ name: 'bob', password: 'a long enough password', role: 'viewer' });
  const made = await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'Student-VPS', owner: bob.id });
  assert.is(made.status, 201);
  assert.is(made.data.expiresAt - clock.now() <= 30 * MINUTE_MS && made.data.expiresAt - clock.now() > 29 * MINUTE_MS, true, 'auth.enrollTokenMinutes');
  assert.is(s.accounts.hostAccess.get('student-vps').owner, null, 'not before the token is used');
  const used = await enroll(made.data.token);
  assert.is(used.status, 200, JSON.stringify(used.body));
  assert.equal([used.body.data?.host, used.body.data?.username, used.body.data?.broker, used.body.data?.ca], ['student-vps', 'agent-student-vps', s.broker.url, null]);
  assert.is(s.accounts.hostAccess.get('student-vps').owner, bob.id);
  const access = (await s.admin.get<Array<{ host: string; credentials: { revokedAt: number | null } | null; agentVersion: string | null }>>('/api/access')).data.find((a) => a.host === 'student-vps');
  assert.equal([access?.credentials?.revokedAt, access?.agentVersion], [null, null]);
});

test('expired (by the clock), cancelled and reused tokens: 403 with the reason, nothing created', async () => {
  const expiring = (await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'late-pc' })).data;
  offset += 31 * MINUTE_MS;
  const late = await enroll(expiring.token);
  assert.equal([late.status, late.body.error?.code], [403, 'VIGIE_ERR_ENROLL_TOKEN']);
  assert.match(late.body.error!.message, /^this enrollment token expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC: make a new one in Hosts & agents/);
  await absent('late-pc');

  const cancelled = (await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'cancel-pc' })).data;
  const pending = (await s.admin.get<Array<{ id: number; host: string }>>('/api/enrollment-tokens')).data;
  assert.equal(pending.map((p) => p.host), ['cancel-pc'], 'the expired one is no longer pending');
  assert.is((await s.admin.send('DELETE', `/api/enrollment-tokens/${cancelled.tokenId}`)).status, 200);
  assert.is((await s.admin.send('DELETE', `/api/enrollment-tokens/${cancelled.tokenId}`)).status, 404, 'once');
  const refused = await enroll(cancelled.token);
  assert.is(refused.status, 403);
  assert.match(refused.body.error!.message, /^this enrollment token was cancelled on /);
  await absent('cancel-pc');

  offset += 10 * MINUTE_MS; // the failures above are forgotten by the per-address slow-down
  const once = (await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'once-pc' })).data;
  assert.is((await enroll(once.token)).status, 200);
  const stamp = s.accounts.credentials.stamp('agent-once-pc');
  const reused = await enroll(once.token);
  assert.is(reused.status, 403);
  assert.match(reused.body.error!.message, /^this enrollment token was already used on .*: make a new one in Hosts & agents/);
  assert.is(s.accounts.credentials.stamp('agent-once-pc'), stamp, 'the credentials stay those of the first use');
  const types = s.events.query({ type: 'host.enroll_refused' }).map((e) => (e.data as { reason: string }).reason);
  assert.equal(types.sort(), ['cancelled', 'expired', 'used']);
  assert.ok(s.events.query({ type: 'host.enroll_cancelled' }).length === 1);
});

test('guessing tokens from one address is slowed like logins (429 with Retry-After); the wait is on the clock', async () => {
  offset += 20 * MINUTE_MS;
  const warmUp = (await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'warm-pc' })).data;
  assert.is((await enroll(warmUp.token)).status, 200, 'a success clears the slow-down');
  const good = (await s.admin.send<Enrollment>('POST', '/api/hosts', { host: 'patient-pc' })).data;
  for (let i = 0; i < 3; i++) assert.is((await enroll(`vge_${'x'.repeat(43)}`)).status, 403);
  const slowed = await fetch(`${s.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: good.token }) });
  assert.is(slowed.status, 429);
  assert.ok(Number(slowed.headers.get('retry-after')) >= 1);
  await absent('patient-pc');
  offset += 2000;
  assert.is((await enroll(good.token)).status, 200, 'served once the wait is over');
});

test('bad bodies name the field; no session or CSRF token is needed, but a foreign Origin is refused', async () => {
  const bad = await fetch(`${s.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tok: 1 }) });
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /token/);
  const foreign = await fetch(`${s.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ token: 'vge_x' }) });
  assert.is(foreign.status, 403);
});

test('install-info: what the box hands out, flagged when loopback; admins only', async () => {
  const info = (await s.admin.get<InstallInfo>('/api/install-info')).data;
  assert.equal(info, { publicUrl: s.url, broker: s.broker.url, publicUrlProblem: 'loopback', brokerProblem: 'loopback', version: VIGIE_VERSION, tokenMinutes: 30 });
  await s.accounts.users.create({ name: 'vera', password: 'a long enough password', role: 'viewer' });
  const vera = await ApiClient.signIn(s.url, 'vera', 'a long enough password');
  for (const path of ['/api/install-info', '/api/enrollment-tokens']) assert.is((await vera.get(path)).status, 403, path);
  assert.is((await vera.send('POST', '/api/hosts', { host: 'sneaky' })).status, 403);
});

test.run();
