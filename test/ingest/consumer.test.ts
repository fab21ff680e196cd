import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import type { IngestEvents } from '../../ingest/types.js';
import { metrics, publish, status, topics, withIngest } from './fixtures.js';

// The broker's own size limit is raised so the oversize payload reaches the ingest's check.
test('malformed messages are dropped and counted, with errors naming the field, while the ingest keeps serving', () =>
  withIngest({ broker: { maxPacketSize: 1_000_000 } }, async ({ ingest, connect }) => {
    const invalid: Array<IngestEvents['invalid']> = [];
    ingest.bus.on('test', 'invalid', (e) => invalid.push(e));
    const agent = await connect();
    await publish(agent, topics.host('good', 'status'), status('online', 'connected'), true);
    await waitFor('subscribed', () => ingest.getHost('good'));
    const now = Date.now();
    const sample = JSON.stringify(metrics(now));
    const cases: Array<[topic: string, payload: string | Buffer, expect: string]> = [
      [topics.host('good', 'metrics'), '{"v":1,"ts":', 'not valid JSON'],
      [topics.host('good', 'metrics'), sample.replace('"usage":12.5', '"usage":1e999'), 'metrics.cpu.usage'],
      [topics.host('good', 'metrics'), sample.replace('"used":2000000000', '"used":-5'), 'metrics.mem.used'],
      [topics.host('good', 'metrics'), sample.replace('"usage":12.5', '"usage":"high"'), 'metrics.cpu.usage'],
      [topics.host('good', 'metrics'), JSON.stringify(metrics(Date.UTC(2090, 0, 1))), 'metrics.ts'],
      [topics.host('good', 'metrics'), JSON.stringify(metrics(now - 5 * 86_400_000)), 'metrics.ts'],
      [topics.host('good', 'metrics'), Buffer.alloc(70 * 1024, 0x20), 'exceeds'],
      [topics.host('good', 'status'), JSON.stringify({ ...status('online', 'x'), state: 'maybe' }), 'status.state'],
      [topics.host('good', 'info'), '[]', 'info.'],
      ['vigie/UPPER/metrics', sample, 'topic:'],
      ['vigie/sp ace/status', JSON.stringify(status('online', 'connected')), 'topic:'],
    ];
    for (const [topic, payload] of cases) await publish(agent, topic, payload);
    await waitFor('every bad message counted', () => ingest.stats().invalid === cases.length);
    cases.forEach(([topic, , expect], i) => {
      assert.ok(invalid[i]?.error.includes(expect), `case ${i} (${topic}): "${invalid[i]?.error}" should mention ${expect}`);
    });

    await publish(agent, topics.host('good', 'metrics'), sample);
    await waitFor('a valid sample after the bad ones', () => ingest.stats().accepted === 2);
    await ingest.flush();
    const h = await ingest.history({ host: 'good', metric: 'cpu.usage', key: '', from: now - 60_000, to: now + 60_000, step: 1000 });
    assert.equal(h.points.map((p) => p.avg), [12.5], 'only the valid sample is stored');
    assert.equal(ingest.listHosts().map((x) => x.id), ['good'], 'bad topics create no host');
    assert.is(ingest.stats().invalid, cases.length);
  }));

test.run();
