/**
 * The checks API on the real `vigie up` wiring (broker, ingest, local agent,
 * dashboard): create, read, replace and delete with validation errors that
 * name the field, and the event log of every change.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckView } from '../../../checks/view.js';
import type { DailyAvailability } from '../../../checks/types.js';
import { ApiClient } from '../../helpers/api-client.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { waitFor } from '../../helpers/env.js';
import { connectClient } from '../../helpers/mqtt.js';
import { EventLog } from '../../../events/event-log.js';

let s: TestStack;
let admin: ApiClient;
let localAgent: string;

interface Failure { ok: false; error: { code: string; message: string; field?: string; fields?: Array<{ field: string; message: string }> } }
const failure = (body: unknown): Failure['error'] => (body as Failure).error;

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
  localAgent = s.stack.agent!.hostId;
});

test.after(async () => {
  await s?.close();
});

test('create: defaults filled, the box\'s agent runs it, 201 with the view; GET lists and reads it', async () => {
  const created = await admin.send<CheckView>('POST', '/api/checks', { id: 'web-home', kind: 'http', target: 'https://example.org/', name: 'Home page' });
  assert.is(created.status, 201);
  const view = created.data;
  assert.equal(view.runners.map((r) => r.runner), [localAgent]);
  assert.is(localAgent, 'the-box');
  assert.equal([view.interval, view.timeout, view.enabled, view.groupId, view.sla], [60, 10, true, null, 99]);
  assert.equal(view.alerting, { downAfter: 3, latency: { warning: null, critical: null, for: 0 }, certDays: { warning: 14, critical: 3 } });
  assert.equal(view.http?.acceptStatus, ['200-299']);
  assert.is(view.state, 'pending');
  assert.is(view.canEdit, true);
  assert.is(view.createdBy, 'admin');
  assert.equal(view.runners[0]!.result, null);
  const list = await admin.get<{ checks: CheckView[] }>('/api/checks');
  assert.equal(list.data.checks.map((c) => c.id), ['web-home']);
  const one = await admin.get<CheckView & { daily: DailyAvailability[] }>('/api/checks/web-home');
  assert.is(one.data.name, 'Home page');
  assert.is(one.data.daily.length, 90);
  const tls = await admin.send<CheckView>('POST', '/api/checks', { id: 'tls-home', kind: 'tls', target: 'example.org', name: 'Certificate' });
  assert.is(tls.data.port, 443, 'TLS checks default to port 443');
});

test('validation errors name the field and the expected form', async () => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ id: 'a', kind: 'http', target: 'ftp://example.org/', name: 'x' }, 'target', /http:\/\/ or https:\/\/ URL/],
    [{ id: 'a', kind: 'http', target: 'https://user:pw@example.org/', name: 'x' }, 'target', /without a user name or password/],
    [{ id: 'a', kind: 'tcp', target: 'db.lan', name: 'x' }, 'port', /required for a TCP check/],
    [{ id: 'a', kind: 'ping', target: 'http://x', name: 'x' }, 'target', /host name or an IP/],
    [{ id: 'a', kind: 'dns', target: '192.168.1.1', name: 'x' }, 'target', /DNS name/],
    [{ id: 'a', kind: 'ping', target: 'x.lan', name: 'x', http: {} }, 'http', /only for an HTTP check/],
    [{ id: 'a', kind: 'http', target: 'https://x.lan/', name: 'x', dns: { type: 'A' } }, 'dns', /only for a DNS check/],
    [{ id: 'a', kind: 'http', target: 'https://x.lan/', name: 'x', http: { acceptStatus: ['200', '99'] } }, 'http.acceptStatus[1]', /200, 200-299 or 3xx/],
    [{ id: 'a', kind: 'bogus', target: 'x', name: 'x' }, 'kind', /one of ping, tcp, http, dns, tls/],
    [{ id: 'Bad Id', kind: 'ping', target: 'x', name: 'x' }, 'id', /a check id/],
    [{ id: 'a', kind: 'ping', target: 'x', name: 'x', alerting: { latency: { warning: 0.5, critical: 0.2 } } }, 'alerting.latency.critical', /at least alerting.latency.warning/],
    [{ id: 'a', kind: 'tls', target: 'x', name: 'x', alerting: { certDays: { warning: 3, critical: 10 } } }, 'alerting.certDays.critical', /at most alerting.certDays.warning/],
    [{ id: 'a', kind: 'ping', target: 'x', name: 'x', runners: ['ok', 'Not A Host'] }, 'runners[1]', /a host id/],
    [{ id: 'a', kind: 'ping', target: 'x', name: 'x', colour: 'red' }, 'colour', /unknown field/],
  ];
  for (const [body, field, message] of cases) {
    const answer = await admin.send('POST', '/api/checks', body);
    const error = failure(answer.body);
    assert.is(answer.status, 400, JSON.stringify(body));
    assert.is(error.code, 'VIGIE_ERR_BAD_REQUEST');
    assert.is(error.field, field, `${JSON.stringify(body)} → ${error.message}`);
    assert.match(error.fields![0]!.message, message, `${field}: ${error.fields![0]!.message}`);
    assert.match(error.message, new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}: `));
  }
  assert.is((await admin.get<{ checks: CheckView[] }>('/api/checks')).data.checks.length, 2, 'nothing was created');
});

test('a duplicate id is a 409; PUT replaces (creation kept), refuses a rename; DELETE removes; every change is logged', async () => {
  const dup = await admin.send('POST', '/api/checks', { id: 'web-home', kind: 'ping', target: 'example.org', name: 'Again' });
  assert.is(dup.status, 409);
  assert.is(failure(dup.body).field, 'id');
  const before = (await admin.get<CheckView>('/api/checks/web-home')).data;
  const put = await admin.send<CheckView>('PUT', '/api/checks/web-home', { kind: 'http', target: 'https://example.org/health', name: 'Health', interval: 30, enabled: false });
  assert.is(put.status, 200);
  assert.equal([put.data.target, put.data.interval, put.data.state, put.data.createdAt, put.data.createdBy], ['https://example.org/health', 30, 'paused', before.createdAt, 'admin']);
  const rename = await admin.send('PUT', '/api/checks/web-home', { id: 'other', kind: 'ping', target: 'x', name: 'x' });
  assert.is(rename.status, 400);
  assert.is(failure(rename.body).field, 'id');
  const missing = await admin.send('PUT', '/api/checks/nope', { kind: 'ping', target: 'x', name: 'x' });
  assert.is(missing.status, 404);
  const del = await admin.send<{ deleted: string }>('DELETE', '/api/checks/tls-home');
  assert.equal(del.data, { deleted: 'tls-home' });
  assert.is((await admin.get('/api/checks/tls-home')).status, 404);
  assert.is((await admin.send('DELETE', '/api/checks/tls-home')).status, 404);
  const log = EventLog.open(s.dataDir);
  try {
    const types = log.query({ type: 'check.*' }).map((e) => `${e.type} ${e.user}`).sort();
    assert.equal(types, ['check.created admin', 'check.created admin', 'check.deleted admin', 'check.updated admin']);
  } finally {
    log.close();
  }
});

test('availability: a range is checked; without results every runner is null', async () => {
  const now = Date.now();
  const ok = await admin.get<{ percent: number | null; byRunner: Record<string, number | null> }>(`/api/checks/web-home/availability?from=${now - 3_600_000}&to=${now}`);
  assert.is(ok.status, 200);
  assert.ok(localAgent in ok.data.byRunner);
  const bad = await admin.get(`/api/checks/web-home/availability?from=${now}&to=${now - 1}`);
  assert.is(bad.status, 400);
  assert.is(failure(bad.body).code, 'VIGIE_ERR_BAD_RANGE');
});

test('the view: each runner\'s latest result, the state (partial when down from one place), availability and budget', async () => {
  const created = await admin.send<CheckView>('POST', '/api/checks', { id: 'two-places', kind: 'tcp', target: 'db.lan', port: 5432, name: 'DB', runners: ['place-1', 'place-2'], sla: 98 });
  assert.is(created.data.state, 'pending');
  const report = async (runner: string, state: 'up' | 'down'): Promise<void> => {
    const client = await connectClient(s.mqttUrl, { ...addCredentials(s.dataDir, { kind: 'agent', host: runner }), clientId: `${runner}-${state}` });
    const payload = JSON.stringify({ v: 1, ts: Date.now(), kind: 'tcp', state, latency: state === 'up' ? 0.004 : null, message: state === 'up' ? 'connected' : 'connection refused' });
    await new Promise<void>((resolve, reject) => client.publish(`vigie/${runner}/checks/two-places`, payload, { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())));
    client.end(true);
  };
  await report('place-1', 'up');
  await report('place-2', 'down');
  const view = await waitFor('both results are in', async () => {
    const v = (await admin.get<CheckView>('/api/checks/two-places')).data;
    return v.runners.every((r) => r.result !== null) ? v : null;
  });
  assert.is(view.state, 'partial');
  assert.equal(view.runners.map((r) => [r.runner, r.result?.state, r.result?.message]), [['place-1', 'up', 'connected'], ['place-2', 'down', 'connection refused']]);
  assert.ok(view.runners.every((r) => typeof r.receivedAt === 'number'));
  await s.stack.ingest!.flush();
  const later = (await admin.get<CheckView>('/api/checks/two-places')).data;
  assert.is(later.availability.day, 50, 'one runner up, one down: 50 %');
  assert.is(later.budget.target, 98);
  assert.ok(later.budget.leftPercent !== null, 'a budget once there is data (its arithmetic: test/checks/view.test.ts)');
  await report('place-1', 'down');
  await waitFor('down from everywhere', async () => (await admin.get<CheckView>('/api/checks/two-places')).data.state === 'down');
});

test('without a session: 401', async () => {
  assert.is((await ApiClient.anonymous(s.httpUrl).get('/api/checks')).status, 401);
});

test.run();
