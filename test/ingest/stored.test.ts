/**
 * The ingest side of `<prefix>/<host>/stored` (issue 10, item 14) through a
 * real broker: acknowledged after the commit, per host, with the highest seq;
 * a sample whose seq is already stored is dropped and acknowledged again,
 * also after a restart; samples without seq are stored as before.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import type { StoredPayload } from '../../protocol/payloads.js';
import { metrics, publish, topics, withIngest } from './fixtures.js';

test('stored follows commits, duplicates are dropped and re-acked even after a restart, seq-less samples still stored', () =>
  withIngest({ ingest: { flushInterval: 0.3 } }, async ({ ingest: first, connect, restart }) => {
    const agent = await connect({ clientId: 'vigie-agent-seq1' });
    const acks: StoredPayload[] = [];
    agent.on('message', (topic, payload) => {
      if (topic === topics.stored('seq1')) acks.push(JSON.parse(payload.toString()) as StoredPayload);
    });
    await agent.subscribeAsync(topics.stored('seq1'), { qos: 1 });
    const t0 = Date.now() - 60_000;
    for (let seq = 1; seq <= 5; seq++) await publish(agent, topics.host('seq1', 'metrics'), metrics(t0 + seq * 1000, { seq, uptime: seq }));
    // The last PUBACK came back only after the commit: stored is already on its way.
    await waitFor('stored 5', () => acks.some((a) => a.seq === 5));
    assert.ok(acks.every((a) => a.v === 1 && a.seq <= 5));
    assert.is(first.stats().unacked, 0);

    const second = await restart({ sameSession: true });
    const before = acks.length;
    // Seq 3 again with another value: already stored, so dropped, and stored says 5 again.
    await publish(agent, topics.host('seq1', 'metrics'), metrics(t0 + 3000, { seq: 3, uptime: 999 }));
    await waitFor('stored sent again', () => acks.length > before && acks.at(-1)!.seq === 5);
    assert.is(second.stats().duplicates, 1);
    assert.is(second.stats().accepted, 0, 'a duplicate is not counted as accepted');
    // A sample without seq (a third-party publisher) is stored.
    await publish(agent, topics.host('seq1', 'metrics'), metrics(t0 + 9000, { uptime: 9 }));
    await waitFor('the seq-less sample taken', () => second.getHost('seq1')?.latest?.ts === t0 + 9000);
    await second.flush();
    const h = await second.history({ host: 'seq1', metric: 'uptime', key: '', from: t0, to: t0 + 10_000, step: 1000 });
    assert.equal(h.points.map((p) => p.avg), [1, 2, 3, 4, 5, 9], 'seq 3 kept its first value; the seq-less sample is stored');
  }));

test.run();
