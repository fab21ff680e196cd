/** Authentication and topic ACLs on a real broker, with credentials in a real accounts.db. */
import BetterSqlite3 from 'better-sqlite3';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuthenticator, type BrokerAuthenticator } from '../../accounts/broker-authenticator.js';
import { ACCOUNTS_FILE, openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import type { BrokerHandle } from '../../broker/index.js';
import type { Database } from '../../core/sqlite.js';
import { tempDir } from '../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';

const dir = tempDir();
let db: Database;
let store: MqttCredentialStore;
let auth: BrokerAuthenticator;
let broker: BrokerHandle;
const clients: MqttClient[] = [];
/** The broker's log lines, parsed: refusals must be logged with who and from where. */
const logged: Array<Record<string, unknown>> = [];
const captureLog = pino(
  { level: 'warn', base: undefined },
  new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }),
);

test.before(async () => {
  db = openAccountsDatabase(dir.path);
  store = new MqttCredentialStore(db);
  auth = createBrokerAuthenticator({ store, pollMs: 50 });
  broker = await startTestBroker({ allowAnonymous: false }, { authenticator: auth, log: captureLog });
});
test.after(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
  auth.close();
  db.close();
  dir.remove();
});

const connect = async (opts: mqtt.IClientOptions): Promise<MqttClient> => {
  const c = await connectClient(broker.url, opts);
  clients.push(c);
  return c;
};
const refusal = (opts: mqtt.IClientOptions): Promise<string> =>
  mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts }).then(
    (c) => (c.end(true), 'connected'),
    (e: Error) => e.message,
  );
const closedSoon = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));

test('an agent publishes its own metrics, which a reader service receives', async () => {
  const reader = await connect(store.add({ kind: 'service', role: 'reader' }));
  const agent = await connect({ clientId: 'agent-a', ...store.add({ kind: 'agent', host: 'a' }) });
  const got = nextMessage(reader, 'vigie/+/metrics');
  await got.subscribed;
  await agent.publishAsync('vigie/a/metrics', '{"v":1}', { qos: 1 });
  assert.is((await got).topic, 'vigie/a/metrics');
});

test("host A's credentials cannot publish to vigie/b/metrics: the connection is cut", async () => {
  const reader = await connect(store.add({ kind: 'service', role: 'reader', name: 'watcher' }));
  let forged = false;
  reader.on('message', (topic) => (forged ||= topic === 'vigie/b/metrics'));
  await reader.subscribeAsync('vigie/b/metrics', { qos: 1 });
  const agent = await connect({ clientId: 'agent-a2', reconnectPeriod: 0, ...store.add({ kind: 'agent', host: 'a2' }) });
  const cut = closedSoon(agent);
  agent.publish('vigie/b/metrics', '{"v":1}', { qos: 1 });
  await cut;
  await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(forged, 'nothing published as host b');
});

test("host A's credentials cannot subscribe to vigie/#, only to its own command requests", async () => {
  const agent = await connect({ clientId: 'agent-a3', ...store.add({ kind: 'agent', host: 'a3' }) });
  // SUBACK return code 0x80 for the filter; mqtt.js turns it into an error.
  const denied = await agent.subscribeAsync('vigie/#', { qos: 1 }).then(() => 'granted', (e: Error) => e.message);
  assert.match(denied, /Subscribe error/);
  const allowed = await agent.subscribeAsync('vigie/a3/cmd/req/+', { qos: 1 });
  assert.is(allowed[0]?.qos, 1);
  assert.ok(agent.connected, 'a refused subscription does not cut the connection');
});

test('a wrong password, unknown user or no credentials are refused and counted', async () => {
  const { username } = store.add({ kind: 'agent', host: 'c' });
  const before = broker.stats().refused;
  assert.match(await refusal({ username, password: 'wrong' }), /Bad username or password/);
  assert.match(await refusal({ username: 'agent:nobody', password: 'x' }), /Bad username or password/);
  assert.match(await refusal({}), /Not authorized/);
  assert.is(broker.stats().refused - before, 3);
  const line = logged.find((l) => l.username === username);
  assert.ok(line, 'the refusal is logged');
  assert.match(String(line!.msg), /refused: wrong or revoked credentials/);
  assert.is(line!.remote, '127.0.0.1');
});

test('revoking in this process disconnects the agent at once, and it cannot come back', async () => {
  const creds = store.add({ kind: 'agent', host: 'd' });
  const agent = await connect({ clientId: 'agent-d', reconnectPeriod: 0, ...creds });
  const cut = closedSoon(agent);
  assert.ok(store.revoke(creds.username));
  auth.notifyChanged();
  await cut;
  assert.match(await refusal(creds), /Bad username or password/);
});

test('revoking from another process (another connection to accounts.db) disconnects the agent', async () => {
  const creds = store.add({ kind: 'agent', host: 'e' });
  const agent = await connect({ clientId: 'agent-e', reconnectPeriod: 0, ...creds });
  const cut = closedSoon(agent);
  const other = new BetterSqlite3(join(dir.path, ACCOUNTS_FILE));
  new MqttCredentialStore(other).revoke(creds.username);
  other.close();
  await cut; // noticed through PRAGMA data_version polling
  assert.not.ok(agent.connected);
});

test('rotating credentials cuts the old connection and refuses the old password', async () => {
  const old = store.add({ kind: 'agent', host: 'f' });
  const agent = await connect({ clientId: 'agent-f', reconnectPeriod: 0, ...old });
  const cut = closedSoon(agent);
  const fresh = store.add({ kind: 'agent', host: 'f' });
  auth.notifyChanged();
  await cut;
  assert.match(await refusal(old), /Bad username or password/);
  const again = await connect(fresh);
  assert.ok(again.connected);
});

test('secrets are stored hashed, never in clear', () => {
  const { username, password } = store.add({ kind: 'agent', host: 'g' });
  const row = db.prepare('SELECT * FROM mqtt_credentials WHERE username = ?').get(username) as Record<string, unknown>;
  assert.match(String(row.secret_hash), /^sha256\$[0-9a-f]{64}$/);
  assert.not.ok(JSON.stringify(row).includes(password));
});

test('the lab option lets anonymous clients in, with every right', async () => {
  const lab = await startTestBroker({ allowAnonymous: true });
  try {
    const c = await connectClient(lab.url);
    await c.publishAsync('vigie/anyone/metrics', '{}', { qos: 1 });
    c.end(true);
  } finally {
    await lab.close();
  }
});

test('credential names are validated', () => {
  assert.throws(() => store.add({ kind: 'agent', host: 'Bad/Host' }), /host: .* is not a host id/);
  assert.throws(() => store.add({ kind: 'service', role: 'reader', name: '#all' }), /name: /);
});

test.run();
