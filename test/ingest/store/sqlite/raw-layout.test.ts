import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { tempDir } from '../../../helpers/env.js';
import { MINUTE_MS, SECOND_MS } from '../../../../core/time.js';
import { openSqlite } from '../../../../core/sqlite.js';
import { openDatabase } from '../../../../ingest/store/sqlite/database.js';
import { openHistoryReadOnly } from '../../../../ingest/store/influx/copy.js';
import { MIGRATIONS } from '../../../../ingest/store/sqlite/migrations.js';
import { readRawSamples } from '../../../../ingest/store/sqlite/raw-samples.js';
import { startSqliteMetricStore } from '../../../../ingest/store/sqlite/sqlite-metric-store.js';
import type { SeriesPoint } from '../../../../protocol/metric-series.js';

const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);
const clock = { now: () => T0 + 10 * MINUTE_MS };

/** A sample of `n` series: cpu.usage plus n - 1 disks, values from the host index and ts. */
function sample(host: number, ts: number, n: number): SeriesPoint[] {
  const points: SeriesPoint[] = [{ metric: 'cpu.usage', key: '', value: (host * 7 + ts / 1000) % 100 }];
  for (let k = 1; k < n; k++) points.push({ metric: 'disk.used', key: `/d${k}`, value: (host + k + ts / 1000) % 100 });
  return points;
}

