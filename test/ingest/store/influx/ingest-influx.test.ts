import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MINUTE_MS, floorTo } from '../../../../core/time.js';
import type { ServicesPayload } from '../../../../protocol/payloads.js';
import { waitFor } from '../../../helpers/env.js';
import { haveInfluxd, rows, startInfluxd, type InfluxdHandle } from '../../../helpers/influx.js';
import { metrics, publish, status, topics, withIngest } from '../../fixtures.js';

/** The ingest with `store: influx`: samples from MQTT reach InfluxDB, history reads it back, status and service changes become events. */
if (haveInfluxd()) {
  let server: InfluxdHandle;
  test.before(async () => {
    server = await startInfluxd({ databases: ['vigie'] });
  });
  test.after(async () => {
    await server?.stop();
  });

  const svc = (ts: number, nginx: 'running' | 'failed'): ServicesPayload => ({
    v: 1, ts, services: [{ name: 'sshd', state: 'running', enabled: true }, { name: 'nginx', state: nginx, enabled: true }],
  });

  test('store: influx sends samples and events to InfluxDB and serves history from it', () =>
    withIngest({ ingest: { store: 'influx', influx: { url: server.url, database: 'vigie', flushInterval: 0.05 } as never } }, async ({ ingest, connect }) => {
      const agent = await connect({ clientId: 'agent-alpha' });
      const statusTs = Date.now() - 1000;
      await publish(agent, topics.host('alpha', 'status'), { ...status('online', 'connected'), ts: statusTs }, true);
      await waitFor('host alpha', () => ingest.getHost('alpha'));
      const t0 = floorTo(Date.now() - 2 * MINUTE_MS, 10_000);
      await publish(agent, topics.host('alpha', 'services'), svc(t0, 'running'), true);
      await publish(agent, topics.host('alpha', 'services'), svc(t0 + 1000, 'running')); // no change: no event
      await publish(agent, topics.host('alpha', 'services'), svc(t0 + 2000, 'failed'));
      for (let i = 0; i < 10; i++) await publish(agent, topics.host('alpha', 'metrics'), metrics(t0 + i * 5000, { cpu: { usage: i * 10, load1: 1, load5: 1, load15: 1 } }));
      await publish(agent, topics.host('alpha', 'status'), { ...status('offline', 'stopped'), ts: statusTs + 500 }, true);
      await waitFor('15 accepted', () => ingest.stats().accepted >= 15);
      await ingest.flush();

      const h = await ingest.history({ host: 'alpha', metric: 'cpu.usage', key: '', from: t0, to: t0 + 50_000, step: 10_000 });
      assert.equal(h.points.map((p) => [p.ts - t0, p.avg, p.min, p.max]), [[0, 5, 0, 10], [10_000, 25, 20, 30], [20_000, 45, 40, 50], [30_000, 65, 60, 70], [40_000, 85, 80, 90]]);
      assert.ok((await ingest.series('alpha')).some((s) => s.metric === 'disk.usedPercent' && s.key === '/'));
      assert.is(ingest.stats().pointsWritten, 10 * 5 + 5, 'InfluxDB points: cpu, mem, disk, net, system per sample, and 5 events');

      const ev = rows(await server.query('SELECT kind, state, reason, "name" FROM events WHERE host = \'alpha\' ORDER BY time', 'vigie'));
      assert.equal(ev, [
        [t0, 'service', 'running', null, 'nginx'],
        [t0, 'service', 'running', null, 'sshd'],
        [t0 + 2000, 'service', 'failed', null, 'nginx'],
        [statusTs, 'status', 'online', 'connected', null],
        [statusTs + 500, 'status', 'offline', 'stopped', null],
      ].sort((a, b) => Number(a[0]) - Number(b[0])));
    }));

  test.run();
}
