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

test('while the ingest works through a backlog, hosts heard late are not judged stale; a silent one still is', () =>
  withIngest({ ingest: { staleAfterIntervals: 2 } }, async ({ ingest, connect }) => {
    const agent = await connect();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const hosts = ['late-a', 'late-b', 'late-busy', 'late-gone'];
    for (const h of hosts) {
      await publish(agent, topics.host(h, 'status'), status('online', 'connected', 0.5), true); // stale after 2 × 0.5 s
      await publish(agent, topics.host(h, 'metrics'), metrics(Date.now())); // on time: each host's baseline
    }
    await waitFor('all online', () => hosts.every((h) => ingest.getHost(h)?.presence === 'online'));
    const willAgent = await connect({
      clientId: 'agent-late-will',
      will: { topic: topics.host('late-will', 'status'), payload: Buffer.from(encodePayload('status', status('offline', 'lost'))), qos: 1, retain: true },
    });
    await publish(willAgent, topics.host('late-will', 'status'), status('online', 'connected', 60), true);
    await waitFor('late-will online', () => ingest.getHost('late-will')?.presence === 'online');
    // What a backlog looks like from the ingest: every sample taken 3 s before it arrives, and a host's
    // samples further apart than its stale period (late-a, late-b: 1.5 s) while the rest of the fleet flows.
    let stop = false;
    const busy = (async () => {
      while (!stop) {
        await publish(agent, topics.host('late-busy', 'metrics'), metrics(Date.now() - 3000));
        await sleep(100);
      }
    })();
    try {
      // The backlog builds up: a and b still heard often, until the lag covers the last two seconds.
      for (let i = 0; i < 10; i++) {
        await publish(agent, topics.host('late-a', 'metrics'), metrics(Date.now() - 3000));
        await publish(agent, topics.host('late-b', 'metrics'), metrics(Date.now() - 3000));
        await sleep(250);
      }
      assert.ok((ingest.stats().lagMs ?? 0) >= 2500, `the lag is seen: ${ingest.stats().lagMs} ms`);
      // A Last Will is news, not silence: the lag does not delay it (only alerts and the event log wait).
      willAgent.stream.destroy();
      await waitFor('offline "lost" through the Last Will during the backlog', () => ingest.getHost('late-will')?.reason === 'lost', 5000);
      const offline: string[] = [];
      ingest.bus.on('test', 'host', (h) => {
        if (h.presence === 'offline') offline.push(h.id);
      });
      for (let round = 0; round < 4; round++) {
        await publish(agent, topics.host('late-a', 'metrics'), metrics(Date.now() - 3000));
        await publish(agent, topics.host('late-b', 'metrics'), metrics(Date.now() - 3000));
        await sleep(1500);
        assert.ok((ingest.stats().lagMs ?? 0) >= 2500, `the lag is seen: ${ingest.stats().lagMs} ms`);
        assert.ok(ingest.presenceHeldUntil() > Date.now(), 'offline judgements are held meanwhile');
      }
      assert.equal(offline.filter((h) => h !== 'late-gone'), [], 'no host heard within its stale period plus the lag went offline');
      // late-gone sent nothing since its first sample: silent for longer than its period plus the lag.
      await waitFor('the silent host stale', () => ingest.getHost('late-gone')?.reason === 'stale', 10_000);
    } finally {
      stop = true;
      await busy;
    }
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
