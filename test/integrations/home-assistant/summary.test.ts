/**
 * The server summary's `firingByHost` (the Home Assistant per-host alert
 * count reads it): only hosts with firing alerts, valid against the summary
 * schema, and absent when no alert service provides counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventBus } from '../../../core/event-bus.js';
import { createLogger } from '../../../core/logger.js';
import { startSummaryPublisher } from '../../../ingest/summary-publisher.js';
import type { IngestEvents } from '../../../ingest/types.js';
import { decodePayload, type SummaryPayload } from '../../../protocol/payloads.js';
import { createTopics } from '../../../protocol/topics.js';
import '../../helpers/env.js';

function publisher() {
  const sent: string[] = [];
  const summary = startSummaryPublisher({
    topics: createTopics('vigie'), publish: async (_t, payload) => { sent.push(payload); }, listHosts: () => [], bus: new EventBus<IngestEvents>(createLogger('test')),
    addresses: () => [], clock: { now: () => Date.now() }, log: createLogger('test'), debounceMs: 10_000,
  });
  const last = (): SummaryPayload => {
    const r = decodePayload('summary', Buffer.from(sent.at(-1)!));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  return { summary, last };
}

const counts = { firing: 3, critical: 1, warning: 2, acknowledged: 0, maintenance: 0 };

test('firingByHost lists only hosts with firing alerts, and validates', async () => {
  const { summary, last } = publisher();
  summary.provideAlerts(() => counts, () => ({ 'pi.lan': 2, 'nas_1': 1, quiet: 0 }));
  summary.onSubscribed();
  assert.equal(last().firingByHost, { 'pi.lan': 2, 'nas_1': 1 });
  await summary.close();
});

test('without a per-host provider, or after stop(), there is no firingByHost', async () => {
  const { summary, last } = publisher();
  const provided = summary.provideAlerts(() => counts);
  summary.onSubscribed();
  assert.is(last().firingByHost, undefined);
  provided.stop();
  const withHosts = summary.provideAlerts(() => counts, () => ({ a: 1 }));
  summary.onSubscribed();
  assert.equal(last().firingByHost, { a: 1 });
  withHosts.stop();
  summary.onSubscribed();
  assert.is(last().firingByHost, undefined);
  assert.is(last().alerts, undefined);
  await summary.close();
});

test('the schema refuses a firingByHost key that is not a host id', () => {
  const base = { v: 1, ts: Date.now(), state: 'online', hosts: { total: 0, online: 0, offline: 0 }, version: 'x', addresses: [] };
  assert.ok(decodePayload('summary', Buffer.from(JSON.stringify({ ...base, firingByHost: { 'pi.lan': 1 } }))).ok);
  assert.not.ok(decodePayload('summary', Buffer.from(JSON.stringify({ ...base, firingByHost: { 'a/b': 1 } }))).ok);
  assert.not.ok(decodePayload('summary', Buffer.from(JSON.stringify({ ...base, firingByHost: { a: -1 } }))).ok);
});

test.run();
