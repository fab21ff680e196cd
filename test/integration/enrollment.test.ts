/**
 * Enrolling an agent from the dashboard's API on the real `vigie up` wiring
 * (issue 11): an admin makes a one-time token, the agent trades it for
 * credentials that let exactly that host in, only under its own topics;
 * revoking them cuts the connection at once; a rotating token replaces them.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Enrollment } from '../../accounts/enrollment.js';
import { openBoxSigner } from '../../core/signing.js';
import { createTopics } from '../../protocol/topics.js';
import { ApiClient } from '../helpers/api-client.js';
import { enrollHost, type EnrollAnswer } from '../helpers/enroll.js';
import { waitFor } from '../helpers/env.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

const topics = createTopics('vigie');
let up: TestStack;
let admin: ApiClient;

test.before(async () => {
  up = await startTestStack('up', { set: { 'http.publicBroker': 'mqtt://box.example:1883', 'http.publicUrl': 'https://vigie.example.org/' } });
  admin = await adminClient(up.httpUrl, up.dataDir);
});
test.after(async () => {
  await up.close();
});

const connect = (username: string, password: string) => mqtt.connectAsync(up.mqttUrl, { username, password, reconnectPeriod: 0, connectTimeout: 3000 });

test('an enrollment token buys credentials that publish as that host only; the line carries no password', async () => {
  const made = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'Lab-PC-1' });
  assert.is(made.status, 201);
  const e = made.data;
  assert.is(e.host, 'lab-pc-1');
  assert.match(e.token, /^vge_[\w-]{43}$/);
  assert.is(e.command, `curl -fsSL 'https://vigie.example.org/install/agent.sh' | sh -s -- --url 'https://vigie.example.org' --token '${e.token}'`, 'http.publicUrl is what the line points at');
  assert.is(e.commandNoService, `${e.command} --dir "$HOME/vigie-agent" --no-service`);
  assert.is(e.commandWindows, `& ([scriptblock]::Create((irm 'https://vigie.example.org/install/agent.ps1'))) -Url 'https://vigie.example.org' -Token '${e.token}'`);
  assert.not.ok(JSON.stringify(made.body).includes('password'), 'no password in the answer');
  assert.is((await admin.get<unknown[]>('/api/access')).data.filter((a) => (a as { host: string }).host === 'lab-pc-1').length, 0, 'nothing exists until the token is used');
  const pending = (await admin.get<Array<{ id: number; host: string; createdBy: string }>>('/api/enrollment-tokens')).data;
  assert.equal(pending.map((t) => [t.id, t.host, t.createdBy]), [[e.tokenId, 'lab-pc-1', 'admin']]);
  assert.not.ok(JSON.stringify(pending).includes(e.token), 'never the token itself');

  // The agent side: no session, no Origin, just the token.
  const res = await fetch(`${up.httpUrl}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: e.token, agentVersion: '0.9.0', hostname: 'vm' }) });
  const used = (await res.json()) as { ok: true; data: EnrollAnswer };
  assert.is(res.status, 200, JSON.stringify(used));
  // The box's signing key, for the agent to pin (issue 14): the one in <dataDir>/signing.key.
  const box = openBoxSigner(up.dataDir);
  assert.equal({ ...used.data, password: '' }, {
    host: 'lab-pc-1', username: 'agent-lab-pc-1', password: '', broker: 'mqtt://box.example:1883', ca: null,
    serverKey: box.publicKey, serverKeyFingerprint: box.fingerprint,
  }, 'http.publicBroker is what agents are told');
  assert.match(used.data.password, /^[\w-]{43}$/);
  assert.equal((await admin.get<unknown[]>('/api/enrollment-tokens')).data, [], 'used: no longer pending');

  const client = await connect(used.data.username, used.data.password);
  await client.publishAsync(topics.host('lab-pc-1', 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 12, load1: 0, load5: 0, load15: 0 } }), { qos: 1 });
  const host = await waitFor('lab-pc-1 in the API', async () => (await admin.get<Array<{ id: string }>>('/api/hosts')).data.find((h) => h.id === 'lab-pc-1'));
  assert.ok(host);
  const denied = await client.subscribeAsync('vigie/#').then(() => 'granted', (err: Error) => err.message);
  assert.match(denied, /Subscribe error/, 'an agent cannot read the whole tree (SUBACK 0x80)');
  client.end(true);

  const again = await ApiClient.anonymous(up.httpUrl).send('POST', '/api/enroll', { token: e.token });
  assert.is(again.status, 403, 'a token is used once');
  assert.match(again.body.ok ? '' : again.body.error.message, /^this enrollment token was already used on \d{4}-\d\d-\d\d \d\d:\d\d UTC .*make a new one in Hosts & agents/);
  assert.is((await admin.send('POST', '/api/hosts', { host: 'lab-pc-1' })).status, 409, 'a token for a host with credentials needs rotate: true');
  const access = (await admin.get<Array<{ host: string; known: boolean; credentials: { revokedAt: number | null } | null }>>('/api/access')).data.find((a) => a.host === 'lab-pc-1');
  assert.equal([access?.known, access?.credentials?.revokedAt], [true, null]);
  const types = (await admin.get<Array<{ type: string }>>('/api/events?host=lab-pc-1')).data.map((ev) => ev.type);
  for (const type of ['host.enroll_token', 'host.enrolled', 'host.enroll_refused']) assert.ok(types.includes(type), `${type} logged`);
});

test('an agent still configured with its pre-issue-15 name "agent:<host>" is let in, as that host, and revoked by it', async () => {
  const e = await enrollHost(admin, 'lab-pc-old');
  assert.is(e.username, 'agent-lab-pc-old');
  const client = await connect('agent:lab-pc-old', e.password);
  await client.publishAsync(topics.host('lab-pc-old', 'metrics'), JSON.stringify({ v: 1, ts: Date.now(), cpu: { usage: 1, load1: 0, load5: 0, load15: 0 } }), { qos: 1 });
  await waitFor('lab-pc-old in the API', async () => (await admin.get<Array<{ id: string }>>('/api/hosts')).data.find((h) => h.id === 'lab-pc-old'));
  const cut = new Promise<void>((resolve) => client.once('close', () => resolve()));
  assert.is((await admin.send('DELETE', '/api/hosts/lab-pc-old/credentials')).status, 200);
  await cut;
  const again = await connect('agent:lab-pc-old', e.password).then(() => 'accepted', (err: Error) => err.message);
  assert.match(again, /Bad username or password|Not authorized/i);
});

test('revoking from the dashboard cuts the agent at once and refuses it afterwards', async () => {
  const e = await enrollHost(admin, 'lab-pc-2');
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

test('a token made with rotate replaces the credentials when used: the old connection is cut, the new password works', async () => {
  const first = await enrollHost(admin, 'lab-pc-3');
  const client = await connect(first.username, first.password);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const second = await enrollHost(admin, 'lab-pc-3', { rotate: true });
  assert.is.not(second.password, first.password);
  await closed;
  assert.match(await connect(first.username, first.password).then(() => 'connected', (err: Error) => err.message), /Bad username or password/);
  const fresh = await connect(second.username, second.password);
  assert.ok(fresh.connected);
  fresh.end(true);
});

test('a removed host that was never seen leaves the list, and its pending token dies with it', async () => {
  await enrollHost(admin, 'never-seen');
  const { data: pending } = await admin.send<Enrollment>('POST', '/api/hosts', { host: 'never-seen', rotate: true });
  const listed = async () => (await admin.get<Array<{ host: string }>>('/api/access')).data.some((a) => a.host === 'never-seen');
  assert.ok(await listed(), 'listed once enrolled');
  assert.is((await admin.send('DELETE', '/api/hosts/never-seen')).status, 200);
  assert.not.ok(await listed(), 'gone from Hosts & agents');
  const late = await ApiClient.anonymous(up.httpUrl).send('POST', '/api/enroll', { token: pending.token });
  assert.match(late.body.ok ? '' : late.body.error.message, /was cancelled on/);
});

test('removing a host deletes its data, clears its retained topics, revokes its agent and ends its alerts', async () => {
  const e = await enrollHost(admin, 'leaver');
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
  assert.not.ok((await admin.get<Array<{ host: string }>>('/api/access')).data.some((a) => a.host === 'leaver'), 'no longer listed in Hosts & agents');
  assert.is((await admin.send('DELETE', '/api/hosts/never-was')).status, 404);
});

test.run();
