import { test as base } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../../../helpers/env.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, floorTo } from '../../../../core/time.js';
import { openDatabase, type Database } from '../../../../ingest/store/sqlite/database.js';
import { startSqliteMetricStore, type SqliteMetricStore } from '../../../../ingest/store/sqlite/sqlite-metric-store.js';
import type { HistoryPoint } from '../../../../ingest/types.js';

const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0); // a whole hour

function manualClock(start: number) {
  let t = start;
  return { now: () => t, set: (v: number) => { t = v; }, advance: (ms: number) => { t += ms; } };
}

// Every guarantee holds whether writes run in this thread or in the write worker (the server's default).
const WRITERS = ['inline', 'worker'] as const;
let writer: (typeof WRITERS)[number] = 'inline';

function open(dir: string, clock: { now(): number }, o: { flushSize?: number; flushInterval?: number } = {}): { db: Database; store: SqliteMetricStore } {
  const db = openDatabase(dir);
  const store = startSqliteMetricStore({ db, retention, flushInterval: o.flushInterval ?? 3600, flushSize: o.flushSize ?? 1_000_000, clock, writer });
  return { db, store };
}

const count = (db: Database, table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const cpu = (value: number) => [{ metric: 'cpu.usage' as const, key: '', value }];

/** Expected buckets computed here from the inserted samples, independent of SQL. */
function expected(samples: Array<[number, number]>, from: number, to: number, step: number): HistoryPoint[] {
  const buckets = new Map<number, number[]>();
  for (const [ts, v] of samples) {
    if (ts < from || ts >= to) continue;
    const b = floorTo(ts, step);
    buckets.set(b, [...(buckets.get(b) ?? []), v]);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([ts, vs]) => ({
    ts, avg: vs.reduce((s, v) => s + v, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs),
  }));
}

function assertClose(actual: HistoryPoint[], wanted: HistoryPoint[], what: string): void {
  assert.is(actual.length, wanted.length, `${what}: bucket count`);
  wanted.forEach((w, i) => {
    const a = actual[i] as HistoryPoint;
    assert.is(a.ts, w.ts, `${what}: bucket ${i} ts`);
    assert.ok(Math.abs(a.avg - w.avg) < 1e-9, `${what}: bucket ${i} avg ${a.avg} != ${w.avg}`);
    assert.is(a.min, w.min, `${what}: bucket ${i} min`);
    assert.is(a.max, w.max, `${what}: bucket ${i} max`);
  });
}

// Deterministic pseudo-random values so a failure reproduces.
function values(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.round((s / 2 ** 31) * 10_000) / 100;
  };
}

