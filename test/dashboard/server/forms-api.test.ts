/**
 * Issue 11's API side of the forms: validation errors name their fields in a
 * machine-readable way (relative to the request body), and a session knows
 * its own sign-in and the one before it (the setup counts as the first).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiClient } from '../../helpers/api-client.js';
import { infoPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';
import { waitFor } from '../../helpers/env.js';

type ErrorBody = { ok: false; error: { code: string; message: string; field?: string; fields?: { field: string; message: string }[] } };
const errorOf = (body: unknown): ErrorBody['error'] => (body as ErrorBody).error;

let s: DashboardStack;

test.before(async () => {
  s = await startDashboardStack();
  await s.publish('student-pc', 'status', statusPayload());
  await s.publish('student-pc', 'info', infoPayload('student-pc'));
  await waitFor('student-pc registered', () => s.ingest.getHost('student-pc'));
});

test.after(async () => {
  await s?.close();
});

test('a host override with warning above critical: the field is named from the body, the message keeps the full path', async () => {
  const res = await s.admin.send('PUT', '/api/hosts/student-pc/alert-settings', { cpu: { warning: 95, critical: 90 } });
  assert.is(res.status, 400);
  const e = errorOf(res.body);
  assert.is(e.code, 'VIGIE_ERR_BAD_REQUEST');
  assert.is(e.message, 'hosts.student-pc.cpu.warning: must be ≤ critical (got 95 > 90)', 'the message is as before');
  assert.is(e.field, 'cpu.warning');
  assert.equal(e.fields, [{ field: 'cpu.warning', message: 'must be ≤ critical (got 95 > 90)' }]);
});

test('several wrong fields in the defaults: each one listed, with its path in that body', async () => {
  const current = (await s.admin.get<{ defaults: Record<string, Record<string, unknown>>; hosts: unknown }>('/api/alert-settings')).data;
  current.defaults.cpu!.hysteresis = 500;
  current.defaults.diskForecast!.windowHours = 0;
  const res = await s.admin.send('PUT', '/api/alert-settings', current);
  assert.is(res.status, 400);
  const e = errorOf(res.body);
  assert.equal(e.fields?.map((f) => f.field).sort(), ['defaults.cpu.hysteresis', 'defaults.diskForecast.windowHours']);
  assert.is(e.field, e.fields?.[0]?.field);
  assert.match(e.fields?.find((f) => f.field === 'defaults.cpu.hysteresis')?.message ?? '', /less or equal to 100/);
});

test('any body checked by its schema names its field; a valid one carries none', async () => {
  const res = await s.admin.send('POST', '/api/users', { name: 'zoe', password: 12, role: 'viewer', groups: [] });
  assert.is(res.status, 400);
  assert.is(errorOf(res.body).field, 'password');
  const missing = await s.admin.send('POST', '/api/hosts/student-pc/diagnosis', {});
  assert.is(errorOf(missing.body).field, 'action');
  const notFound = await s.admin.get('/api/hosts/nope-host');
  assert.not.ok('field' in errorOf(notFound.body), 'other errors are unchanged');
});

test('the setup counts as the first sign-in; the next session knows the one before it', async () => {
  const fresh = await startDashboardStack({ withAdmin: false });
  try {
    const browser = ApiClient.anonymous(fresh.url);
    const done = await browser.send<{ user: { lastLoginAt: number | null } }>('POST', '/api/setup', { code: fresh.dashboard.setupCode(), name: 'boss', password: 'boss-password-1' });
    assert.is(done.status, 201);
    assert.type(done.data.user.lastLoginAt, 'number', 'signed in by the setup: not "never"');
    const first = (await browser.get<{ signIn: { at: number; previousAt: number | null } }>('/api/session')).data.signIn;
    assert.is(first.previousAt, null, 'nothing before the setup');
    const second = await ApiClient.signIn(fresh.url, 'boss', 'boss-password-1');
    const now = (await second.get<{ signIn: { at: number; previousAt: number | null }; user: { lastLoginAt: number } }>('/api/session')).data;
    assert.is(now.signIn.previousAt, done.data.user.lastLoginAt, 'the previous sign-in is the setup');
    assert.ok(now.user.lastLoginAt > done.data.user.lastLoginAt! - 1 && now.user.lastLoginAt <= now.signIn.at, 'the user\'s last login is this one');
    const token = await second.send<{ secret: string }>('POST', '/api/tokens', { name: 'script', scope: 'read' });
    const viaToken = await ApiClient.withToken(fresh.url, token.data.secret).get<{ signIn: unknown }>('/api/session');
    assert.is(viaToken.data.signIn, null, 'an API token has no sign-in');
  } finally {
    await fresh.close();
  }
});

test.run();
