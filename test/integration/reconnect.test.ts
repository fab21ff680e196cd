/**
 * The agent keeps sampling while the broker is down and delivers those
 * samples, with their original timestamps, once the broker is back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';

const data = tempDir();
const brokerData = tempDir(); // kept across the broker's restart: its accounts.db holds the credentials
let mqttPort: number;
let broker: TestStack | undefined;
let server: TestStack | undefined;
let agent: TestStack | undefined;

test.before(async () => {
  mqttPort = await freePort();
  broker = await startTestStack('broker', { dataDir: brokerData.path, set: { 'broker.port': String(mqttPort) } });
  const url = `mqtt://127.0.0.1:${mqttPort}`;
  const ingest = addCredentials(brokerData.path, { kind: 'service', role: 'ingest' });
  const wanderer = addCredentials(brokerData.path, { kind: 'agent', host: 'wanderer' });
  server = await startTestStack('server', { dataDir: data.path, set: { 'ingest.broker': url, 'ingest.username': ingest.username, 'ingest.password': ingest.password } });
  agent = await startTestStack('agent', {
    set: {
      'agent.broker': url, 'agent.host': 'wanderer', 'agent.reconnectMin': '0.2', 'agent.reconnectMax': '0.5',
      'agent.username': wanderer.username, 'agent.password': wanderer.password,
    },
  });
});
test.after(async () => {
  await agent?.close();
  await server?.close();
  await broker?.close();
  data.remove();
  brokerData.remove();
});

test('samples taken while the broker is down arrive after it restarts', async () => {
  const ingest = server!.stack.ingest!;
  await waitFor('the agent is ingested', () => ingest.getHost('wanderer')?.latest);
  await broker!.close();
  const downAt = Date.now();
  // The buffer also holds samples sent before the outage whose `stored` acknowledgement had not come yet.
  const held = agent!.stack.agent!.stats().buffered;
  await waitFor('the agent buffers three samples taken during the outage', () => agent!.stack.agent!.stats().buffered >= held + 3, 10_000);
  const upAt = Date.now();
  broker = await startTestStack('broker', { dataDir: brokerData.path, set: { 'broker.port': String(mqttPort) } });
  // Every sample taken until now, the outage's included, acknowledged as stored (the buffer itself is
  // rarely empty: samples taken since the last acknowledgement wait for the next, ingest.storedInterval).
  const taken = agent!.stack.agent!.stats().seq!;
  await waitFor('the buffer is delivered', () => (agent!.stack.agent!.stats().storedSeq ?? -1) >= taken, 15_000);
  await ingest.flush();
  const history = await waitFor('the outage samples are stored', async () => {
    await ingest.flush();
    // step 1 ms: one point per sample (1 s buckets merge a late sample with the next one).
    const h = await ingest.history({ host: 'wanderer', metric: 'cpu.usage', key: '', from: downAt, to: upAt, step: 1 });
    return h.points.length >= 3 ? h : null;
  }, 15_000);
  for (const p of history.points) assert.ok(p.ts >= downAt - 1000 && p.ts < upAt, 'original timestamps kept');
  assert.is(agent!.stack.agent!.stats().dropped, 0);
});

test.run();
