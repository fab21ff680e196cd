import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../../../../core/time.js';
import { InfluxConfig } from '../../../../ingest/config.js';
import { startInfluxMetricStore, type InfluxMetricStore } from '../../../../ingest/store/influx/influx-metric-store.js';
import type { MetricStore } from '../../../../ingest/store/metric-store.js';
import { openDatabase } from '../../../../ingest/store/sqlite/database.js';
import { startSqliteMetricStore, type SqliteMetricStore } from '../../../../ingest/store/sqlite/sqlite-metric-store.js';
import type { HistoryQuery, HistoryResult } from '../../../../ingest/types.js';
import type { SeriesPoint } from '../../../../protocol/metric-series.js';
import { tempDir } from '../../../helpers/env.js';
import { haveInfluxd, startInfluxd, type InfluxdHandle } from '../../../helpers/influx.js';

/**
 * The same samples fed to both stores must give the same history: same
 * step, same buckets (epoch-aligned, empty ones absent), same avg/min/max —
 * whichever tier SQLite answers from.
 */
const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 17 * MINUTE_MS + 3 * SECOND_MS + 7;
const clock = { now: () => NOW };
const START = NOW - 30 * HOUR_MS;

/** ~10 s apart with irregular offsets, a gap of 2 h (empty buckets), values that are not round. */
function samples(): Array<{ ts: number; points: SeriesPoint[] }> {
  const out: Array<{ ts: number; points: SeriesPoint[] }> = [];
  for (let i = 0; START + i * 10_000 < NOW - MINUTE_MS; i++) {
    const ts = START + i * 10_000 + ((i * 7919) % 3001);
    if (ts > START + 5 * HOUR_MS && ts < START + 7 * HOUR_MS) continue;
    const v = Math.sin(i / 37) * 40 + 50 + (i % 13) / 7;
    out.push({
      ts,
      points: [
        { metric: 'cpu.usage', key: '', value: v },
        { metric: 'disk.used', key: '/', value: 4e10 + i * 1234.5 },
        { metric: 'disk.used', key: '/data', value: 1e9 - i },
        { metric: 'net.rxRate', key: 'eth0', value: (i * 31) % 1000 },
      ],
    });
  }
  return out;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function assertSame(influx: HistoryResult, sqlite: HistoryResult, what: string): void {
  assert.is(influx.step, sqlite.step, `${what}: step`);
  assert.equal(influx.points.map((p) => p.ts), sqlite.points.map((p) => p.ts), `${what}: bucket starts`);
  influx.points.forEach((p, i) => {
    const q = sqlite.points[i] as (typeof sqlite.points)[number];
    for (const k of ['avg', 'min', 'max'] as const) assert.ok(close(p[k], q[k]), `${what}: ${k} at ${p.ts}: influx ${p[k]} vs sqlite ${q[k]}`);
  });
}

if (haveInfluxd()) {
  let server: InfluxdHandle;
  let dir: ReturnType<typeof tempDir>;
  let db: ReturnType<typeof openDatabase>;
  let sqlite: SqliteMetricStore;
  let influx: InfluxMetricStore;

  test.before(async () => {
    server = await startInfluxd({ databases: ['vigie'] });
    dir = tempDir();
    db = openDatabase(dir.path);
    sqlite = startSqliteMetricStore({ db, retention, flushInterval: 0.05, flushSize: 5000, clock });
    const cfg = Value.Default(InfluxConfig, { url: server.url, database: 'vigie', batchSize: 5000 }) as InfluxConfig;
    influx = startInfluxMetricStore({ influx: cfg, retention, clock });
    for (const s of [sqlite, influx] as MetricStore[]) for (const { ts, points } of samples()) assert.ok(s.write('h1', ts, points));
    await sqlite.flush();
    await influx.flush();
    assert.is(influx.details().pending, 0);
  });
  test.after(async () => {
    await influx?.close();
    await sqlite?.close();
    db?.close();
    dir?.remove();
    await server?.stop();
  });

  const queries: Array<[string, Omit<HistoryQuery, 'host'>]> = [
    ['15 min at 2 s (raw)', { metric: 'cpu.usage', key: '', from: NOW - 15 * MINUTE_MS, to: NOW, step: 2 * SECOND_MS }],
    ['1 h at 7 s, a step not dividing a day', { metric: 'cpu.usage', key: '', from: NOW - HOUR_MS - 1234, to: NOW - 99, step: 7 * SECOND_MS }],
    ['across the gap at 10 s', { metric: 'net.rxRate', key: 'eth0', from: START + 4 * HOUR_MS, to: START + 8 * HOUR_MS, step: 10 * SECOND_MS }],
    ['24 h at 4 min (1m tier)', { metric: 'cpu.usage', key: '', from: NOW - 24 * HOUR_MS, to: NOW, step: 4 * MINUTE_MS }],
    ['24 h at 90 s, rounded up to 2 min', { metric: 'disk.used', key: '/', from: NOW - 24 * HOUR_MS + 555, to: NOW, step: 90 * SECOND_MS }],
    ['30 h at 7 min', { metric: 'disk.used', key: '/data', from: START, to: NOW, step: 7 * MINUTE_MS }],
    ['30 h at 1 h (1h tier)', { metric: 'cpu.usage', key: '', from: START - 3 * HOUR_MS, to: NOW, step: HOUR_MS }],
    ['30 h at 13 h', { metric: 'net.rxRate', key: 'eth0', from: START, to: NOW + HOUR_MS, step: 13 * HOUR_MS }],
    ['30 h at 1 s, widened to 10,000 buckets', { metric: 'cpu.usage', key: '', from: START, to: NOW, step: SECOND_MS }],
    ['an unknown key', { metric: 'disk.used', key: '/nope', from: START, to: NOW, step: MINUTE_MS }],
    ['a range with no data', { metric: 'cpu.usage', key: '', from: START - 10 * HOUR_MS, to: START - 9 * HOUR_MS, step: MINUTE_MS }],
  ];

  test('history from InfluxDB equals history from SQLite, before and after the SQLite rollups', async () => {
    const empty: string[] = [];
    for (const rolled of [false, true]) {
      if (rolled) await sqlite.maintain({ retention: false });
      for (const [what, q] of queries) {
        const a = await influx.history({ host: 'h1', ...q });
        const b = await sqlite.history({ host: 'h1', ...q });
        assert.is(a.tier, 'raw');
        if (a.points.length === 0) empty.push(what);
        assertSame(a, b, `${what}${rolled ? ' (rolled up)' : ''}`);
      }
    }
    assert.equal([...new Set(empty)], ['an unknown key', 'a range with no data'], 'every other query has points');
    const some = await influx.history({ host: 'h1', metric: 'cpu.usage', key: '', from: NOW - 24 * HOUR_MS, to: NOW, step: 4 * MINUTE_MS });
    assert.ok(some.points.length > 300, 'the comparison is not vacuous');
    assert.ok(some.points.every((p) => p.ts % (4 * MINUTE_MS) === 0), 'buckets start on multiples of the step since the epoch');
  });

  test('series() lists the same series as SQLite', async () => {
    assert.equal(await influx.series('h1'), await sqlite.series('h1'));
  });

  test.run();
}
