/**
 * The config publisher on the real `vigie up` wiring: agents logged in with
 * their own MQTT credentials receive their retained checks after each
 * change, and only theirs; a removed (runner, check) pair has its retained
 * result cleared; a reader service never receives a config; a `vigie checks
 * import` run while the server runs reaches the runners.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { checksMain } from '../../cli/checks-command.js';
import { decodePayload } from '../../protocol/payloads.js';
import type { AgentConfigPayload } from '../../protocol/schemas/check.js';
import { ApiClient } from '../helpers/api-client.js';
import { waitFor, tempDir } from '../helpers/env.js';
import { connectClient, topicMatches } from '../helpers/mqtt.js';
import { addCredentials, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

let s: TestStack;
let admin: ApiClient;
const clients: MqttClient[] = [];

interface Heard { topic: string; payload: string; retain: boolean }

/** Connects with `who`'s credentials and records every message on `filter`. */
async function listen(who: Parameters<typeof addCredentials>[1], filter: string): Promise<{ client: MqttClient; heard: Heard[] }> {
  const creds = addCredentials(s.dataDir, who);
  const client = await connectClient(s.mqttUrl, { ...creds, clientId: `${creds.username.replace(/\W/g, '-')}-${clients.length}` });
  clients.push(client);
  const heard: Heard[] = [];
  client.on('message', (topic, payload, packet) => {
    if (topicMatches(filter, topic)) heard.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => client.subscribe(filter, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
  return { client, heard };
}

/** The check ids of the last config heard. */
const lastConfig = (heard: Heard[]): string[] | null => {
  const configs = heard.filter((h) => h.topic.endsWith('/config'));
  if (configs.length === 0) return null;
  const decoded = decodePayload('agentConfig', configs.at(-1)!.payload);
  if (!decoded.ok) throw new Error(decoded.error);
  return (decoded.value as AgentConfigPayload).checks.map((c) => c.id);
};
const expectConfig = (who: string, heard: Heard[], ids: string[]) =>
  waitFor(`${who} is told to run [${ids.join(', ')}]`, () => JSON.stringify(lastConfig(heard)) === JSON.stringify(ids));

test.before(async () => {
  s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  admin = await adminClient(s.httpUrl, s.dataDir);
});

test.after(async () => {
  for (const c of clients) c.end(true);
  await s?.close();
});

test('each runner receives its own retained checks after create, update and delete; a removed pair\'s result is cleared', async () => {
  const r1 = await listen({ kind: 'agent', host: 'runner-1' }, 'vigie/runner-1/config');
  const r2 = await listen({ kind: 'agent', host: 'runner-2' }, 'vigie/runner-2/config');
  const reader = await listen({ kind: 'service', role: 'reader', name: 'watcher' }, 'vigie/#');
  const post = (body: Record<string, unknown>) => admin.send('POST', '/api/checks', body);
  assert.is((await post({ id: 'c1', kind: 'ping', target: 'example.org', name: 'One', runners: ['runner-1', 'runner-2'] })).status, 201);
  assert.is((await post({ id: 'c2', kind: 'tcp', target: 'db.lan', port: 5432, name: 'Two', runners: ['runner-2'] })).status, 201);
  await expectConfig('runner-1', r1.heard, ['c1']);
  await expectConfig('runner-2', r2.heard, ['c1', 'c2']);
  const spec = JSON.parse(r2.heard.filter((h) => h.topic.endsWith('/config')).at(-1)!.payload) as AgentConfigPayload;
  assert.equal(spec.checks[1], { id: 'c2', kind: 'tcp', target: 'db.lan', port: 5432, interval: 60, timeout: 10, trace: true }, 'only the spec: no name, group or alerting');

  // A runner that connects later gets its config from the broker's retained copy.
  const late = await listen({ kind: 'agent', host: 'runner-1' }, 'vigie/runner-1/config');
  await expectConfig('runner-1 (late)', late.heard, ['c1']);
  assert.ok(late.heard.at(-1)!.retain, 'retained');

  // runner-1 reports a result, then loses the check: its retained result goes.
  const result = JSON.stringify({ v: 1, ts: Date.now(), kind: 'ping', state: 'up', latency: 0.01, message: 'ok' });
  await new Promise<void>((resolve, reject) => r1.client.publish('vigie/runner-1/checks/c1', result, { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())));
  await waitFor('the reader hears the result', () => reader.heard.some((h) => h.topic === 'vigie/runner-1/checks/c1' && h.payload !== ''));
  const put = await admin.send('PUT', '/api/checks/c1', { kind: 'ping', target: 'example.org', name: 'One', runners: ['runner-2'] });
  assert.is(put.status, 200);
  await expectConfig('runner-1', r1.heard, []);
  await waitFor('the retained result of (runner-1, c1) is cleared', () => reader.heard.some((h) => h.topic === 'vigie/runner-1/checks/c1' && h.payload === ''));
  assert.not.ok(s.stack.ingest!.checks?.latest('c1').some((r) => r.runner === 'runner-1'), 'the ingest forgot the pair');
  const fresh = await listen({ kind: 'service', role: 'reader', name: 'fresh' }, 'vigie/runner-1/checks/+');
  await admin.send('DELETE', '/api/checks/c2');
  await expectConfig('runner-2', r2.heard, ['c1']);
  assert.not.ok(fresh.heard.some((h) => h.payload !== ''), 'no retained result is left for runner-1');

  // A disabled check leaves its runners' configs.
  await admin.send('PUT', '/api/checks/c1', { kind: 'ping', target: 'example.org', name: 'One', runners: ['runner-2'], enabled: false });
  await expectConfig('runner-2', r2.heard, []);
  assert.not.ok(reader.heard.some((h) => h.topic.endsWith('/config')), 'a reader never receives a config, even through vigie/#');
});

test('a (re)subscribed ingest publishes every config again: a restarted broker lost its retained messages', async () => {
  await admin.send('POST', '/api/checks', { id: 'c3', kind: 'ping', target: 'example.org', name: 'Three', runners: ['runner-3'] });
  const r3 = await listen({ kind: 'agent', host: 'runner-3' }, 'vigie/runner-3/config');
  await expectConfig('runner-3', r3.heard, ['c3']);
  const before = r3.heard.length;
  s.stack.ingest!.bus.emit('subscribed', { at: Date.now() });
  await waitFor('runner-3 hears its config again', () => r3.heard.length > before);
  assert.equal(lastConfig(r3.heard), ['c3']);
});

test('`vigie checks import` into the running server\'s data directory reaches the runner', async () => {
  const r4 = await listen({ kind: 'agent', host: 'runner-4' }, 'vigie/runner-4/config');
  const dir = tempDir('vigie-checks-file-');
  try {
    const file = join(dir.path, 'checks.yaml');
    writeFileSync(file, 'checks:\n  - { id: c4, kind: tcp, target: 10.0.0.4, port: 22, name: SSH, runners: [runner-4] }\n');
    const out = new PassThrough();
    const err = new PassThrough();
    let printed = '';
    out.on('data', (d: Buffer) => (printed += d.toString()));
    const code = await checksMain(['import', file, '--data-dir', s.dataDir], { out, err, stdin: new PassThrough() });
    assert.is(code, 0);
    assert.match(printed, /created\s+1: c4/);
    await expectConfig('runner-4', r4.heard, ['c4']);
    assert.ok((await admin.get('/api/checks/c4')).status === 200);
  } finally {
    dir.remove();
  }
});

test.run();
