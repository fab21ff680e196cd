/**
 * Debian's Mosquitto 2.0 as Vigie's broker (issue 15), end to end: the files
 * are written by the real `vigie mosquitto`, a real mosquitto runs on them,
 * and the real `vigie server` wiring keeps them in step (mosquitto.dir,
 * mosquitto.pidFile: rewrite, then SIGHUP). Real `vigie agent` processes
 * enrolled through the API publish through it; the ingest connects with its
 * own credentials; refusals, revocation, host removal and an agent still
 * configured with its pre-issue-15 username are exercised.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../helpers/api-client.js';
import { enrollHost } from '../helpers/enroll.js';
import { waitFor } from '../helpers/env.js';
import { haNodeId } from '../../integrations/home-assistant/discovery.js';
import { haveMosquitto, startMosquittoStack, type MosquittoStack } from '../helpers/mosquitto.js';
import { addCredentials, adminClient } from '../helpers/stack.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const enabled = haveMosquitto();
let ms: MosquittoStack;
let admin: ApiClient;
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];

test.before(async () => {
  if (!enabled) return;
  ms = await startMosquittoStack({ set: { 'ingest.presenceGrace': '0', 'ha.enabled': 'true' } });
  admin = await adminClient(ms.httpUrl, ms.dataDir);
});
test.after(async () => {
  for (const c of clients) c.end(true);
  for (const c of children) c.kill('SIGKILL');
  await ms?.close();
});

const passwd = (): string => readFileSync(join(ms.mosquitto.dir, 'passwd'), 'utf8');
const reloads = (): number => ms.mosquitto.log().split('Reloading config').length - 1;
/** Connects once; rejects with the broker's refusal. */
const connect = async (username: string, password: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> => {
  const c = await mqtt.connectAsync(ms.mqttUrl, { username, password, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
  clients.push(c);
  return c;
};
/** Connects as soon as the reload that lets `username` in has happened. */
const connectOnceAllowed = (username: string, password: string): Promise<MqttClient> =>
  waitFor(`${username} accepted by mosquitto`, () => connect(username, password).catch(() => null), 15_000, 100) as Promise<MqttClient>;
/**
 * A client with the ingest's rights under credentials of its own: mosquitto takes the username as
 * the client id (use_username_as_clientid), so one sharing the ingest's would have the two cut
 * each other in turn as the ingest reconnects.
 */
const ingestEye = (name: string): Promise<MqttClient> => {
  const eye = addCredentials(ms.dataDir, { kind: 'service', role: 'ingest', name });
  return connectOnceAllowed(eye.username, eye.password);
};
/** The agent processes started, by host: what a restart needs. */
const agents = new Map<string, { child: ChildProcess; username: string; password: string; extraArgs: string[]; env: Record<string, string> }>();
const agentProcess = (host: string, username: string, password: string, extraArgs: string[] = [], env: Record<string, string> = {}): ChildProcess => {
  const child = spawn(process.execPath, [main, 'agent', '--broker', ms.mqttUrl, '--host', host, '--interval', '1', '--log-level', 'warn', '--data-dir', join(ms.dataDir, `agent-${host}`), ...extraArgs], {
    stdio: 'ignore',
    env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: username, VIGIE_AGENT_PASSWORD: password, ...env },
  });
  children.push(child);
  agents.set(host, { child, username, password, extraArgs, env });
  return child;
};

test('the generated files: conf, 0600 password file with the ingest\'s $7$ hash, ACL; the ingest is connected with its credentials', async () => {
  if (!enabled) return;
  const dir = ms.mosquitto.dir;
  assert.match(readFileSync(join(dir, 'mosquitto.conf'), 'utf8'), /^allow_anonymous false$/m);
  assert.is(statSync(join(dir, 'passwd')).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'acl')).mode & 0o777, 0o600);
  assert.match(passwd(), new RegExp(`^${ms.ingest.username}:\\$7\\$101\\$`, 'm'));
  await waitFor('the ingest connected to mosquitto', () => ms.stack.ingest!.stats().connected);
  const anonymous = await mqtt.connectAsync(ms.mqttUrl, { reconnectPeriod: 0, connectTimeout: 3000 }).then((c) => { c.end(true); return 'accepted'; }, (e: Error) => e.message);
  assert.match(anonymous, /Not authorized|not authori[sz]ed/i, 'no anonymous client');
});

test('an agent enrolled through the API while mosquitto runs gets in after the automatic reload; its metrics are stored', async () => {
  if (!enabled) return;
  const before = reloads();
  const e = await enrollHost(admin, 'mq-web1');
  assert.is(e.username, 'agent-mq-web1');
  await waitFor('the password file has it', () => passwd().includes('agent-mq-web1:$7$'));
  await waitFor('mosquitto reloaded', () => reloads() > before);
  agentProcess('mq-web1', e.username, e.password);
  await waitFor('mq-web1 online with samples', () => ms.stack.ingest!.getHost('mq-web1')?.presence === 'online' && ms.stack.ingest!.getHost('mq-web1')?.latest, 20_000);
  const history = await waitFor('its CPU history', async () => {
    const h = await admin.get<{ points: unknown[] }>('/api/hosts/mq-web1/history?metric=cpu.usage&range=15m');
    return h.status === 200 && h.data.points.length > 0 ? h.data : null;
  }, 20_000);
  assert.ok(history.points.length > 0, 'stored and served');
});

