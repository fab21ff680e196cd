/**
 * Enrolling an agent from the dashboard's API on the real `vigie up` wiring:
 * the answer's credentials let exactly that host in, only under its own
 * topics; revoking them cuts the connection at once; rotating replaces them.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Enrollment } from '../../accounts/enrollment.js';
import { createTopics } from '../../protocol/topics.js';
import type { ApiClient } from '../helpers/api-client.js';
import { waitFor } from '../helpers/env.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

const topics = createTopics('vigie');
let up: TestStack;
let admin: ApiClient;

test.before(async () => {
  up = await startTestStack('up', { set: { 'http.publicBroker': 'mqtt://box.example:1883' } });
  admin = await adminClient(up.httpUrl, up.dataDir);
});
test.after(async () => {
  await up.close();
});

const connect = (username: string, password: string) => mqtt.connectAsync(up.mqttUrl, { username, password, reconnectPeriod: 0, connectTimeout: 3000 });

test('an enrolled host gets a one-line command whose credentials publish as that host only', async () => {
  const { data: e } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'Lab-PC-1' });
  assert.is(e.host, 'lab-pc-1');
  assert.is(e.username, 'agent:lab-pc-1');
  assert.is(e.broker, 'mqtt://box.example:1883', 'http.publicBroker is what agents are told');
  assert.is(e.command, `VIGIE_AGENT_USERNAME='agent:lab-pc-1' VIGIE_AGENT_PASSWORD='${e.password}' vigie agent --broker 'mqtt://box.example:1883' --host 'lab-pc-1'`);
  assert.match(e.commandWindows, /^\$env:VIGIE_AGENT_USERNAME='agent:lab-pc-1'; \$env:VIGIE_AGENT_PASSWORD='[\w-]{43}'; vigie agent /);

  const client = await connect(e.username, e.password);
  await client.publishAsync(topics.host('lab-pc-1', 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 12, load1: 0, load5: 0, load15: 0 } }), { qos: 1 });
  const host = await waitFor('lab-pc-1 in the API', async () => (await admin.get<Array<{ id: string }>>('/api/hosts')).data.find((h) => h.id === 'lab-pc-1'));
  assert.ok(host);
  const denied = await client.subscribeAsync('vigie/#').then(() => 'granted', (err: Error) => err.message);
  assert.match(denied, /Subscribe error/, 'an agent cannot read the whole tree (SUBACK 0x80)');
  client.end(true);

  const again = await admin.send('POST', '/api/hosts', { host: 'lab-pc-1' });
  assert.is(again.status, 409, 'enrolling twice needs rotate: true');
  const access = (await admin.get<Array<{ host: string; known: boolean; credentials: { revokedAt: number | null } | null }>>('/api/access')).data.find((a) => a.host === 'lab-pc-1');
  assert.equal([access?.known, access?.credentials?.revokedAt], [true, null]);
  assert.ok(up.stack.dashboard && (await admin.get<Array<{ type: string }>>('/api/events?type=host.enrolled')).data.length === 1, 'logged');
});

test('revoking from the dashboard cuts the agent at once and refuses it afterwards', async () => {
  const { data: e } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'lab-pc-2' });
  const client = await connect(e.username, e.password);
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
  const asked = Date.now();
  assert.is((await admin.send('DELETE', '/api/hosts/lab-pc-2/credentials')).status, 200);
  const at = await closed;
  assert.ok(at - asked < 1000, `cut within a second (${at - asked} ms)`);
  const refused = await connect(e.username, e.password).then(() => 'connected', (err: Error) => err.message);
  assert.match(refused, /Bad username or password|Not authorized/);
  assert.is((await admin.send('DELETE', '/api/hosts/lab-pc-2/credentials')).status, 404, 'nothing left to revoke');
});

test('rotating replaces the password: the old connection is cut, the new password works', async () => {
  const { data: first } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'lab-pc-3' });
  const client = await connect(first.username, first.password);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const { data: second } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'lab-pc-3', rotate: true });
  assert.is.not(second.password, first.password);
  await closed;
  assert.match(await connect(first.username, first.password).then(() => 'connected', (err: Error) => err.message), /Bad username or password/);
  const fresh = await connect(second.username, second.password);
  assert.ok(fresh.connected);
  fresh.end(true);
});

test('removing a host deletes its data, clears its retained topics, revokes its agent and ends its alerts', async () => {
  const { data: e } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'leaver' });
  const client = await connect(e.username, e.password);
  const ts = Date.now();
  await client.publishAsync(topics.host('leaver', 'status'), JSON.stringify({ v: 1, state: 'online', reason: 'connected', agent: '0.1.0', interval: 1, ts }), { qos: 1, retain: true });
  await admin.send('PUT', '/api/alert-settings', { defaults: { cpu: { for: 0 } }, hosts: {} });
  await client.publishAsync(topics.host('leaver', 'metrics'), JSON.stringify({ v: 1, ts, cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } }), { qos: 1 });
  await waitFor('stored and alerting', async () => {
    await up.stack.ingest!.flush();
    const series = await up.stack.ingest!.series('leaver');
    return series.length > 0 && up.stack.alerting!.service.firing().some((a) => a.host === 'leaver');
  });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

  const removed = await admin.send<{ points: number }>('DELETE', '/api/hosts/leaver');
  assert.is(removed.status, 200);
  assert.ok(removed.data.points > 0, 'its points were deleted');
  assert.is((await admin.get('/api/hosts/leaver')).status, 404);
  assert.equal(await up.stack.ingest!.series('leaver'), [], 'no series left');
  await closed; // its credentials are revoked: the agent is cut
  const alert = up.stack.alerting!.service.store.query({ host: 'leaver' })[0];
  assert.equal([alert?.state, alert?.endCause], ['resolved', 'removed']);
  // A new subscriber gets no retained status: a restarted ingest would not bring the host back.
  const reader = await mqtt.connectAsync(up.mqttUrl, { ...addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: 'checker' }), reconnectPeriod: 0 });
  const retained: string[] = [];
  reader.on('message', (topic, payload) => retained.push(`${topic}=${payload.length}`));
  await reader.subscribeAsync('vigie/leaver/#');
  await new Promise((r) => setTimeout(r, 300));
  reader.end(true);
  assert.equal(retained, [], 'no retained message left under vigie/leaver/');
  assert.ok((await admin.get<Array<{ type: string }>>('/api/events?host=leaver')).data.some((ev) => ev.type === 'host.removed'), 'logged');
  assert.is((await admin.send('DELETE', '/api/hosts/never-was')).status, 404);
});

test.run();
