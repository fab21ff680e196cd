/**
 * POST /api/hosts/:id/diagnosis through the real stack and a real agent:
 * top processes on demand for operators, refused to viewers, throttled per
 * host, and a clear 503 for an offline host or an agent that does not answer.
 */
import { Value } from '@sinclair/typebox/value';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import type { DiagnosisAnswer } from '../../../dashboard/server/api/diagnosis.js';
import { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { infoPayload, metricsPayload, PREFIX, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

const AGENT_HOST = 'diag-api-box';
let s: DashboardStack;
let agent: AgentHandle;
let operator: ApiClient;
let viewer: ApiClient;

test.before(async () => {
  s = await startDashboardStack();
  agent = await startAgent(Value.Default(AgentConfig, { broker: s.broker.url, host: AGENT_HOST, interval: 1 }) as AgentConfig, { prefix: PREFIX, services: false });
  await waitFor('the agent registered', () => s.ingest.getHost(AGENT_HOST)?.presence === 'online');
  const op = await addUser(s.dataDir, 'olga', 'operator');
  const view = await addUser(s.dataDir, 'victor', 'viewer');
  // Both see the host (the operator owns it, the viewer through a group).
  const group = s.accounts.groups.create('lab');
  s.accounts.groups.update(group.id, { members: [view.id] });
  s.accounts.hostAccess.setAccess(AGENT_HOST, { owner: op.id, groups: [group.id] });
  operator = await ApiClient.signIn(s.url, op.name, op.password);
  viewer = await ApiClient.signIn(s.url, view.name, view.password);
});

test.after(async () => {
  await agent?.close();
  await s?.close();
});

test('an operator asks the agent now: top processes by CPU and by memory, with the time taken', async () => {
  const res = await operator.send<DiagnosisAnswer>('POST', `/api/hosts/${AGENT_HOST}/diagnosis`, { action: 'top', limit: 3 });
  assert.is(res.status, 200, JSON.stringify(res.body));
  const d = res.data;
  assert.is(d.host, AGENT_HOST);
  assert.is(d.data.byCpu.length, 3);
  assert.is(d.data.byMem.length, 3);
  assert.ok(d.data.byMem[0]!.rss >= d.data.byMem[2]!.rss, 'largest memory first');
  assert.ok(d.elapsedMs >= 400, `the round trip includes the agent's 500 ms sampling (${d.elapsedMs} ms)`);
});

test('the same host asked again within 10 s: 429 with Retry-After, whoever asks', async () => {
  const res = await s.admin.send('POST', `/api/hosts/${AGENT_HOST}/diagnosis`, { action: 'top' });
  assert.is(res.status, 429);
  assert.ok(!res.body.ok && res.body.error.code === 'VIGIE_ERR_RATE_LIMITED');
  assert.match(!res.body.ok ? res.body.error.message : '', /less than 10 s ago/);
  assert.ok(Number(res.headers.get('retry-after')) >= 1);
});

test('a viewer may not run it; someone who cannot see the host gets 404; bad bodies name the field', async () => {
  const denied = await viewer.send('POST', `/api/hosts/${AGENT_HOST}/diagnosis`, { action: 'top' });
  assert.is(denied.status, 403);
  await s.publish('elsewhere', 'status', statusPayload());
  await s.publish('elsewhere', 'info', infoPayload('elsewhere'));
  await waitFor('elsewhere registered', () => s.ingest.getHost('elsewhere'));
  assert.is((await operator.send('POST', '/api/hosts/elsewhere/diagnosis', { action: 'top' })).status, 404);
  const bad = await s.admin.send('POST', '/api/hosts/elsewhere/diagnosis', { action: 'shell' });
  assert.is(bad.status, 400);
  assert.match(!bad.body.ok ? bad.body.error.message : '', /^action: /);
  const big = await s.admin.send('POST', '/api/hosts/elsewhere/diagnosis', { action: 'top', limit: 500 });
  assert.match(!big.body.ok ? big.body.error.message : '', /^limit: /);
});

test('an offline host is answered 503 at once, without asking', async () => {
  await s.publish('gone-box', 'info', infoPayload('gone-box'));
  await s.publish('gone-box', 'metrics', metricsPayload(3, Date.now() - 120_000));
  await s.publish('gone-box', 'status', statusPayload('offline'));
  await waitFor('gone-box offline', () => s.ingest.getHost('gone-box')?.presence === 'offline');
  const res = await s.admin.send('POST', '/api/hosts/gone-box/diagnosis', { action: 'top' });
  assert.is(res.status, 503);
  assert.ok(!res.body.ok && res.body.error.code === 'VIGIE_ERR_HOST_OFFLINE');
  assert.match(!res.body.ok ? res.body.error.message : '', /gone-box is offline/);
});

test('a host whose agent does not answer: 503 naming the wait', async () => {
  // Online by its status topic, but nothing listens on its cmd/req.
  await s.publish('mute-box', 'status', { ...statusPayload(), interval: 60 });
  await s.publish('mute-box', 'metrics', metricsPayload(3));
  await waitFor('mute-box online', () => s.ingest.getHost('mute-box')?.presence === 'online');
  const res = await s.admin.send('POST', '/api/hosts/mute-box/diagnosis', { action: 'top' });
  assert.is(res.status, 503);
  assert.match(!res.body.ok ? res.body.error.message : '', /no answer from mute-box within 8 s/);
});

test.run();
