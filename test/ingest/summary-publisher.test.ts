/** The retained server summary: published once subscribed, follows the hosts, says offline on stop or loss. */
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../core/event-bus.js';
import { createLogger } from '../../core/logger.js';
import { startIngest } from '../../ingest/index.js';
import { MAX_SUMMARY_BYTES, startSummaryPublisher } from '../../ingest/summary-publisher.js';
import type { IngestEvents } from '../../ingest/types.js';
import { createTopics } from '../../protocol/topics.js';
import { decodePayload, type SummaryPayload } from '../../protocol/payloads.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { ingestConfig, publish, status } from './fixtures.js';

async function watchSummary(client: MqttClient): Promise<SummaryPayload[]> {
  const got: SummaryPayload[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== 'vigie/_server/summary' || payload.length === 0) return;
    const r = decodePayload('summary', payload);
    if (!r.ok) throw new Error(r.error);
    got.push(r.value);
  });
  await client.subscribeAsync('vigie/_server/summary', { qos: 1 });
  return got;
}

test('online once subscribed, counts hosts, offline after a clean stop', async () => {
  const broker = await startTestBroker();
  const dir = tempDir();
  const watcher = await connectClient(broker.url);
  try {
    const got = await watchSummary(watcher);
    const ingest = await startIngest({ ingest: ingestConfig(broker.url), dataDir: dir.path, prefix: 'vigie' });
    await waitFor('an online summary', () => got.find((s) => s.state === 'online'));
    await publish(watcher, 'vigie/pc1/status', status('online', 'connected'), true);
    const counted = await waitFor('pc1 counted', () => got.find((s) => s.hosts.total === 1), 5000);
    assert.equal(counted.hosts, { total: 1, online: 1, offline: 0 });
    await ingest.close();
    const last = await waitFor('an offline summary', () => (got.at(-1)?.state === 'offline' ? got.at(-1) : undefined));
    assert.is(last.hosts.total, 1);
  } finally {
    watcher.end(true);
    await broker.close();
    dir.remove();
  }
});

test('no summary goes out while the ingest is not subscribed: agents would send their buffer into the void', async () => {
  const sent: string[] = [];
  let subscribed = false;
  const bus = new EventBus<IngestEvents>(createLogger('test'));
  const summary = startSummaryPublisher({
    topics: createTopics('vigie'), publish: async (topic) => { sent.push(topic); }, listHosts: () => [], bus,
    addresses: () => [], clock: { now: () => Date.now() }, log: createLogger('test'), debounceMs: 10, subscribed: () => subscribed,
  });
  // A host change while reconnected but not yet subscribed: the debounced publication is skipped...
  bus.emit('host', { id: 'pc1' } as never);
  await new Promise((r) => setTimeout(r, 50));
  const counts = summary.provideAlerts(() => ({ firing: 1, critical: 1, warning: 0, acknowledged: 0, maintenance: 0 }));
  counts.changed();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(sent, [], 'nothing published before the subscription');
  // ...and the subscription publishes it.
  subscribed = true;
  summary.onSubscribed();
  assert.equal(sent, ['vigie/_server/summary']);
  await summary.close();
});

test('at thousands of hosts with alerts the summary stays small enough for every agent and the broker (found at 5,000 hosts)', async () => {
  const sent: string[] = [];
  const bus = new EventBus<IngestEvents>(createLogger('test'));
  const summary = startSummaryPublisher({
    topics: createTopics('vigie'), publish: async (_t, payload) => { sent.push(payload); }, listHosts: () => [], bus,
    addresses: () => [], clock: { now: () => Date.now() }, log: createLogger('test'), debounceMs: 10,
  });
  const perHost = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`host-${String(i).padStart(5, '0')}.example.org`, i === 4321 ? 9 : 1]));
  summary.provideAlerts(() => ({ firing: 5008, critical: 5008, warning: 0, acknowledged: 0, maintenance: 0 }), () => perHost);
  summary.onSubscribed();
  const text = sent.at(-1)!;
  assert.ok(text.length <= MAX_SUMMARY_BYTES, `${text.length} bytes`);
  const decoded = decodePayload('summary', text);
  assert.ok(decoded.ok);
  const kept = decoded.ok ? decoded.value.firingByHost ?? {} : {};
  assert.ok(Object.keys(kept).length > 100, 'as many hosts as fit are kept');
  assert.is(kept['host-04321.example.org'], 9, 'the host with most alerts first');
  assert.is(decoded.ok && decoded.value.alerts?.firing, 5008, 'the totals are whole');
  await summary.close();
});

test.run();