for (const w of WRITERS) {
  const test = (name: string, fn: () => Promise<void> | void): void => base(`${w}: ${name}`, async () => {
    writer = w;
    await fn();
  });
  test(`writes are batched: nothing reaches SQLite before a flush, close() writes what is pending`, async () => {
  const dir = tempDir();
  const clock = manualClock(T0);
  const { db, store } = open(dir.path, clock);
  for (let i = 0; i < 10; i++) assert.ok(store.write('h1', T0 - i * 5000, cpu(i)));
  assert.is(store.stats().pending, 10);
  assert.is(count(db, 'points_raw'), 0, 'no per-message SQL');
  await store.close();
  assert.is(count(db, 'points_raw'), 10, 'close() wrote pending points');
  assert.is(store.write('h1', T0, cpu(1)), false, 'write after close is refused');
  await store.close(); // idempotent
  assert.is(count(db, 'points_raw'), 10, 'nothing written after close');
  assert.is(store.stats().refused, 1);
  db.close();
  dir.remove();
});

  test(`a batch is written once flushSize points are pending, without waiting for the timer`, async () => {
  const dir = tempDir();
  const { db, store } = open(dir.path, manualClock(T0), { flushSize: 6 });
  store.write('h1', T0, [...cpu(1), { metric: 'mem.usedPercent', key: '', value: 2 }, { metric: 'disk.usedPercent', key: '/', value: 3 }]);
  store.write('h1', T0 + 5000, [...cpu(1), { metric: 'mem.usedPercent', key: '', value: 2 }, { metric: 'disk.usedPercent', key: '/', value: 3 }]);
  // The flush interval is an hour: only the size can have triggered the batch.
  await waitFor('the batch committed', () => store.stats().written === 6, 5000);
  assert.is(count(db, 'points_raw'), 6);
  assert.equal(await store.series('h1'), [
    { metric: 'cpu.usage', key: '' }, { metric: 'disk.usedPercent', key: '/' }, { metric: 'mem.usedPercent', key: '' },
  ]);
  await store.close();
  db.close();
  dir.remove();
});

  test(`a sample delivered twice is stored once`, async () => {
  const dir = tempDir();
  const { db, store } = open(dir.path, manualClock(T0));
  store.write('h1', T0, cpu(5));
  store.write('h1', T0, cpu(5));
  await store.flush();
  assert.is(count(db, 'points_raw'), 1);
  await store.close();
  db.close();
  dir.remove();
});

  test(`rollups match avg/min/max computed from the samples, late samples included`, async () => {
  const dir = tempDir();
  const clock = manualClock(T0 + 2 * HOUR_MS);
  const { db, store } = open(dir.path, clock);
  const next = values(42);
  const samples: Array<[number, number]> = [];
  for (let ts = T0; ts < T0 + 2 * HOUR_MS; ts += 5 * SECOND_MS) {
    const v = next();
    samples.push([ts, v]);
    store.write('h1', ts, cpu(v));
  }
  await store.maintain();
  const q = { host: 'h1', metric: 'cpu.usage' as const, key: '', from: T0, to: T0 + 2 * HOUR_MS };
  let r = await store.history({ ...q, step: MINUTE_MS });
  assert.is(r.tier, '1m');
  assertClose(r.points, expected(samples, T0, T0 + 2 * HOUR_MS, MINUTE_MS), '1m after rollup');

  // An agent back from an outage delivers samples from the first hour, with their old timestamps.
  for (let ts = T0 + 2500; ts < T0 + HOUR_MS; ts += 60 * SECOND_MS) {
    const v = next() + 100; // out of the earlier range, so a missed late sample changes max
    samples.push([ts, v]);
    store.write('h1', ts, cpu(v));
  }
  await store.flush();
  // Before the next rollup, the answer already includes them (read from raw)...
  r = await store.history({ ...q, step: 5 * MINUTE_MS });
  assert.is(r.tier, '1m');
  assertClose(r.points, expected(samples, T0, T0 + 2 * HOUR_MS, 5 * MINUTE_MS), '5m before rollup');
  // ...and after it, from the recomputed rollups, in both tiers.
  await store.maintain();
  r = await store.history({ ...q, step: 5 * MINUTE_MS });
  assertClose(r.points, expected(samples, T0, T0 + 2 * HOUR_MS, 5 * MINUTE_MS), '5m after rollup');
  r = await store.history({ ...q, step: HOUR_MS });
  assert.is(r.tier, '1h');
  assertClose(r.points, expected(samples, T0, T0 + 2 * HOUR_MS, HOUR_MS), '1h after rollup');
  const stored = db.prepare('SELECT ts, sum, count FROM points_1h ORDER BY ts').all() as Array<{ ts: number; sum: number; count: number }>;
  assert.equal(stored.map((h) => h.count), [720 + 60, 720], 'hour rows count every sample, late ones included');
  await store.close();
  db.close();
  dir.remove();
});

  test(`the newest, not yet rolled up minutes are in a 1m answer`, async () => {
  const dir = tempDir();
  const clock = manualClock(T0 + 10 * MINUTE_MS);
  const { db, store } = open(dir.path, clock);
  const samples: Array<[number, number]> = [];
  for (let ts = T0; ts < T0 + 5 * MINUTE_MS; ts += 10 * SECOND_MS) { samples.push([ts, ts % 7]); store.write('h1', ts, cpu(ts % 7)); }
  await store.maintain();
  for (let ts = T0 + 5 * MINUTE_MS; ts < T0 + 10 * MINUTE_MS; ts += 10 * SECOND_MS) { samples.push([ts, ts % 11]); store.write('h1', ts, cpu(ts % 11)); }
  await store.flush();
  const r = await store.history({ host: 'h1', metric: 'cpu.usage', key: '', from: T0, to: T0 + 10 * MINUTE_MS, step: MINUTE_MS });
  assert.is(r.tier, '1m');
  assertClose(r.points, expected(samples, T0, T0 + 10 * MINUTE_MS, MINUTE_MS), 'recent minutes');
  await store.close();
  db.close();
  dir.remove();
});

  test(`retention deletes only rows older than each tier keeps`, async () => {
  const dir = tempDir();
  const clock = manualClock(T0);
  const { db, store } = open(dir.path, clock);
  const written: number[] = [];
  for (let ts = T0 - 47 * HOUR_MS; ts <= T0; ts += 10 * MINUTE_MS) { written.push(ts); store.write('h1', ts, cpu(1)); }
  await store.maintain();
  assert.is(count(db, 'points_raw'), written.length, 'nothing is old yet');

  clock.advance(DAY_MS); // raw now keeps 48 h before T0 + 1 d
  let report = await store.maintain();
  const rawBound = floorTo(clock.now() - retention.raw * 1000, HOUR_MS);
  assert.is(count(db, 'points_raw'), written.filter((ts) => ts >= rawBound).length);
  assert.ok(report.deleted > 0);
  const minutes = new Set(written.map((ts) => floorTo(ts, MINUTE_MS))).size;
  assert.is(count(db, 'points_1m'), minutes, '1m rows are kept 30 days');

  clock.set(T0 + 30 * DAY_MS + 2 * HOUR_MS);
  report = await store.maintain();
  const minuteBound = floorTo(clock.now() - retention.minute * 1000, HOUR_MS);
  assert.is(count(db, 'points_raw'), 0);
  assert.is(count(db, 'points_1m'), new Set(written.filter((ts) => ts >= minuteBound).map((ts) => floorTo(ts, MINUTE_MS))).size);
  assert.is(count(db, 'points_1h'), new Set(written.map((ts) => floorTo(ts, HOUR_MS))).size, '1h rows are kept 400 days');

  // A sample older than raw retention is refused rather than stored and deleted.
  assert.is(store.write('h1', clock.now() - 3 * DAY_MS, cpu(1)), false);
  await store.close();
  db.close();
  dir.remove();
});

  test(`reopening keeps history, and samples not yet rolled up at close still get rolled up`, async () => {
  const dir = tempDir();
  const clock = manualClock(T0 + HOUR_MS);
  let { db, store } = open(dir.path, clock);
  const samples: Array<[number, number]> = [];
  for (let ts = T0; ts < T0 + HOUR_MS; ts += 30 * SECOND_MS) { samples.push([ts, (ts / 1000) % 13]); store.write('h1', ts, cpu((ts / 1000) % 13)); }
  await store.close(); // no rollup ran
  db.close();

  ({ db, store } = open(dir.path, clock));
  await store.maintain();
  assert.is(count(db, 'points_1m'), 60);
  const q = { host: 'h1', metric: 'cpu.usage' as const, key: '', from: T0, to: T0 + HOUR_MS };
  assertClose((await store.history({ ...q, step: 10 * SECOND_MS })).points, expected(samples, T0, T0 + HOUR_MS, 10 * SECOND_MS), 'raw after reopen');
  assertClose((await store.history({ ...q, step: HOUR_MS })).points, expected(samples, T0, T0 + HOUR_MS, HOUR_MS), '1h after reopen');
  assert.equal(await store.series('h1'), [{ metric: 'cpu.usage', key: '' }]);
  await store.close();
  db.close();
  dir.remove();
});

  test(`history answers an unknown series with no points and rejects a bad range`, async () => {
  const dir = tempDir();
  const { db, store } = open(dir.path, manualClock(T0));
  const r = await store.history({ host: 'nobody', metric: 'cpu.usage', key: '', from: T0 - HOUR_MS, to: T0, step: MINUTE_MS });
  assert.equal(r.points, []);
  try {
    await store.history({ host: 'h1', metric: 'cpu.usage', key: '', from: T0, to: T0 - 1, step: MINUTE_MS });
    assert.unreachable('should reject');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'VIGIE_ERR_BAD_RANGE');
  }
  await store.close();
  db.close();
  dir.remove();
});

  test(`a batch that rolled back goes again first, with what came in while it was written, and only then is committed`, async () => {
  const dir = tempDir();
  const { db, store } = open(dir.path, manualClock(T0));
  const commits = store.commits!;
  const rows = () => db.prepare('SELECT ts, value FROM points_raw ORDER BY ts').all() as Array<{ ts: number; value: number }>;
  // A schema trigger, so the write worker's own connection fails too.
  db.exec(`CREATE TRIGGER fail_raw BEFORE INSERT ON points_raw BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END`);
  for (let i = 1; i <= 3; i++) store.write('h1', T0 + i * 1000, [...cpu(i), { metric: 'disk.usedPercent', key: `/d${i}`, value: 10 + i }], i);
  const failing = store.flush().then(() => null, (error: Error) => error);
  await new Promise((r) => setImmediate(r)); // the batch is being written (worker) or has failed (inline)
  store.write('h1', T0 + 4000, cpu(4), 4);
  assert.match((await failing)?.message ?? 'the batch was committed', /simulated write failure/);
  store.write('h2', T0 + 5000, cpu(5), 5);
  assert.is(commits.committed(), 0, 'nothing committed');
  assert.is(commits.committedSeq('h1'), undefined);
  assert.is(store.stats().pending, 8, 'the rolled back points are queued again with the later ones');
  db.exec('DROP TRIGGER fail_raw');
  await store.flush();
  assert.equal(rows(), [
    { ts: T0 + 1000, value: 1 }, { ts: T0 + 1000, value: 11 }, { ts: T0 + 2000, value: 2 }, { ts: T0 + 2000, value: 12 },
    { ts: T0 + 3000, value: 3 }, { ts: T0 + 3000, value: 13 }, { ts: T0 + 4000, value: 4 }, { ts: T0 + 5000, value: 5 },
  ]);
  assert.is(commits.committed(), commits.written(), 'every write committed');
  assert.is(commits.committedSeq('h1'), 4);
  assert.is(commits.committedSeq('h2'), 5);
  assert.equal((await store.series('h1')).length, 4, 'series the rolled back batch created exist once');
  await store.close();
  db.close();
  dir.remove();
});

}

base.run();
