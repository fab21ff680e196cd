import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import type { HostSummary } from '../../ingest/types.js';
import { encodePayload } from '../../protocol/payloads.js';
import { info, metrics, publish, status, topics, withIngest } from './fixtures.js';

test('an agent that vanishes goes offline "lost" through its Last Will', () =>
  withIngest({}, async ({ ingest, connect }) => {
    const events: HostSummary[] = [];
    ingest.bus.on('test', 'host', (h) => events.push(h));
    const agent = await connect({
      clientId: 'agent-willow',
      will: { topic: topics.host('willow', 'status'), payload: Buffer.from(encodePayload('status', status('offline', 'lost'))), qos: 1, retain: true },
    });
    await publish(agent, topics.host('willow', 'status'), status('online', 'connected'), true);
    await waitFor('online', () => ingest.getHost('willow')?.presence === 'online');
    agent.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await waitFor('offline via Last Will', () => ingest.getHost('willow')?.presence === 'offline');
    assert.is(ingest.getHost('willow')?.reason, 'lost');
    assert.is(ingest.getHost('willow')?.state, 'offline');
    const last = events.at(-1);
    assert.is(last?.presence, 'offline');
    assert.is(last?.reason, 'lost');
  }));

test('a host whose metrics stop goes offline "stale", and comes back when they resume', () =>
  withIngest({ ingest: { staleAfterIntervals: 2 } }, async ({ ingest, connect }) => {
    const agent = await connect();
    await publish(agent, topics.host('quiet', 'status'), status('online', 'connected', 0.2), true);
    await publish(agent, topics.host('quiet', 'metrics'), metrics(Date.now()));
    await waitFor('online', () => ingest.getHost('quiet')?.presence === 'online');
    // 2 intervals of 0.2 s without a message
    await waitFor('stale', () => ingest.getHost('quiet')?.reason === 'stale', 5000);
    assert.is(ingest.getHost('quiet')?.presence, 'offline');
    assert.is(ingest.getHost('quiet')?.state, 'offline');
    await publish(agent, topics.host('quiet', 'metrics'), metrics(Date.now()));
    await waitFor('back online', () => ingest.getHost('quiet')?.presence === 'online');
    assert.is(ingest.getHost('quiet')?.reason, 'metrics');
  }));

test('hosts survive a restart, and retained status/info published meanwhile are picked up', () =>
  withIngest({}, async (rig) => {
    const agent = await rig.connect();
    await publish(agent, topics.host('gamma', 'status'), status('online', 'connected'), true);
    await publish(agent, topics.host('gamma', 'info'), info('gamma-v1'), true);
    await publish(agent, topics.host('gamma', 'metrics'), metrics(Date.now()));
    await waitFor('gamma known', () => rig.ingest.getHost('gamma')?.latest);
    const firstSeen = rig.ingest.getHost('gamma')?.firstSeen;
    await rig.ingest.close();

    await publish(agent, topics.host('gamma', 'info'), info('gamma-v2'), true);
    await publish(agent, topics.host('gamma', 'status'), status('offline', 'stopped'), true);
    // A new client id: no queued session, so only retained messages can bring the news.
    const ingest = await rig.restart();
    const loaded = ingest.getHost('gamma');
    assert.ok(loaded, 'loaded from the database before any message');
    assert.is(loaded?.firstSeen, firstSeen);
    assert.ok(loaded?.latest, 'latest sample persisted');
    await waitFor('retained info', () => ingest.getHost('gamma')?.info?.hostname === 'gamma-v2');
    await waitFor('retained status', () => ingest.getHost('gamma')?.reason === 'stopped');
    assert.is(ingest.getHost('gamma')?.presence, 'offline');
    assert.is(ingest.getHost('gamma')?.firstSeen, firstSeen);
  }));

test.run();