test('migration 4 moves every raw point of a schema-3 vigie.db under its host key; history, export and new writes read them back', async () => {
  const dir = tempDir();
  const old = openSqlite(`${dir.path}/vigie.db`, MIGRATIONS.slice(0, 3));
  const addSeries = old.prepare<[string, string, string], { id: number }>('INSERT INTO series (host, metric, key) VALUES (?, ?, ?) RETURNING id');
  const addPoint = old.prepare('INSERT INTO points_raw (series_id, ts, value) VALUES (?, ?, ?)');
  const written = new Map<string, Array<[number, number]>>(); // "host metric key" → [ts, value]
  for (const host of ['web-1', 'db-1']) {
    for (const [metric, key] of [['cpu.usage', ''], ['disk.used', '/'], ['disk.used', '/var']] as const) {
      const id = addSeries.get(host, metric, key)!.id;
      const rows: Array<[number, number]> = [];
      for (let i = 0; i < 30; i++) {
        const ts = T0 + i * 5 * SECOND_MS;
        const value = (id * 13 + i) % 97;
        addPoint.run(id, ts, value);
        rows.push([ts, value]);
      }
      written.set(`${host} ${metric} ${key}`, rows);
    }
  }
  // Not rolled up yet: the store had marked them (meta.rollup_dirty_from), as it does before each batch.
  old.prepare("INSERT INTO meta (key, value) VALUES ('rollup_dirty_from', ?)").run(T0);
  old.close();
  // `vigie history copy` opens the file read-only: it says to let the server upgrade it first.
  assert.throws(() => openHistoryReadOnly(dir.path), /written by an older Vigie \(schema 3, this one reads \d+\); start this Vigie's server once/);

  const db = openDatabase(dir.path);
  assert.is(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(db.prepare('SELECT host FROM host_keys ORDER BY host').pluck().all(), ['db-1', 'web-1']);
  assert.is(db.prepare('SELECT count(*) FROM points_raw').pluck().get(), 6 * 30, 'every point moved');
  assert.is(
    db.prepare('SELECT count(*) FROM points_raw p JOIN series s ON s.id = p.series_id JOIN host_keys k ON k.id = p.host_key WHERE k.host <> s.host').pluck().get(),
    0,
    'each point under its own host',
  );

  const store = startSqliteMetricStore({ db, retention, flushInterval: 3600, flushSize: 1_000_000, clock });
  const h = await store.history({ host: 'web-1', metric: 'disk.used', key: '/var', from: T0, to: T0 + 150 * SECOND_MS, step: 5 * SECOND_MS });
  assert.is(h.tier, 'raw');
  assert.equal(h.points.map((p) => [p.ts, p.avg]), written.get('web-1 disk.used /var'));

  const exported: Array<[string, number, number]> = [];
  for await (const page of readRawSamples(db, { host: 'db-1', from: T0, to: T0 + MINUTE_MS * 10 }, 7)) {
    for (const s of page) exported.push([`db-1 ${s.metric} ${s.key}`, s.ts, s.value]);
  }
  const want = [...written].filter(([k]) => k.startsWith('db-1 ')).sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([k, rows]) => rows.map(([ts, v]): [string, number, number] => [k, ts, v]));
  assert.equal(exported, want, 'the export: series by series, each in time order, across pages');

  // A new sample of a known host and of a new one, then rollups from the moved points.
  const next = T0 + 150 * SECOND_MS;
  assert.ok(store.write('web-1', next, [{ metric: 'cpu.usage', key: '', value: 42 }]));
  assert.ok(store.write('new-1', next, [{ metric: 'cpu.usage', key: '', value: 7 }]));
  await store.flush();
  assert.equal(db.prepare('SELECT host FROM host_keys ORDER BY id').pluck().all(), ['db-1', 'web-1', 'new-1']);
  const report = await store.maintain({ retention: false });
  assert.is(report.rolledUp, 3 + 3 + 1, 'every series of the three hosts: the moved points were marked, the new ones too');
  const minute = await store.history({ host: 'web-1', metric: 'cpu.usage', key: '', from: T0, to: T0 + 3 * MINUTE_MS, step: MINUTE_MS });
  const cpu = [...written.get('web-1 cpu.usage ')!, [next, 42] as [number, number]];
  const byMinute = [0, 1, 2].map((m) => cpu.filter(([ts]) => ts >= T0 + m * MINUTE_MS && ts < T0 + (m + 1) * MINUTE_MS).map(([, v]) => v));
  assert.equal(minute.points.map((p) => p.avg), byMinute.map((vs) => vs.reduce((a, b) => a + b, 0) / vs.length), 'the 1m rollup of the moved points and the new one');
  assert.is(minute.tier, '1m');

  assert.is(await store.deleteHost('web-1'), 3 * 30 + 1 + 3 * 3 + 3, 'raw points, minute and hour rows of web-1');
  assert.equal(db.prepare('SELECT host FROM host_keys ORDER BY id').pluck().all(), ['db-1', 'new-1']);
  await store.close();
  db.close();
  dir.remove();
});

test('a sample\'s points are written together: one batch from 200 hosts of 20 series writes a few pages per host to the WAL, not one per series', async () => {
  const dir = tempDir();
  const db = openDatabase(dir.path);
  const store = startSqliteMetricStore({ db, retention, flushInterval: 3600, flushSize: 1_000_000, clock });
  const HOSTS = 200;
  const SERIES = 20;
  // Enough history that each series' newest rows would sit on a page of their own if points were keyed by series.
  const PRIOR = 100;
  for (let i = 0; i < PRIOR; i++) {
    for (let h = 0; h < HOSTS; h++) store.write(`host-${h}`, T0 + i * 5 * SECOND_MS + h, sample(h, T0 + i * 5 * SECOND_MS, SERIES));
    await store.flush();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  const wal = `${dir.path}/vigie.db-wal`;
  assert.is(statSync(wal).size, 0);
  const ts = T0 + PRIOR * 5 * SECOND_MS;
  for (let h = 0; h < HOSTS; h++) store.write(`host-${h}`, ts + h, sample(h, ts, SERIES));
  await store.flush();
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const frames = (statSync(wal).size - 32) / (pageSize + 24);
  // Measured with the bare table: keyed (series_id, ts) this batch writes 1,738 frames (3,448 after
  // 200 prior samples: one per series); keyed (host_key, ts, series_id), 518 (556 after 200).
  assert.ok(frames <= HOSTS * 4, `${frames} WAL frames for ${HOSTS} samples of ${SERIES} points`);
  const stored = db.prepare('SELECT count(*) FROM points_raw WHERE ts >= ?').pluck().get(ts);
  assert.is(stored, HOSTS * SERIES);
  await store.close();
  db.close();
  dir.remove();
});

/** 1m history of one series, as avg/min/max/count per minute, computed here from what was stored. */
function minutesOf(stored: Map<number, number>, from: number, to: number): Array<[number, number, number, number, number]> {
  const byMinute = new Map<number, number[]>();
  for (const [ts, v] of [...stored].sort((a, b) => a[0] - b[0])) {
    if (ts < from || ts >= to) continue;
    const m = ts - (ts % MINUTE_MS);
    byMinute.set(m, [...(byMinute.get(m) ?? []), v]);
  }
  return [...byMinute].map(([m, vs]) => [m, vs.reduce((a, b) => a + b, 0) / vs.length, Math.min(...vs), Math.max(...vs), vs.length]);
}

for (const writer of ['inline', 'worker'] as const) {
  test(`${writer}: 1m rollups kept as points commit stay exact: a minute rolled up in two parts, late samples, a sample delivered twice (same value, then another), a restart`, async () => {
    const dir = tempDir();
    let now = T0 + 30 * MINUTE_MS;
    const clockAt = { now: () => now };
    const open = () => {
      const db = openDatabase(dir.path);
      return { db, store: startSqliteMetricStore({ db, retention, flushInterval: 3600, flushSize: 1_000_000, clock: clockAt, writer }) };
    };
    let { db, store } = open();
    const stored = new Map<number, number>(); // ts → value of web-1's cpu.usage, as the store must hold it
    const put = (ts: number, value: number) => {
      assert.ok(store.write('web-1', ts, [{ metric: 'cpu.usage', key: '', value }, { metric: 'mem.used', key: '', value: value * 2 }]));
      stored.set(ts, value);
    };
    const check = async (what: string) => {
      const from = T0;
      const to = T0 + 30 * MINUTE_MS;
      const h = await store.history({ host: 'web-1', metric: 'cpu.usage', key: '', from, to, step: MINUTE_MS, withCount: true });
      assert.is(h.tier, '1m');
      assert.equal(h.points.map((p) => [p.ts, p.avg, p.min, p.max, p.count]), minutesOf(stored, from, to), what);
      // What the 1m table itself holds, once nothing is pending: the rollup, not the raw fill-in.
      const rows = db.prepare(`SELECT m.ts, m.sum / m.count, m.min, m.max, m.count FROM points_1m m JOIN series s ON s.id = m.series_id
        WHERE s.host = 'web-1' AND s.metric = 'cpu.usage' ORDER BY m.ts`).raw(true).all();
      assert.equal(rows, minutesOf(stored, from, to), `${what}: points_1m`);
      const hour = db.prepare(`SELECT h.count FROM points_1h h JOIN series s ON s.id = h.series_id WHERE s.host = 'web-1' AND s.metric = 'cpu.usage'`).pluck().all();
      assert.equal(hour, [stored.size], `${what}: points_1h`);
    };

    for (let i = 0; i < 6; i++) put(T0 + i * 5 * SECOND_MS, 10 + i); // minute 0, first half
    await store.maintain({ retention: false }); // the first rollup of web-1 here: rebuilt from points_raw
    await check('first rollup');
    for (let i = 6; i < 12; i++) put(T0 + i * 5 * SECOND_MS, 10 + i); // minute 0, second half: added to the row
    put(T0 + MINUTE_MS + 1000, 50);
    put(T0 + 7 * MINUTE_MS, 70);
    await store.maintain({ retention: false });
    await check('a minute rolled up in two parts');
    put(T0 + 3 * SECOND_MS, 5); // late, into minute 0 again
    put(T0 + 7 * MINUTE_MS, 70); // delivered twice, the same value: counted once
    await store.maintain({ retention: false });
    await check('a late sample and a duplicate');
    put(T0 + MINUTE_MS + 1000, 99); // the same sample, another value: it replaces the first
    await store.maintain({ retention: false });
    await check('a replaced value');

    // Points committed, then the process stops before their rollup: the next one rebuilds them.
    put(T0 + 2 * MINUTE_MS, 20);
    put(T0 + 2 * MINUTE_MS + 5000, 22);
    await store.close();
    db.close();
    now += MINUTE_MS;
    ({ db, store } = open());
    put(T0 + 2 * MINUTE_MS + 10_000, 24);
    await store.maintain({ retention: false });
    await check('after a restart');
    await store.close();
    db.close();
    dir.remove();
  });
}

for (const writer of ['inline', 'worker'] as const) {
  test(`${writer}: the kept sums are trusted when nothing waited for a rollup (a new store, a stop after the last rollup, a host first stored here), not after a stop with points waiting`, async () => {
    const dir = tempDir();
    const now = T0 + 30 * MINUTE_MS;
    const open = () => {
      const db = openDatabase(dir.path);
      return { db, store: startSqliteMetricStore({ db, retention, flushInterval: 3600, flushSize: 1_000_000, clock: { now: () => now }, writer }) };
    };
    let { db, store } = open();
    // Each point is then changed behind the store's back in points_raw: the rollup shows whether it
    // added the sums of what it committed (the value written) or rebuilt from points_raw (the changed one).
    const TAMPER = 1000;
    const putTampered = async (host: string, ts: number, value: number) => {
      assert.ok(store.write(host, ts, [{ metric: 'cpu.usage', key: '', value }]));
      await store.flush();
      db.prepare('UPDATE points_raw SET value = value + ? WHERE ts = ? AND host_key = (SELECT id FROM host_keys WHERE host = ?)').run(TAMPER, ts, host);
    };
    const minute = (host: string, ts: number) =>
      db.prepare(`SELECT m.sum FROM points_1m m JOIN series s ON s.id = m.series_id WHERE s.host = ? AND s.metric = 'cpu.usage' AND m.ts = ?`).pluck().get(host, ts);

    await putTampered('web-1', T0 + 1000, 10);
    await putTampered('web-1', T0 + 6000, 12);
    await store.maintain({ retention: false });
    assert.is(minute('web-1', T0), 22, 'a new store: the first rollup adds the sums');

    // Stopped after its last rollup (rollup_dirty_from unset), started again.
    await store.close();
    db.close();
    ({ db, store } = open());
    await putTampered('web-1', T0 + MINUTE_MS, 30);
    await store.maintain({ retention: false });
    assert.is(minute('web-1', T0 + MINUTE_MS), 30, 'after a stop with nothing waiting: the sums');

    // Stopped with a point committed and not rolled up: the next connection cannot have its sum.
    assert.ok(store.write('web-1', T0 + 2 * MINUTE_MS, [{ metric: 'cpu.usage', key: '', value: 40 }]));
    await store.close();
    db.close();
    ({ db, store } = open());
    await putTampered('web-1', T0 + 2 * MINUTE_MS + 5000, 42);
    await putTampered('new-1', T0 + 2 * MINUTE_MS, 7); // a host first stored on this connection
    await store.maintain({ retention: false });
    assert.is(minute('web-1', T0 + 2 * MINUTE_MS), 40 + 42 + TAMPER, 'after a stop with a point waiting: rebuilt from points_raw');
    assert.is(minute('new-1', T0 + 2 * MINUTE_MS), 7, 'a host first stored on this connection: its sums');
    await store.close();
    db.close();
    dir.remove();
  });
}

test.run();
