/**
 * The config publisher when the broker goes away (`vigie server` on an
 * external broker): changes made while it is down, and the retained configs
 * a restarted broker lost, reach the runners once the ingest is back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import type { BrokerHandle } from '../../broker/index.js';
import { decodePayload } from '../../protocol/payloads.js';
import type { AgentConfigPayload } from '../../protocol/schemas/check.js';
import { ApiClient } from '../helpers/api-client.js';
import { freePort, waitFor } from '../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';
import { adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

let port: number;
let broker: BrokerHandle;
let s: TestStack;
let admin: ApiClient;
const clients: MqttClient[] = [];

test.before(async () => {
  port = await freePort();
  broker = await startTestBroker({ port });
  s = await startTestStack('server', { set: { 'ingest.broker': `mqtt://127.0.0.1:${port}` } });
  admin = await adminClient(s.httpUrl, s.dataDir);
});

test.after(async () => {
  for (const c of clients) c.end(true);
  await s?.close();
  await broker?.close();
});

/** The checks of the retained config a runner finds when it connects now. */
async function retainedConfig(runner: string): Promise<string[]> {
  const client = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: `${runner}-${clients.length}` });
  clients.push(client);
  const message = await nextMessage(client, `vigie/${runner}/config`, { timeoutMs: 15_000 });
  const decoded = decodePayload('agentConfig', message.payload.toString());
  if (!decoded.ok) throw new Error(decoded.error);
  return (decoded.value as AgentConfigPayload).checks.map((c) => c.id);
}

test('without a local agent, runners are required', async () => {
  const answer = await admin.send('POST', '/api/checks', { id: 'c0', kind: 'ping', target: 'example.org', name: 'Zero' });
  assert.is(answer.status, 400);
  assert.is((answer.body as unknown as { error: { field: string } }).error.field, 'runners');
});

test('a change made while the broker is down, and the configs a new broker never had, arrive once the ingest is back', async () => {
  assert.is((await admin.send('POST', '/api/checks', { id: 'c1', kind: 'ping', target: 'example.org', name: 'One', runners: ['far-1'] })).status, 201);
  assert.equal(await retainedConfig('far-1'), ['c1']);
  await broker.close();
  await waitFor('the ingest sees the broker gone', () => !s.stack.ingest!.stats().connected);
  assert.is((await admin.send('POST', '/api/checks', { id: 'c2', kind: 'ping', target: 'example.net', name: 'Two', runners: ['far-1', 'far-2'] })).status, 201, 'the API works without a broker');
  broker = await startTestBroker({ port }); // a fresh broker: no retained message at all
  await waitFor('the ingest is back', () => s.stack.ingest!.stats().connected, 20_000);
  assert.equal(await retainedConfig('far-1'), ['c1', 'c2']);
  assert.equal(await retainedConfig('far-2'), ['c2']);
});

test.run();
