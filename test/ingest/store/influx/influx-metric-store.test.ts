import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { InfluxConfig } from '../../../../ingest/config.js';
import { VigieError } from '../../../../core/errors.js';
import { createLogger } from '../../../../core/logger.js';
import { createTarget } from '../../../../ingest/store/influx/target.js';
import { startInfluxWriter } from '../../../../ingest/store/influx/writer.js';
import { startInfluxMetricStore, type InfluxMetricStore } from '../../../../ingest/store/influx/influx-metric-store.js';
import { flattenMetrics } from '../../../../protocol/metric-series.js';
import { metrics } from '../../fixtures.js';
import { haveInfluxd, rows, startInfluxd, type InfluxdHandle } from '../../../helpers/influx.js';

const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const admin = { user: 'vigie', password: 'pa$$ \'word' };

function store(server: InfluxdHandle, o: Partial<InfluxConfig> = {}): InfluxMetricStore {
  const influx = Value.Default(InfluxConfig, { url: server.url, database: 'vigie', username: admin.user, password: admin.password, flushInterval: 0.05, ...o }) as InfluxConfig;
  return startInfluxMetricStore({ influx, retention });
}

if (haveInfluxd()) {
  let server: InfluxdHandle;
  test.before(async () => {
    // Auth on: the v1 path authenticates with basic auth, as a secured 1.x server requires.
    server = await startInfluxd({ databases: ['vigie'], admin });
  });
  test.after(async () => {
    await server?.stop();
  });

  test('a sample lands as one point per measurement, with host, mount and iface tags, float fields and the agent ms timestamp', async () => {
    const s = store(server);
    const ts = Date.now() - 3_600_000 + 678 - (Date.now() % 1000); // recent: within raw retention, so history keeps a 1 s step
    const sample = metrics(ts, {
      cpu: { usage: 12.5, iowait: 1.5, load1: 0.5, load5: 0.25, load15: 0.125 },
      swap: { total: 1e9, used: 1e8, usedPercent: 10 },
      temperature: { cpu: 51.5 },
      disks: [
        { mount: '/', fs: 'ext4', total: 1e11, used: 4e10, free: 6e10, usedPercent: 40 },
        { mount: '/mnt/my disk, "x"', fs: 'ext4', total: 1e11, used: 5e10, free: 5e10, usedPercent: 50 },
      ],
      net: [{ iface: 'eth0', rxRate: 1000, txRate: 500 }, { iface: 'wlan 0', rxRate: 7, txRate: 8 }],
    });
    assert.ok(s.write('alpha', ts, flattenMetrics(sample)));
    await s.flush();
    assert.is(s.stats().written, 9, 'cpu, mem, swap, 2 disk, 2 net, temp, system');

    const cpu = await server.query('SELECT * FROM cpu', 'vigie');
    const series = cpu.results[0]?.series?.[0];
    assert.equal(series?.columns, ['time', 'host', 'iowait', 'load1', 'load15', 'load5', 'usage']);
    assert.equal(series?.values, [[ts, 'alpha', 1.5, 0.5, 0.125, 0.25, 12.5]]);
    assert.equal(rows(await server.query('SELECT usedPercent, used FROM mem', 'vigie')), [[ts, 25, 2e9]]);
    assert.equal(rows(await server.query('SELECT usedPercent, used FROM swap', 'vigie')), [[ts, 10, 1e8]]);
    assert.equal(rows(await server.query('SELECT cpu FROM temp', 'vigie')), [[ts, 51.5]]);
    assert.equal(rows(await server.query('SELECT uptime, processes FROM system WHERE host = \'alpha\'', 'vigie')), [[ts, 3600, 120]]);
    assert.equal(rows(await server.query('SELECT mount, usedPercent, used FROM disk ORDER BY time', 'vigie')).map((r) => r.slice(1)).sort(), [['/', 40, 4e10], ['/mnt/my disk, "x"', 50, 5e10]]);
    assert.equal(rows(await server.query('SELECT iface, rxRate, txRate FROM net', 'vigie')).map((r) => r.slice(1)).sort(), [['eth0', 1000, 500], ['wlan 0', 7, 8]]);
    const types = await server.query('SHOW FIELD KEYS FROM cpu', 'vigie');
    assert.ok(rows(types).every((r) => r[1] === 'float'), 'every field is a float (an integer-valued sample must not create an integer field)');

    assert.equal(await s.series('alpha'), [
      { metric: 'cpu.iowait', key: '' }, { metric: 'cpu.load1', key: '' }, { metric: 'cpu.load15', key: '' }, { metric: 'cpu.load5', key: '' },
      { metric: 'cpu.usage', key: '' }, { metric: 'disk.used', key: '/' }, { metric: 'disk.used', key: '/mnt/my disk, "x"' },
      { metric: 'disk.usedPercent', key: '/' }, { metric: 'disk.usedPercent', key: '/mnt/my disk, "x"' }, { metric: 'mem.used', key: '' },
      { metric: 'mem.usedPercent', key: '' }, { metric: 'net.rxRate', key: 'eth0' }, { metric: 'net.rxRate', key: 'wlan 0' },
      { metric: 'net.txRate', key: 'eth0' }, { metric: 'net.txRate', key: 'wlan 0' }, { metric: 'processes', key: '' },
      { metric: 'swap.used', key: '' }, { metric: 'swap.usedPercent', key: '' }, { metric: 'temperature.cpu', key: '' }, { metric: 'uptime', key: '' },
    ]);
    assert.equal(await s.series('nobody'), []);
    const h = await s.history({ host: 'alpha', metric: 'disk.usedPercent', key: '/mnt/my disk, "x"', from: ts - 1000, to: ts + 1000, step: 1000 });
    assert.equal(h, { tier: 'raw', step: 1000, points: [{ ts: ts - (ts % 1000), avg: 50, min: 50, max: 50 }] });
    await s.close();
  });

  test('series() survives a restart: it asks InfluxDB, not a cache', async () => {
    const s = store(server);
    const ts = Date.UTC(2025, 0, 3);
    s.write('beta', ts, [{ metric: 'mem.used', key: '', value: 3 }, { metric: 'net.rxRate', key: 'eth1', value: 4 }]);
    await s.close();
    const again = store(server);
    // Field keys are per measurement in InfluxDB: beta gets mem.usedPercent too (alpha wrote it), not net.txRate of eth0.
    assert.equal(await again.series('beta'), [
      { metric: 'mem.used', key: '' }, { metric: 'mem.usedPercent', key: '' }, { metric: 'net.rxRate', key: 'eth1' }, { metric: 'net.txRate', key: 'eth1' },
    ]);
    await again.close();
  });

  test('status and service changes are written to events with host and kind tags and string fields', async () => {
    const s = store(server);
    s.writeEvent({ host: 'gamma', ts: 1_700_000_000_000, kind: 'status', state: 'offline', reason: 'lost' });
    s.writeEvent({ host: 'gamma', ts: 1_700_000_000_500, kind: 'service', name: 'nginx', state: 'failed' });
    s.writeEvent({ host: 'gamma', ts: 1_700_000_000_500, kind: 'service', name: 'sshd', state: 'running' });
    await s.flush();
    const ev = await server.query('SELECT host, kind, state, reason, "name" FROM events WHERE host = \'gamma\' ORDER BY time', 'vigie');
    assert.equal(rows(ev), [
      [1_700_000_000_000, 'gamma', 'status', 'offline', 'lost', null],
      [1_700_000_000_500, 'gamma', 'service', 'failed', null, 'nginx'],
      [1_700_000_000_500, 'gamma', 'service', 'running', null, 'sshd'],
    ], 'two services changing at the same ts are two points');
    await s.close();
  });

  test('a 4xx is not retried: wrong credentials and a field type conflict drop the batch and count it', async () => {
    const wrong = store(server, { password: 'nope' });
    wrong.write('delta', Date.UTC(2025, 0, 4), [{ metric: 'uptime', key: '', value: 1 }]);
    await wrong.flush();
    assert.equal(wrong.details().rejected, 1);
    assert.equal(wrong.details().retried, 0);
    assert.match(wrong.details().lastError?.message ?? '', /401/);
    await wrong.close();

    // `system.uptime` is a float field by now: a string value is a field type conflict (400).
    const influx = Value.Default(InfluxConfig, { url: server.url, username: admin.user, password: admin.password }) as InfluxConfig;
    const writer = startInfluxWriter({ ...influx, flushInterval: 0.05, target: createTarget(influx), log: createLogger('test') });
    // Recent, so it lands in the shard alpha's float already lives in (InfluxDB 1.x checks field types per shard).
    writer.enqueue([`system,host=delta uptime="a string" ${Date.now() - 3_600_000}`]);
    assert.ok(await writer.drain(5000));
    assert.is(writer.stats().rejected, 1);
    assert.is(writer.stats().retried, 0);
    assert.match(writer.stats().lastError?.message ?? '', /400.*conflict/);
    await writer.close();
  });

  test('deleteHost removes every point of the host, reports how many values went, and leaves other hosts', async () => {
    const s = store(server);
    const ts = Date.UTC(2025, 0, 5);
    s.write('victim', ts, [{ metric: 'cpu.usage', key: '', value: 1 }, { metric: 'cpu.load1', key: '', value: 2 }, { metric: 'disk.used', key: '/', value: 3 }]);
    s.write('victim', ts + 1000, [{ metric: 'cpu.usage', key: '', value: 1 }]);
    s.write('keeper', ts, [{ metric: 'cpu.usage', key: '', value: 1 }]);
    s.writeEvent({ host: 'victim', ts, kind: 'status', state: 'online', reason: 'connected' });
    assert.is(await s.deleteHost('victim'), 4);
    assert.equal(await s.series('victim'), []);
    assert.equal(rows(await server.query('SELECT count(*) FROM events WHERE host = \'victim\'', 'vigie')), []);
    assert.ok((await s.series('keeper')).some((r) => r.metric === 'cpu.usage'));
    assert.equal(rows(await server.query('SELECT count(usage) FROM cpu WHERE host = \'keeper\'', 'vigie')), [[0, 1]]);
    await s.close();
  });

  test('after close, writes are refused and counted; close is idempotent', async () => {
    const s = store(server);
    await s.close();
    await s.close();
    assert.is(s.write('x', Date.now(), [{ metric: 'uptime', key: '', value: 1 }]), false);
    assert.is(s.stats().refused, 1);
    const error = await s.history({ host: 'x', metric: 'uptime', key: '', from: 0, to: 1, step: 1 }).catch((e: unknown) => e);
    assert.is((error as VigieError).code, 'VIGIE_ERR_UNAVAILABLE');
  });

  test.run();
}
