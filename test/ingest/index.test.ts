import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { MINUTE_MS, floorTo } from '../../core/time.js';
import { startIngest } from '../../ingest/index.js';
import type { IngestEvents, IngestHandle } from '../../ingest/types.js';
import type { MqttClient } from 'mqtt';
import { SQLITE_CACHE_BYTES } from '../../core/sqlite-settings.js';
import { info, ingestConfig, metrics, publish, services, status, topics, withIngest } from './fixtures.js';

test('valid payloads are stored, visible through history, and fanned out as events', () =>
  withIngest({}, async ({ ingest, connect }) => {
    const events: { sample: Array<IngestEvents['sample']>; host: Array<IngestEvents['host']>; services: Array<IngestEvents['services']> } = { sample: [], host: [], services: [] };
    ingest.bus.on('test', 'sample', (e) => events.sample.push(e));
    ingest.bus.on('test', 'host', (e) => events.host.push(e));
    ingest.bus.on('test', 'services', (e) => events.services.push(e));
    const agent = await connect({ clientId: 'agent-alpha' });
    await publish(agent, topics.host('alpha', 'status'), status('online', 'connected'), true);
    await waitFor('host alpha', () => ingest.getHost('alpha'));
    await publish(agent, topics.host('alpha', 'info'), info('Alpha'), true);
    await publish(agent, topics.host('alpha', 'services'), services(), true);
    const t0 = floorTo(Date.now() - 2 * MINUTE_MS, 10_000); // buckets are aligned on multiples of step
    for (let i = 0; i < 10; i++) await publish(agent, topics.host('alpha', 'metrics'), metrics(t0 + i * 5000, { cpu: { usage: i * 10, load1: 1, load5: 1, load15: 1 } }));
    await waitFor('10 samples', () => events.sample.length === 10);
    await ingest.flush();

    const h = await ingest.history({ host: 'alpha', metric: 'cpu.usage', key: '', from: t0, to: t0 + 50_000, step: 10_000 });
    assert.is(h.tier, 'raw');
    assert.equal(h.points.map((p) => [p.avg, p.min, p.max]), [[5, 0, 10], [25, 20, 30], [45, 40, 50], [65, 60, 70], [85, 80, 90]]);
    const disk = await ingest.history({ host: 'alpha', metric: 'disk.usedPercent', key: '/', from: t0, to: t0 + 50_000, step: 50_000 });
    assert.is(disk.points[0]?.avg, 40);
    assert.ok((await ingest.series('alpha')).some((s) => s.metric === 'net.rxRate' && s.key === 'eth0'));

    const detail = ingest.getHost('alpha');
    assert.is(detail?.presence, 'online');
    assert.is(detail?.info?.hostname, 'Alpha');
    assert.is(detail?.services?.services[0]?.name, 'sshd');
    assert.is(detail?.latest?.ts, t0 + 45_000, 'latest is the newest sample');
    assert.is(detail?.state, 'critical', 'cpu.usage 90 is critical');
    assert.is(events.sample[0]?.host, 'alpha');
    assert.is(events.services.length, 1);
    assert.ok(events.host.some((e) => e.info?.hostname === 'Alpha'), 'host event on info');
    assert.equal(events.host.map((e) => e.state).filter((s, i, a) => s !== a[i - 1]), ['online', 'warning', 'critical'], 'host events follow the colour');
    const stats = ingest.stats();
    assert.is(stats.accepted, 13);
    assert.is(stats.invalid, 0);
    assert.is(stats.pending, 0);
    assert.is(stats.connected, true);
    assert.is(stats.dropped, 0);
    assert.is(stats.pointsWritten, 10 * 12, "12 series per sample");
    assert.equal(ingest.listHosts().map((x) => x.id), ['alpha']);
    await ingest.close();
    await ingest.close(); // idempotent
  }));

test('the ingest starts before the broker and connects when it comes up', async () => {
  const { freePort } = await import('../helpers/env.js');
  const port = await freePort();
  const dir = tempDir();
  const ingest = await startIngest({ ingest: ingestConfig(`mqtt://127.0.0.1:${port}`), dataDir: dir.path, prefix: 'vigie' });
  await new Promise((r) => setTimeout(r, 300)); // at least one failed attempt
  const broker = await startTestBroker({ port });
  const agent = await connectClient(broker.url);
  try {
    await publish(agent, topics.host('late', 'status'), status('online', 'connected'), true);
    await waitFor('host seen once the broker is up', () => ingest.getHost('late'), 10_000);
    assert.is(ingest.getHost('late')?.presence, 'online');
  } finally {
    await agent.endAsync();
    await ingest.close();
    await broker.close();
    dir.remove();
  }
});

test('samples published while the ingest is down wait in its session and are stored after restart', () =>
  withIngest({}, async (rig) => {
    const agent = await rig.connect();
    await publish(agent, topics.host('beta', 'status'), status('online', 'connected'), true);
    await waitFor('host beta', () => rig.ingest.getHost('beta'));
    await rig.ingest.close();
    const t0 = Date.now() - MINUTE_MS;
    for (let i = 0; i < 5; i++) await publish(agent, topics.host('beta', 'metrics'), metrics(t0 + i * 1000));
    const ingest = await rig.restart({ sameSession: true });
    await waitFor('queued samples', () => ingest.stats().accepted >= 5);
    await ingest.flush();
    const h = await ingest.history({ host: 'beta', metric: 'cpu.usage', key: '', from: t0, to: t0 + 5000, step: 1000 });
    assert.is(h.points.length, 5);
  }));

test('ingest.sqliteCache bounds the page cache of both connections to vigie.db, the write worker\'s included', async () => {
  const pageCache = async (ingest: IngestHandle, agent: MqttClient, host: string): Promise<unknown> => {
    await publish(agent, topics.host(host, 'metrics'), metrics(Date.now()));
    await waitFor('a sample written by the worker', () => ingest.stats().pointsWritten > 0, 10_000);
    return ingest.stats().store?.pageCache;
  };
  await withIngest({}, async (rig) => {
    assert.equal(await pageCache(rig.ingest, await rig.connect(), 'gamma'), { server: SQLITE_CACHE_BYTES, writer: SQLITE_CACHE_BYTES }, '2 MiB by default');
  });
  await withIngest({ ingest: { sqliteCache: 5 * 1024 * 1024 } }, async (rig) => {
    assert.equal(await pageCache(rig.ingest, await rig.connect(), 'delta'), { server: 5 * 1024 * 1024, writer: 5 * 1024 * 1024 });
  });
  await withIngest({ ingest: { sqliteCache: 5 * 1024 * 1024, writeWorker: false } }, async (rig) => {
    assert.equal(await pageCache(rig.ingest, await rig.connect(), 'epsilon'), { server: 5 * 1024 * 1024, writer: 5 * 1024 * 1024 }, 'inline: the server\'s own connection writes');
  });
});

test.run();
