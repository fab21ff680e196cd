import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/env.js';
import { EventBus } from '../../core/event-bus.js';
import { createLogger } from '../../core/logger.js';
import { startHostRegistry } from '../../ingest/host-registry.js';
import { createMessageHandler } from '../../ingest/message-handler.js';
import { createHostLimiter } from '../../ingest/host-limits.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { HostRepo } from '../../ingest/store/sqlite/host-repo.js';
import { startSqliteMetricStore } from '../../ingest/store/sqlite/sqlite-metric-store.js';
import type { IngestEvents } from '../../ingest/types.js';
import { metrics, status, topics } from './fixtures.js';

// The consumer only subscribes to the four host kinds, so topics it cannot
// read are fed to the handler directly (with the real registry and store).
test('topics of other kinds or prefixes are counted as invalid; a zero-byte retained clear is ignored', async () => {
  const dir = tempDir();
  const db = openDatabase(dir.path);
  const log = createLogger('test');
  const clock = { now: () => Date.now() };
  const bus = new EventBus<IngestEvents>(log);
  const store = startSqliteMetricStore({ db, retention: { raw: 172_800, minute: 2_592_000, hour: 34_560_000 }, flushInterval: 1, flushSize: 1000, clock });
  const registry = startHostRegistry({ repo: new HostRepo(db, log), bus, staleAfterIntervals: 3, persistInterval: 1, clock, log });
  const limiter = createHostLimiter({ seriesPerHost: 1000, mountsPerHost: 64, interfacesPerHost: 64, containersPerHost: 64 }, clock, () => undefined);
  const handler = createMessageHandler({ topics, registry, store, bus, rawRetention: 172_800, limiter, clock, log });
  const errors: string[] = [];
  bus.on('test', 'invalid', (e) => errors.push(e.error));
  const body = Buffer.from(JSON.stringify(metrics(Date.now())));
  for (const topic of ['vigie/h1/bogus', 'vigie/h1/alerts/cpu', 'vigie/_server/summary', 'other/h1/metrics', 'vigie/h1/metrics/extra', 'vigie//metrics']) {
    handler.handle(topic, body, false);
  }
  assert.is(handler.counters.invalid, 6);
  assert.ok(errors[0]?.includes('vigie/<host id>/<status|info|metrics|services>'), errors[0]);
  handler.handle(topics.host('h1', 'status'), Buffer.alloc(0), true);
  assert.is(handler.counters.invalid, 6, 'an empty retained payload is a clear, not an error');
  handler.handle(topics.host('h1', 'status'), Buffer.from(JSON.stringify(status('online', 'connected'))), false);
  handler.handle(topics.host('h1', 'metrics'), body, false);
  assert.is(handler.counters.accepted, 2);
  assert.is(registry.get('h1')?.presence, 'online');
  assert.is(store.stats().pending, 12);
  await registry.close();
  await store.close();
  db.close();
  dir.remove();
});

test.run();
