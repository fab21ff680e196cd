/**
 * The ingest side of `<prefix>/<host>/stored` (issue 10, item 14) through a
 * real broker: acknowledged after the commit, per host, with the highest seq;
 * a sample whose seq is already stored is dropped and acknowledged again,
 * also after a restart; samples without seq are stored as before.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import type { MqttClient } from 'mqtt';
import type { StoredPayload } from '../../protocol/payloads.js';
import { metrics, publish, topics, withIngest } from './fixtures.js';

/** Subscribes `agent` to the host's `stored` and collects what arrives. */
async function storedAcks(agent: MqttClient, host: string): Promise<StoredPayload[]> {
  const acks: StoredPayload[] = [];
  agent.on('message', (topic, payload) => {
    if (topic === topics.stored(host)) acks.push(JSON.parse(payload.toString()) as StoredPayload);
  });
  await agent.subscribeAsync(topics.stored(host), { qos: 1 });
  return acks;
}

test('stored follows commits, duplicates are dropped and re-acked even after a restart, seq-less samples still stored', () =>
  withIngest({ ingest: { flushInterval: 0.3 } }, async ({ ingest: first, connect, restart }) => {
    const agent = await connect({ clientId: 'vigie-agent-seq1' });
    const acks = await storedAcks(agent, 'seq1');
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

test('ingest.storedInterval: the first commit is acknowledged at once, the next ones once at the end of the interval, with the highest seq', () =>
  withIngest({ ingest: { flushInterval: 0.05, storedInterval: 3 } }, async ({ ingest, connect }) => {
    const agent = await connect({ clientId: 'vigie-agent-seq2' });
    const acks = await storedAcks(agent, 'seq2');
    const t0 = Date.now() - 60_000;
    await publish(agent, topics.host('seq2', 'metrics'), metrics(t0, { seq: 1 }));
    await waitFor('stored 1, at once', () => acks.length === 1);
    // Three commits inside the interval, one per sample.
    for (let seq = 2; seq <= 4; seq++) {
      await publish(agent, topics.host('seq2', 'metrics'), metrics(t0 + seq * 1000, { seq }));
      await waitFor(`seq ${seq} taken`, () => ingest.getHost('seq2')?.latest?.seq === seq);
      await ingest.flush();
    }
    assert.is(acks.length, 1, 'inside the interval, nothing yet');
    await waitFor('stored 4 at the end of the interval', () => acks.length >= 2, 10_000);
    assert.equal(acks.map((a) => a.seq), [1, 4], 'seq 2 and 3 are covered by 4: no acknowledgement of their own');
    assert.ok(acks[1]!.ts - acks[0]!.ts >= 3000, `the second one waited for the interval (${acks[1]!.ts - acks[0]!.ts} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.is(acks.length, 2, 'nothing more');
  }));

test.run();
