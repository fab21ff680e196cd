/** The ingest restarted on the same data dir keeps its history and its hosts. */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics } from '../../protocol/topics.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, addUser, getJson, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from '../helpers/api-client.js';

const topics = createTopics('vigie');
const data = tempDir();
let broker: TestStack;

test.before(async () => {
  broker = await startTestStack('broker');
});
test.after(async () => {
  await broker.close();
  data.remove();
});

type History = { ok: boolean; data: { points: Array<{ ts: number; avg: number }> } };

test('history and hosts survive a restart of vigie server', async () => {
  const ingestCreds = addCredentials(broker.dataDir, { kind: 'service', role: 'ingest' });
  const serverOpts = {
    dataDir: data.path,
    set: { 'ingest.broker': broker.mqttUrl, 'ingest.username': ingestCreds.username, 'ingest.password': ingestCreds.password },
  };
  const first = await startTestStack('server', serverOpts);
  const client = await mqtt.connectAsync(broker.mqttUrl, { clientId: 'restart-publisher', ...addCredentials(broker.dataDir, { kind: 'agent', host: 'keeper' }) });
  const start = Date.now() - 10_000;
  const values = [10, 20, 30, 40, 50];
  for (const [i, usage] of values.entries()) {
    const payload = { v: 1, ts: start + i * 1000, cpu: { usage, load1: 0, load5: 0, load15: 0 } };
    await client.publishAsync(topics.host('keeper', 'metrics'), JSON.stringify(payload), { qos: 1 });
  }
  await client.endAsync();
  await waitFor('the five samples are accepted', () => first.stack.ingest!.stats().accepted >= values.length);
  await first.close(); // flushes the store

  const second = await startTestStack('server', serverOpts);
  try {
    // Sessions are in accounts.db: the user made before the restart signs in after it.
    const user = await addUser(data.path, 'keeper-admin', 'admin');
    const admin = await ApiClient.signIn(second.httpUrl, user.name, user.password);
    const hosts = await getJson<{ data: Array<{ id: string; firstSeen: number }> }>(`${second.httpUrl}/api/hosts`, admin);
    assert.ok(hosts.body.data.some((h) => h.id === 'keeper'), 'the host registry survived');
    const url = `${second.httpUrl}/api/hosts/keeper/history?metric=cpu.usage&from=${start - 1000}&to=${Date.now()}&step=1`;
    const { body } = await getJson<History>(url, admin);
    assert.ok(body.ok);
    assert.equal(body.data.points.map((p) => p.avg), values);
  } finally {
    await second.close();
  }
});

test.run();
