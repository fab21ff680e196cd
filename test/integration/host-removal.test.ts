/**
 * Removing a host whose real agent is running (issue 10, item 8), on the
 * real `vigie up` wiring: a `vigie agent` process with its Last Will is
 * enrolled, alerts, then is removed through the REST API. Its credentials
 * are revoked and its connection cut, and whatever its Last Will says, the
 * host does not come back — not in the API, not in the event log, not as an
 * offline alert, not as a notification — nor after a restart of the box.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../helpers/api-client.js';
import { enrollHost } from '../helpers/enroll.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { startRecorder, type Recorder } from '../notify/helpers.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const data = tempDir();
// No grace: an offline alert would fire at once, so only the removal itself keeps it quiet.
const SETTINGS = { 'alerts.groupSeconds': '1', 'alerts.diagnosis': 'false', 'ingest.presenceGrace': '0', 'notify.allowInternal': '127.0.0.1' };
let up: TestStack;
let admin: ApiClient;
let hook: Recorder;
const children: ChildProcess[] = [];

test.before(async () => {
  hook = await startRecorder();
  up = await startTestStack('up', { dataDir: data.path, set: SETTINGS });
  admin = await adminClient(up.httpUrl, up.dataDir);
  const channel = await admin.send('POST', '/api/channels', { type: 'webhook', name: 'Pager', url: `${hook.base}/page` });
  assert.is(channel.status, 201, JSON.stringify(channel.body));
});

test.after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await up?.close();
  await hook?.close();
  data.remove();
});

/** Retained messages a fresh subscriber gets under `vigie/<host>/#`, as `topic=bytes`. */
async function retainedUnder(host: string): Promise<string[]> {
  const reader = await mqtt.connectAsync(up.mqttUrl, { ...addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: `checker-${Date.now()}` }), reconnectPeriod: 0 });
  const got: string[] = [];
  reader.on('message', (topic, payload, packet) => {
    if (packet.retain) got.push(`${topic}=${payload.length}`);
  });
  await reader.subscribeAsync(`vigie/${host}/#`);
  await new Promise((r) => setTimeout(r, 400));
  await reader.endAsync(true);
  return got;
}

const mentions = (host: string): string[] => hook.requests.map((r) => r.body).filter((b) => b.includes(`"host":"${host}"`));

test('a running agent removed through the API stays removed: no host, no offline event or alert, no notice', async () => {
  const e = await enrollHost(admin, 'leaver');
  // The agent's CPU is always ≥ 0 %: it fires an alert, whose retained topic the removal must clear too.
  await admin.send('PUT', '/api/alert-settings', { defaults: {}, hosts: { leaver: { cpu: { warning: 0, critical: 100, for: 0 } } } });
  const child = spawn(process.execPath, [main, 'agent', '--broker', up.mqttUrl, '--host', 'leaver', '--interval', '1', '--log-level', 'warn'], {
    stdio: 'ignore',
    env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: e.username, VIGIE_AGENT_PASSWORD: e.password },
  });
  children.push(child);
  await waitFor('leaver online with samples', () => up.stack.ingest!.getHost('leaver')?.presence === 'online' && up.stack.ingest!.getHost('leaver')?.latest, 20_000);
  await waitFor('its CPU alert fired and was notified', () => mentions('leaver').length > 0, 15_000);
  await waitFor('its retained alert topic', async () => (await retainedUnder('leaver')).some((t) => t.startsWith('vigie/leaver/alerts/cpu=')));
  const removedAt = Date.now();
  const noticesBefore = mentions('leaver').length;

  const removed = await admin.send<{ points: number }>('DELETE', '/api/hosts/leaver');
  assert.is(removed.status, 200);
  assert.ok(removed.data.points > 0, 'its points were deleted');

  // Give a Last Will, a reconnection attempt and the notifier's 1 s grouping every chance to show up.
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 250));
    assert.is(up.stack.ingest!.getHost('leaver'), null, `the host is not recreated (${(i + 1) * 250} ms after)`);
  }
  assert.is((await admin.get('/api/hosts/leaver')).status, 404);
  const events = (await admin.get<Array<{ type: string; ts: number; data: { cause?: string } | null }>>('/api/events?host=leaver')).data.filter((ev) => ev.ts >= removedAt);
  assert.equal(events.map((ev) => `${ev.type}${ev.data?.cause ? `:${ev.data.cause}` : ''}`).sort(), ['alert.resolved:removed', 'host.removed'], 'no host.offline, host.first_seen nor new alert after the removal');
  const alerts = up.stack.alerting!.service.store.query({ host: 'leaver' });
  assert.not.ok(alerts.some((a) => a.rule === 'offline'), 'no offline alert');
  assert.ok(alerts.every((a) => a.state === 'resolved' && a.endCause === 'removed'), 'its alerts ended, cause removed');
  assert.is(mentions('leaver').length, noticesBefore, 'nobody is told anything about it');
  assert.equal(await retainedUnder('leaver'), [], 'no retained status, info, services, stored or alert topic left');
  assert.is(child.exitCode, null, 'the agent still runs, refused by the broker');
});

test('after a restart of the box the removed host is still gone; enrolling it again lets it back', async () => {
  await up.close();
  up = await startTestStack('up', { dataDir: data.path, set: SETTINGS });
  admin = await adminClient(up.httpUrl, up.dataDir, 'admin2');
  await new Promise((r) => setTimeout(r, 1500));
  assert.is(up.stack.ingest!.getHost('leaver'), null);

  // Enrolled again: the tombstone is lifted and a new agent brings it back.
  const e = await enrollHost(admin, 'leaver');
  const child = spawn(process.execPath, [main, 'agent', '--broker', up.mqttUrl, '--host', 'leaver', '--interval', '1', '--log-level', 'warn'], {
    stdio: 'ignore',
    env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: e.username, VIGIE_AGENT_PASSWORD: e.password },
  });
  children.push(child);
  await waitFor('leaver back', () => up.stack.ingest!.getHost('leaver')?.presence === 'online', 20_000);
});

test.run();
