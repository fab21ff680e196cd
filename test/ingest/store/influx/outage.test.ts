import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { InfluxConfig } from '../../../../ingest/config.js';
import { startInfluxMetricStore, type InfluxMetricStore } from '../../../../ingest/store/influx/influx-metric-store.js';
import { waitFor } from '../../../helpers/env.js';
import { haveInfluxd, rows, startInfluxd, type InfluxdHandle } from '../../../helpers/influx.js';

/**
 * InfluxDB stopped under a steady load, then restarted. The issue asks for a
 * one-minute outage; the suites use VIGIE_INFLUX_OUTAGE_S (default 10 s) so
 * they stay under a minute — the writer's behaviour does not depend on the
 * length, only the number of queued points does.
 */
const OUTAGE_MS = Number(process.env.VIGIE_INFLUX_OUTAGE_S ?? 10) * 1000;
const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function store(server: InfluxdHandle, db: string, o: Partial<InfluxConfig> = {}): InfluxMetricStore {
  const influx = Value.Default(InfluxConfig, {
    url: server.url, database: db, flushInterval: 0.05, batchSize: 200, retryDelay: 0.05, maxRetryDelay: 0.5, timeout: 2, closeTimeout: 10, ...o,
  }) as InfluxConfig;
  return startInfluxMetricStore({ influx, retention });
}

/** One single-line sample (host `load`, field system.uptime = i) every `everyMs`, stamped base + i ms. */
function steadyLoad(s: InfluxMetricStore, base: number, everyMs = 10) {
  let i = 0;
  const accepted: number[] = [];
  const timer = setInterval(() => {
    if (s.write('load', base + i, [{ metric: 'uptime', key: '', value: i }])) accepted.push(i);
    i += 1;
  }, everyMs);
  return { accepted, stop: () => { clearInterval(timer); return i; } };
}

async function storedValues(server: InfluxdHandle, db: string): Promise<number[]> {
  const json = await server.query('SELECT uptime FROM system WHERE host = \'load\' ORDER BY time', db);
  return rows(json).map((r) => Number(r[1]));
}

if (haveInfluxd()) {
  let server: InfluxdHandle;
  test.before(async () => {
    server = await startInfluxd({ databases: ['full', 'small', 'burst'] });
  });
  test.after(async () => {
    await server?.stop();
  });

  test(`stopped for ${OUTAGE_MS / 1000} s under a steady load and restarted: every point arrives, each acknowledged once`, async () => {
    const s = store(server, 'full');
    const base = Date.now() - 3_600_000;
    const load = steadyLoad(s, base);
    await sleep(1000);
    await server.pause();
    await sleep(OUTAGE_MS);
    assert.ok(s.details().pending > 0, 'points queue during the outage');
    assert.ok(s.details().lastError !== null);
    await server.restart();
    await sleep(1000);
    const n = load.stop();
    await s.flush();
    const d = s.details();
    assert.is(d.pending, 0);
    assert.is(d.dropped, 0);
    assert.is(d.rejected, 0);
    assert.ok(d.retried > 0, 'batches were retried');
    assert.is(d.written, n, 'the writer counted each point written exactly once');
    const values = await storedValues(server, 'full');
    assert.is(values.length, n, 'InfluxDB holds every point');
    assert.equal(values, Array.from({ length: n }, (_, i) => i), 'in order, none missing');
    await s.close();
  });

  // Issue 10, item 14: the ingest acknowledges a sample once InfluxDB has it, so a full buffer refuses
  // new points (the ingest leaves them unacknowledged: their senders keep them) instead of dropping queued ones.
  test('a buffer smaller than the outage takes what fits, refuses the rest (counted, reported full) and drops nothing', async () => {
    const s = store(server, 'small', { bufferPoints: 300, batchSize: 100 });
    await server.pause();
    const base = Date.now() - 3_600_000;
    const accepted: number[] = [];
    for (let i = 0; i < 1000; i++) if (s.write('load', base + i, [{ metric: 'uptime', key: '', value: i }])) accepted.push(i);
    assert.equal(accepted, Array.from({ length: 300 }, (_, i) => i), 'the first 300 fit');
    assert.ok(s.commits!.full(), 'the store says it is full');
    assert.is(s.stats().refused, 700);
    await waitFor('two failed attempts', () => s.details().retried >= 200);
    assert.is(s.details().dropped, 0);
    assert.is(s.details().pending, 300);
    assert.ok(s.commits!.committed() < s.commits!.written(), 'nothing committed while InfluxDB is down');
    await server.restart();
    await s.flush();
    assert.equal(await storedValues(server, 'small'), accepted, 'every accepted point is written');
    assert.is(s.details().written, 300);
    assert.is(s.commits!.committed(), s.commits!.written(), 'all committed');
    assert.not.ok(s.commits!.full(), 'room again');
    await s.close();
  });

  test('under a steady load, a full buffer refuses new points and drops none: InfluxDB ends with exactly the accepted ones', async () => {
    const s = store(server, 'burst', { bufferPoints: 150, batchSize: 50 });
    const base = Date.now() - 3_600_000;
    const load = steadyLoad(s, base);
    await sleep(500);
    await server.pause();
    await sleep(Math.min(OUTAGE_MS, 4000)); // ~400 points for a 150-point buffer
    await server.restart();
    await sleep(500);
    const n = load.stop();
    await s.flush();
    const d = s.details();
    const values = await storedValues(server, 'burst');
    assert.is(d.dropped, 0);
    assert.ok(s.stats().refused > 100, `refused ${s.stats().refused}`);
    assert.is(load.accepted.length + s.stats().refused, n, 'accepted + refused = written by the load');
    assert.equal(values, load.accepted, 'InfluxDB holds exactly the accepted points, in order');
    await s.close();
  });

  test.run();
}
