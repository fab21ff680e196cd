/**
 * Scripts on the real `vigie up` wiring (broker with its ACL, ingest, local
 * agent, dashboard, SQLite files), with web1 played by a real MQTT client
 * logged in with the credentials it got at enrollment:
 * - the enrollment answer carries the box's public key and fingerprint;
 * - the library: admins write (201, versions, 400 naming the field, a body
 *   over the API's usual 16 kB), built-ins can be disabled, not edited or
 *   deleted (409); operators read; viewers get 403;
 * - web1's retained config holds a bundle signed with the box key, bound to
 *   web1, published again when the library changes;
 * - runs: an operator runs a built-in on web1 (202), the agent's answer comes
 *   back through the ingest, live over Socket.IO to those who see web1 only;
 *   a viewer's run is 403, bad arguments 400 with `field`, a disabled action
 *   409, an offline host 503; viewers read runs of hosts they see;
 * - the event log holds every library change, run and refusal.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createVerifier, keyFingerprint } from '../../../core/signing.js';
import { EventLog } from '../../../events/event-log.js';
import { decodePayload } from '../../../protocol/payloads.js';
import type { AgentConfigPayload } from '../../../protocol/schemas/check.js';
import type { RunGrant, ScriptBundle } from '../../../protocol/schemas/script.js';
import { createTopics } from '../../../protocol/topics.js';
import type { RunOutput, RunSummary, RunView, ScriptView } from '../../../scripts/types.js';
import { ApiClient } from '../../helpers/api-client.js';
import { enrollHost, type EnrollAnswer } from '../../helpers/enroll.js';
import { waitFor } from '../../helpers/env.js';
import { connectClient } from '../../helpers/mqtt.js';
import { addUser, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { connectSocket } from '../stack.js';

const topics = createTopics('vigie');
let s: TestStack;
let admin: ApiClient;
let olivia: ApiClient; // operator, group "web"
let victor: ApiClient; // viewer, group "web"
let otto: ApiClient; // operator, sees nothing
let enrolled: EnrollAnswer;
let web1: MqttClient;
const configs: AgentConfigPayload[] = [];
const grants: RunGrant[] = [];
const sockets: Socket[] = [];

interface Failure { ok: false; error: { code: string; message: string; field?: string } }
const failure = (body: unknown): Failure['error'] => (body as Failure).error;

const custom = {
  id: 'clear-cache', name: 'Clear the app cache', description: 'Empties /srv/app/cache', kind: 'action', interpreter: 'sh',
  body: '#!/bin/sh\nset -eu\nrm -rf -- "$1"/*\n', params: [{ name: 'dir', type: 'path', root: '/srv/app/cache' }], timeout: 20, hosts: ['web1'],
};

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
  const o = await addUser(s.dataDir, 'olivia', 'operator');
  const v = await addUser(s.dataDir, 'victor', 'viewer');
  const t = await addUser(s.dataDir, 'otto', 'operator');
  const group = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'web' })).data;
  await admin.send('PATCH', `/api/groups/${group.id}`, { members: [o.id, v.id] });
  enrolled = await enrollHost(admin, 'web1');
  await admin.send('PUT', '/api/hosts/web1/access', { owner: null, groups: [group.id] });
  olivia = await ApiClient.signIn(s.httpUrl, o.name, o.password);
  victor = await ApiClient.signIn(s.httpUrl, v.name, v.password);
  otto = await ApiClient.signIn(s.httpUrl, t.name, t.password);

  // web1's agent: its own credentials, its config, its run requests; it answers every run with a little output.
  web1 = await connectClient(s.mqttUrl, { username: enrolled.username, password: enrolled.password, clientId: 'web1-fake-agent' });
  web1.on('message', (topic, payload) => {
    const parsed = topics.parse(topic);
    if (parsed?.kind === 'config') {
      const decoded = decodePayload('agentConfig', payload);
      if (decoded.ok) configs.push(decoded.value);
      return;
    }
    if (parsed?.kind !== 'run/req') return;
    const req = decodePayload('runRequest', payload);
    if (!req.ok) return;
    const grant = JSON.parse(req.value.grant.payload) as RunGrant;
    if (!createVerifier(enrolled.serverKey!)(req.value.grant)) return; // as the agent: nothing unsigned runs
    grants.push(grant);
    const send = (seq: number, e: Record<string, unknown>) =>
      web1.publishAsync(topics.runResponse('web1', grant.id), JSON.stringify({ v: 1, ts: Date.now(), id: grant.id, seq, ...e }), { qos: 1 });
    void (async () => {
      await send(0, { event: 'accepted' });
      await send(1, { event: 'output', stream: 'stdout', chunk: `restarting ${String(grant.args.service)}\n` });
      await send(2, { event: 'done', exit: 0, signal: null, timedOut: false, duration: 0.5, dropped: 0 });
    })();
  });
  await web1.subscribeAsync([topics.agentConfig('web1'), topics.runRequestsFor('web1')], { qos: 1 });
  await web1.publishAsync(topics.host('web1', 'status'), JSON.stringify({ v: 1, state: 'online', reason: 'connected', agent: '0.1.0', interval: 5 }), { qos: 1, retain: true });
  await waitFor('web1 online', () => s.stack.ingest!.getHost('web1')?.presence === 'online');
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  web1?.end(true);
  await s?.close();
});

test('the enrollment answer carries the box key and its fingerprint', () => {
  assert.is(enrolled.serverKey, s.stack.signer!.publicKey);
  assert.is(enrolled.serverKeyFingerprint, keyFingerprint(s.stack.signer!.publicKey));
  assert.match(enrolled.serverKeyFingerprint!, /^SHA256:/);
  assert.is(statSync(join(s.dataDir, 'signing.key')).mode & 0o777, 0o600, 'the private key is 0600');
});

test('the library: operators and admins read it (built-ins seeded, not editable), viewers get 403', async () => {
  const list = (await admin.get<{ scripts: ScriptView[] }>('/api/scripts')).data.scripts;
  const builtins = list.filter((x) => x.builtin).map((x) => x.id);
  assert.equal(builtins, ['vigie.journal-vacuum', 'vigie.kill-process', 'vigie.package-clean', 'vigie.service-restart']);
  assert.ok(list.every((x) => !x.canEdit), 'built-ins are not editable, even by admins');
  const restart = list.find((x) => x.id === 'vigie.service-restart')!;
  assert.equal([restart.kind, restart.interpreter, restart.version, restart.enabled, restart.updatedBy], ['action', 'sh', 1, true, 'vigie']);
  assert.is((await olivia.get('/api/scripts')).status, 200);
  assert.is((await olivia.get('/api/scripts/vigie.kill-process')).data && (await olivia.get<ScriptView>('/api/scripts/vigie.kill-process')).data.id, 'vigie.kill-process');
  for (const path of ['/api/scripts', '/api/scripts/vigie.kill-process', '/api/scripts/vigie.kill-process/versions', '/api/hosts/web1/actions']) {
    const r = await victor.get(path);
    assert.is(r.status, 403, path);
  }
});

test('admins write: create (a body over 16 kB), 400 naming the field, a new version when the body changes, built-ins 409, delete', async () => {
  const bad = await admin.send('POST', '/api/scripts', { ...custom, params: [{ name: 'dir', type: 'path', root: 'srv' }] });
  assert.is(bad.status, 400);
  assert.is(failure(bad.body).field, 'params[0].root');
  assert.match(failure(bad.body).message, /params\[0\]\.root: expected an absolute directory/);
  assert.is((await olivia.send('POST', '/api/scripts', custom)).status, 403, 'operators do not write scripts');

  const big = `${custom.body}${'# padding line to pass the API\'s usual 16 kB limit\n'.repeat(400)}`;
  assert.ok(big.length > 16 * 1024);
  const created = await admin.send<ScriptView>('POST', '/api/scripts', { ...custom, body: big });
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.equal([created.data.version, created.data.canEdit, created.data.builtin, created.data.enabled, created.data.hosts, created.data.updatedBy], [1, true, false, true, ['web1'], 'admin']);
  assert.is((await admin.send('POST', '/api/scripts', custom)).status, 409, 'the id is taken');

  const renamed = await admin.send<ScriptView>('PUT', '/api/scripts/clear-cache', { ...custom, id: undefined, name: 'Clear cache', body: big });
  assert.is(renamed.data.version, 1, 'a new name is not a new version');
  const changed = await admin.send<ScriptView>('PUT', '/api/scripts/clear-cache', { ...custom, id: undefined });
  assert.is(changed.data.version, 2);
  const versions = (await olivia.get<{ versions: Array<{ version: number; body: string; by: string }> }>('/api/scripts/clear-cache/versions')).data.versions;
  assert.equal(versions.map((x) => [x.version, x.by]), [[2, 'admin'], [1, 'admin']]);
  assert.is(versions[1]!.body, big);

  assert.is((await admin.send('PUT', '/api/scripts/vigie.kill-process', { ...custom, id: undefined })).status, 409);
  assert.is((await admin.send('DELETE', '/api/scripts/vigie.kill-process')).status, 409);
  const off = await admin.send<ScriptView>('PATCH', '/api/scripts/vigie.kill-process', { enabled: false });
  assert.is(off.data.enabled, false, 'built-ins can be disabled');
  assert.is((await olivia.send('PATCH', '/api/scripts/vigie.kill-process', { enabled: true })).status, 403);
  assert.is((await admin.send('PATCH', '/api/scripts/vigie.kill-process', { enabled: 'no' })).status, 400);

  // Two bodies of ~30 KiB for one host would outgrow what its agent accepts in one config: the second is refused now.
  const large = `#!/bin/sh\n${'echo "a long line of output, to make the body large"\n'.repeat(600)}`;
  assert.is((await admin.send('POST', '/api/scripts', { ...custom, id: 'large-one', body: large })).status, 201);
  const tooMuch = await admin.send('POST', '/api/scripts', { ...custom, id: 'large-two', body: large });
  assert.is(tooMuch.status, 400);
  assert.is(failure(tooMuch.body).field, 'body');
  assert.match(failure(tooMuch.body).message, /not sent to web1: the scripts allowed there take \d+ KiB, more than the 48 KiB/);
  assert.is((await admin.send('POST', '/api/scripts', { ...custom, id: 'large-two', body: large, hosts: [] })).status, 201, 'allowed nowhere: it fits');
  assert.is((await admin.send('PUT', '/api/scripts/large-two', { ...custom, id: undefined, body: large })).status, 400, 'nor by a change');
  for (const id of ['large-one', 'large-two']) await admin.send('DELETE', `/api/scripts/${id}`);

  await admin.send('POST', '/api/scripts', { ...custom, id: 'short-lived', hosts: [] });
  assert.equal((await admin.send('DELETE', '/api/scripts/short-lived')).data, { deleted: 'short-lived' });
  assert.is((await admin.get('/api/scripts/short-lived')).status, 404);

  const events = EventLog.open(s.dataDir);
  try {
    const types = events.query({ type: 'script.*', limit: 100 }).map((e) => e.type);
    for (const t of ['script.created', 'script.updated', 'script.disabled', 'script.deleted']) assert.ok(types.includes(t), t);
  } finally {
    events.close();
  }
  const fr = (await admin.get<Array<{ message: string }>>('/api/events?type=script.*&lang=fr')).data.map((e) => e.message);
  assert.ok(fr.includes('Script clear-cache (« Clear the app cache ») modifié : version 1 → 2'), fr.join('\n'));
  assert.ok(fr.includes('Script vigie.kill-process désactivé'), fr.join('\n'));
});

test('web1\'s config carries a bundle signed with the box key, for web1, following the library', async () => {
  const verify = createVerifier(enrolled.serverKey!);
  const bundleOf = (c: AgentConfigPayload): ScriptBundle | null => (c.scripts && verify(c.scripts) ? (JSON.parse(c.scripts.payload) as ScriptBundle) : null);
  const latest = await waitFor('a bundle with clear-cache@2 and without the disabled kill-process', () => {
    const b = configs.length ? bundleOf(configs.at(-1)!) : null;
    const ids = b?.scripts.map((x) => `${x.id}@${x.version}`) ?? [];
    return ids.includes('clear-cache@2') && !ids.some((i) => i.startsWith('vigie.kill-process')) ? b : null;
  });
  assert.equal([latest.type, latest.host, latest.checks], ['vigie.scripts', 'web1', []]);
  assert.equal(latest.scripts.map((x) => x.id), ['clear-cache', 'vigie.journal-vacuum', 'vigie.package-clean', 'vigie.service-restart']);
  assert.equal(configs.at(-1)!.checks, [], 'script checks never go in checks[]');
  await admin.send('PATCH', '/api/scripts/vigie.kill-process', { enabled: true });
  await waitFor('kill-process is back in web1\'s bundle', () => bundleOf(configs.at(-1)!)?.scripts.some((x) => x.id === 'vigie.kill-process'));
});

test('GET /api/hosts/:id/actions: the enabled actions allowed there; 404 for a host the operator does not see', async () => {
  const actions = (await olivia.get<{ actions: Array<{ id: string; version: number; params: unknown[] }> }>('/api/hosts/web1/actions')).data.actions;
  assert.equal(actions.map((a) => a.id), ['clear-cache', 'vigie.journal-vacuum', 'vigie.kill-process', 'vigie.package-clean', 'vigie.service-restart']);
  const box = (await admin.get<{ actions: Array<{ id: string }> }>('/api/hosts/the-box/actions')).data.actions;
  assert.not.ok(box.some((a) => a.id === 'clear-cache'), 'clear-cache may run on web1 only');
  assert.is((await otto.get('/api/hosts/web1/actions')).status, 404);
});

test('an operator runs an action on web1: 202, the answer comes back, live to those who see web1 only; viewers read it', async () => {
  const live = (client: ApiClient) => connectSocket(s.httpUrl, { cookie: client.cookieHeader() }).then((socket) => {
    sockets.push(socket);
    const got = { runs: [] as RunSummary[], output: [] as RunOutput[] };
    socket.on('run', (r: RunSummary) => got.runs.push(r));
    socket.on('run:output', (o: RunOutput) => got.output.push(o));
    return got;
  });
  const forVictor = await live(victor);
  const forOtto = await live(otto);
  const started = await olivia.send<{ run: RunView }>('POST', '/api/scripts/vigie.service-restart/runs', { host: 'web1', args: { service: 'nginx.service' } });
  assert.is(started.status, 202, JSON.stringify(started.body));
  const { run } = started.data;
  assert.equal([run.state, run.host, run.by, run.trigger, run.script], ['pending', 'web1', 'olivia', 'manual', 'vigie.service-restart']);
  const done = await waitFor('the run is done', async () => {
    const r = (await victor.get<{ run: RunView }>(`/api/runs/${run.id}`)).data.run;
    return r.state === 'done' ? r : null;
  });
  assert.equal([done.exit, done.output, done.duration], [0, 'restarting nginx.service\n', 0.5]);
  const grant = grants.find((g) => g.id === run.id)!;
  assert.equal([grant.host, grant.script, grant.by, grant.args], ['web1', 'vigie.service-restart', 'olivia', { service: 'nginx.service' }]);
  assert.ok(grant.exp - grant.iat <= 60_000);
  await waitFor('victor saw it live', () => forVictor.runs.some((r) => r.id === run.id && r.state === 'done'));
  assert.equal(forVictor.runs.filter((r) => r.id === run.id).map((r) => r.state), ['pending', 'running', 'done']);
  assert.equal(forVictor.output.map((o) => o.chunk), ['restarting nginx.service\n']);
  assert.equal([forOtto.runs.length, forOtto.output.length], [0, 0], 'otto does not see web1');
  const list = (await victor.get<{ runs: RunView[] }>('/api/runs?host=web1')).data.runs;
  assert.ok(list.some((r) => r.id === run.id));
  assert.equal((await otto.get<{ runs: RunView[] }>('/api/runs')).data.runs, []);
  assert.is((await otto.get(`/api/runs/${run.id}`)).status, 404);
});

test('refusals: a viewer 403, arguments 400 with the field, a disabled action 409, an offline host 503, no such script 404; all logged', async () => {
  const asViewer = await victor.send('POST', '/api/scripts/vigie.service-restart/runs', { host: 'web1', args: { service: 'nginx.service' } });
  assert.is(asViewer.status, 403);
  assert.match(failure(asViewer.body).message, /viewers cannot run actions/);
  const args = await olivia.send('POST', '/api/scripts/vigie.journal-vacuum/runs', { host: 'web1', args: { size: 1 } });
  assert.is(args.status, 400);
  assert.is(failure(args.body).field, 'args.size');
  assert.match(failure(args.body).message, /args.size: 1 is below the minimum 16/);
  await admin.send('PATCH', '/api/scripts/vigie.package-clean', { enabled: false });
  assert.is((await olivia.send('POST', '/api/scripts/vigie.package-clean/runs', { host: 'web1', args: {} })).status, 409);
  await admin.send('PATCH', '/api/scripts/vigie.package-clean', { enabled: true });
  const offline = await admin.send('POST', '/api/scripts/vigie.package-clean/runs', { host: 'db9', args: {} });
  assert.is(offline.status, 503);
  assert.is(failure(offline.body).code, 'VIGIE_ERR_HOST_OFFLINE');
  assert.is((await olivia.send('POST', '/api/scripts/nope/runs', { host: 'web1', args: {} })).status, 404);
  assert.is((await otto.send('POST', '/api/scripts/vigie.package-clean/runs', { host: 'web1', args: {} })).status, 404, 'a host otto does not see');
  const events = EventLog.open(s.dataDir);
  try {
    const refused = events.query({ type: 'script.run_refused', limit: 100 });
    assert.ok(refused.some((e) => e.user === 'victor'), 'the viewer\'s attempt');
    assert.ok(refused.some((e) => e.data?.field === 'args.size'));
    const runs = events.query({ type: 'script.run' });
    assert.ok(runs.some((e) => e.user === 'olivia' && /vigie.service-restart@1 on web1 by olivia \(service=nginx.service\): exit 0/.test(e.message)), runs.map((e) => e.message).join('\n'));
  } finally {
    events.close();
  }
});

test.run();