test('kill -9 of a real agent on mosquitto: its Last Will marks it offline (lost), also for mosquitto_sub; restarted, it is back with samples', async () => {
  if (!enabled) return;
  await waitFor('mq-web1 online', () => ms.stack.ingest!.getHost('mq-web1')?.presence === 'online', 20_000);
  agents.get('mq-web1')!.child.kill('SIGKILL');
  await waitFor('mq-web1 offline by its Last Will', () => {
    const h = ms.stack.ingest!.getHost('mq-web1');
    return h?.presence === 'offline' && h.reason === 'lost';
  }, 15_000);
  // A client that is not ours: Debian's mosquitto_sub, as a read-only tool, sees the retained will.
  const reader = addCredentials(ms.dataDir, { kind: 'service', role: 'reader', name: 'mq-sub' });
  const retained = await waitFor('mosquitto_sub reads the retained status', () => {
    const r = spawnSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', new URL(ms.mqttUrl).port, '-u', reader.username, '-P', reader.password, '-t', 'vigie/mq-web1/status', '-C', '1', '-W', '3'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  }, 15_000, 200);
  assert.equal({ state: JSON.parse(retained).state, reason: JSON.parse(retained).reason }, { state: 'offline', reason: 'lost' });
  const { username, password, extraArgs, env } = agents.get('mq-web1')!;
  const again = agentProcess('mq-web1', username, password, extraArgs, env);
  const seen = ms.stack.ingest!.getHost('mq-web1')!.latest!.ts;
  await waitFor('mq-web1 back online with new samples', () => {
    const h = ms.stack.ingest!.getHost('mq-web1');
    return h?.presence === 'online' && h.latest!.ts > seen;
  }, 20_000);
  assert.is(again.exitCode, null);
});

test('Home Assistant, a reader, gets the discovery configs the ingest publishes and may send its birth message', async () => {
  if (!enabled) return;
  const creds = addCredentials(ms.dataDir, { kind: 'service', role: 'reader', name: 'homeassistant' });
  const ha = await connectOnceAllowed(creds.username, creds.password);
  const configs: string[] = [];
  ha.on('message', (topic, payload) => {
    if (topic.endsWith('/config') && topic.includes(`/${haNodeId('mq-web1')}/`) && payload.length > 0) configs.push(topic);
  });
  await ha.subscribeAsync('homeassistant/#', { qos: 1 });
  await waitFor('mq-web1\'s discovery configs (retained)', () => configs.length > 0, 15_000);
  const before = configs.length;
  // The birth message is allowed: the ingest answers it by publishing every config again.
  await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
  await waitFor('the configs sent again after the birth message', () => configs.length > before, 15_000);
  // Anything else under the prefix is not a reader's to write: dropped, never seen by the ingest's eye.
  const watcher = await ingestEye('mq-ha-watch');
  const seen: string[] = [];
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync(['homeassistant/sensor/forged/config', 'homeassistant/status'], { qos: 1 });
  await ha.publishAsync('homeassistant/sensor/forged/config', '{}', { qos: 1 });
  await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
  await waitFor('the second birth message', () => seen.includes('homeassistant/status'));
  assert.equal(seen, ['homeassistant/status']);
});

test('refusals: a wrong password, a publish under another host, a reader asking for configs and runs', async () => {
  if (!enabled) return;
  const e = await enrollHost(admin, 'mq-web2');
  const agent = await connectOnceAllowed(e.username, e.password);
  const wrong = await connect(e.username, 'not-the-password').then(() => 'accepted', (err: Error) => err.message);
  assert.match(wrong, /Not authorized/i, 'a wrong password is refused');

  // The ingest's eye: it reads everything. A forged publish is dropped by mosquitto (not delivered), the next one arrives.
  const watcher = await ingestEye('mq-watch');
  const seen: string[] = [];
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync(['vigie/mq-web1/services', 'vigie/mq-web2/cmd/res/+'], { qos: 1 });
  await agent.publishAsync('vigie/mq-web1/services', '{"v":1,"forged":true}', { qos: 1 });
  await agent.publishAsync('vigie/mq-web2/cmd/res/marker', '{}', { qos: 1 });
  await waitFor('the allowed publish', () => seen.includes('vigie/mq-web2/cmd/res/marker'));
  assert.equal(seen, ['vigie/mq-web2/cmd/res/marker'], 'the publish under another host never reached anyone');

  // A reader (made by the CLI's path, another connection: found by data_version polling, then reloaded).
  const readerCreds = addCredentials(ms.dataDir, { kind: 'service', role: 'reader', name: 'mq-ha' });
  const reader = await connectOnceAllowed(readerCreds.username, readerCreds.password);
  const got: string[] = [];
  reader.on('message', (topic) => got.push(topic));
  await reader.subscribeAsync('vigie/mq-ghost/#', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/config', '{"v":1}', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/run/req/1', '{}', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/run/res/1', '{}', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/stored', '{"v":1,"seq":0}', { qos: 1 });
  await waitFor('the stored marker at the reader', () => got.includes('vigie/mq-ghost/stored'));
  assert.equal(got, ['vigie/mq-ghost/stored'], 'no config, no run request, no run output for a reader');
  // Mosquitto grants an agent's `vigie/#` (Aedes refuses it: SUBACK 0x80) but delivers only what the ACL lets it read.
  const mine: string[] = [];
  agent.on('message', (topic) => mine.push(topic));
  await agent.subscribeAsync('vigie/#', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/stored', '{"v":1,"seq":1}', { qos: 1 });
  await watcher.publishAsync('vigie/mq-ghost/config', '{"v":1}', { qos: 1 });
  await watcher.publishAsync('vigie/mq-web2/stored', '{"v":1,"seq":1}', { qos: 1 });
  await waitFor('its own stored acknowledgement', () => mine.includes('vigie/mq-web2/stored'));
  assert.ok(mine.every((t) => t.startsWith('vigie/mq-web2/') || t === 'vigie/_server/summary'), `only its own topics and the summary: ${mine.join(', ')}`);
});

test('revoking from the API: mosquitto cuts the connected agent at the reload, and refuses it afterwards', async () => {
  if (!enabled) return;
  const e = await enrollHost(admin, 'mq-web3');
  const agent = await connectOnceAllowed(e.username, e.password);
  const closed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
  const revoked = await admin.send('DELETE', '/api/hosts/mq-web3/credentials');
  assert.is(revoked.status, 200, JSON.stringify(revoked.body));
  await closed;
  assert.not.ok(passwd().includes('agent-mq-web3:'));
  const again = await connect(e.username, e.password).then(() => 'accepted', (err: Error) => err.message);
  assert.match(again, /Not authorized/i);
});

test('removing a host: its agent process is cut and kept out, the host is gone, its retained topics cleared', async () => {
  if (!enabled) return;
  await waitFor('mq-web1 online', () => ms.stack.ingest!.getHost('mq-web1')?.presence === 'online', 20_000);
  const removed = await admin.send<{ points: number }>('DELETE', '/api/hosts/mq-web1');
  assert.is(removed.status, 200, JSON.stringify(removed.body));
  assert.not.ok(passwd().includes('agent-mq-web1:'));
  // The agent process retries; mosquitto refuses it, so nothing brings the host back.
  const reader = addCredentials(ms.dataDir, { kind: 'service', role: 'reader', name: 'mq-checker' });
  const c = await connectOnceAllowed(reader.username, reader.password);
  const retained: string[] = [];
  c.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) retained.push(topic);
  });
  await c.subscribeAsync('vigie/mq-web1/#', { qos: 1 });
  await c.subscribeAsync('vigie/_server/summary', { qos: 1 }); // retained, always there: the marker that retained delivery is done
  await waitFor('the summary', () => retained.includes('vigie/_server/summary'));
  assert.equal(retained.filter((t) => t.startsWith('vigie/mq-web1/')), [], 'no retained status, info or services left');
  assert.is(ms.stack.ingest!.getHost('mq-web1'), null);
  assert.match(ms.mosquitto.log(), /not authori[sz]ed/i, 'the agent was refused when it tried again');
});

test('an agent still configured with its old "agent:<host>" username gets in as "agent-<host>" and saves it in its config file', async () => {
  if (!enabled) return;
  const e = await enrollHost(admin, 'mq-legacy');
  await waitFor('the password file has it', () => passwd().includes('agent-mq-legacy:$7$'));
  const file = join(ms.dataDir, 'legacy-agent.json');
  writeFileSync(file, JSON.stringify({ agent: { broker: ms.mqttUrl, host: 'mq-legacy', username: 'agent:mq-legacy', password: e.password, interval: 1 } }), { mode: 0o600 });
  agentProcess('mq-legacy', '', '', ['-c', file], { VIGIE_AGENT_USERNAME: '', VIGIE_AGENT_PASSWORD: '' });
  await waitFor('mq-legacy online', () => ms.stack.ingest!.getHost('mq-legacy')?.presence === 'online', 20_000);
  const saved = await waitFor('the new username in the file', () => {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { agent: { username: string; password: string } };
    return c.agent.username === 'agent-mq-legacy' ? c : null;
  });
  assert.is(saved.agent.password, e.password, 'the rest of the file is kept');
  assert.is(statSync(file).mode & 0o777, 0o600, 'and its mode');
});

test.run();
