/**
 * `vigie history copy --to influx` run as a child process against a real
 * influxd 1.6 and a vigie.db made by the real SQLite store (3 days of
 * samples for 2 hosts, rolled up and trimmed by its own maintenance): what
 * lands in InfluxDB per tier, a second run adds nothing, an interrupted copy
 * resumes, and the exit codes of an unreachable InfluxDB and a bad config.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HOUR_MS, MINUTE_MS, floorTo } from '../../core/time.js';
import { CHECKPOINT_FILE } from '../../ingest/store/influx/copy.js';
import { openDatabase } from '../../ingest/store/sqlite/database.js';
import { startSqliteMetricStore } from '../../ingest/store/sqlite/sqlite-metric-store.js';
import type { SeriesPoint } from '../../protocol/metric-series.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { haveInfluxd, rows, startInfluxd, type InfluxdHandle } from '../helpers/influx.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const env = { ...process.env, VIGIE_CONFIG: '', VIGIE_LOG_LEVEL: 'error' };
/** Raw kept 24 h and 1m rollups 48 h, so 3 days of samples leave rows in all three tiers. */
const retention = { raw: 24 * 3600, minute: 48 * 3600, hour: 400 * 86_400 };
const NOW = floorTo(Date.now(), HOUR_MS) - 3 * HOUR_MS + 23 * MINUTE_MS + 17;
const START = NOW - 72 * HOUR_MS;
const HOSTS = ['alpha', 'beta'];

/** Every Vigie series of the data: [measurement, field, key tag, key]. */
const SERIES: Array<{ metric: SeriesPoint['metric']; measurement: string; field: string; tag?: string; key: string }> = [
  { metric: 'cpu.usage', measurement: 'cpu', field: 'usage', key: '' },
  { metric: 'cpu.load1', measurement: 'cpu', field: 'load1', key: '' },
  { metric: 'mem.usedPercent', measurement: 'mem', field: 'usedPercent', key: '' },
  { metric: 'disk.usedPercent', measurement: 'disk', field: 'usedPercent', tag: 'mount', key: '/' },
  { metric: 'net.rxRate', measurement: 'net', field: 'rxRate', tag: 'iface', key: 'eth0' },
];

if (haveInfluxd()) {
  let server: InfluxdHandle;
  const data = tempDir('vigie-history-copy-');
  /** Expected InfluxDB points per series, from the SQLite tiers: host|metric → count. */
  const expected = new Map<string, number>();
  let expectedLines = 0;

  /** A config file for one InfluxDB database; retries short so failures come fast. */
  function configFile(name: string, influx: Record<string, unknown>): string {
    const path = join(data.path, `${name}.json`);
    writeFileSync(path, JSON.stringify({ ingest: { influx: { retryDelay: 0.05, maxRetryDelay: 0.2, ...influx } } }));
    return path;
  }
  const copy = (args: string[]) =>
    spawnSync(process.execPath, [main, 'history', ...args, '--data-dir', data.path], { encoding: 'utf8', env, timeout: 30_000 });

  /** InfluxDB points per series in `db`: host|metric → count of the field. */
  async function influxCounts(db: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of SERIES) {
      const json = await server.query(`SELECT count("${s.field}") FROM "${s.measurement}" GROUP BY "host"`, db);
      for (const series of json.results[0]?.series ?? []) out.set(`${series.tags?.host}|${s.metric}`, Number(series.values[0]?.[1]));
    }
    return out;
  }

  test.before(async () => {
    server = await startInfluxd({ databases: ['full', 'resume', 'partial'] });
    // The real store with an injected clock: samples every ~2 min over 3 days, maintenance every simulated hour.
    let now = START;
    const db = openDatabase(data.path);
    const store = startSqliteMetricStore({ db, retention, flushInterval: 60, flushSize: 100_000, clock: { now: () => now } });
    let nextMaintenance = START + HOUR_MS;
    for (let i = 0; START + i * 120_000 < NOW; i++) {
      const ts = START + i * 120_000 + ((i * 7919) % 50_000);
      now = ts;
      HOSTS.forEach((host, h) => {
        const v = 50 + 40 * Math.sin(i / 29 + h) + (i % 7) / 3;
        assert.ok(store.write(host, ts, SERIES.map((s, k) => ({ metric: s.metric, key: s.key, value: v * (k + 1) + h }))));
      });
      if (ts >= nextMaintenance) {
        await store.maintain({ retention: true });
        nextMaintenance += HOUR_MS;
      }
    }
    now = NOW;
    await store.maintain({ retention: true });
    await store.close();
    db.close();

    // What the copy must write, from the tiers as they are: every raw sample, 1m buckets before the
    // minute of the first raw sample, 1h buckets before the hour of the first 1m bucket.
    const check = new BetterSqlite3(join(data.path, 'vigie.db'), { readonly: true });
    for (const row of check.prepare('SELECT id, host, metric FROM series').all() as Array<{ id: number; host: string; metric: string }>) {
      const one = (sql: string, ...p: number[]) => (check.prepare(sql).get(row.id, ...p) as { n: number }).n;
      const minRaw = one('SELECT min(ts) AS n FROM points_raw WHERE series_id = ?');
      const min1m = one('SELECT min(ts) AS n FROM points_1m WHERE series_id = ?');
      const n =
        one('SELECT count(*) AS n FROM points_raw WHERE series_id = ?') +
        one('SELECT count(*) AS n FROM points_1m WHERE series_id = ? AND ts < ?', floorTo(minRaw, MINUTE_MS)) +
        one('SELECT count(*) AS n FROM points_1h WHERE series_id = ? AND ts < ?', floorTo(Math.min(minRaw, min1m), HOUR_MS));
      expected.set(`${row.host}|${row.metric}`, n);
    }
    check.close();
    assert.is(expected.size, HOSTS.length * SERIES.length);
    // Fields of one measurement share their timestamps here: one line per sample of each of cpu, mem, disk, net.
    expectedLines = HOSTS.length * 4 * (expected.get('alpha|cpu.usage') as number);
  });

  test.after(async () => {
    await server?.stop();
    data.remove();
  });

  test('the store left rows in all three tiers', () => {
    const check = new BetterSqlite3(join(data.path, 'vigie.db'), { readonly: true });
    const count = (t: string) => (check.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    const tiers = { raw: count('points_raw'), m: count('points_1m'), h: count('points_1h') };
    check.close();
    assert.ok(tiers.raw > 1000 && tiers.m > 1000 && tiers.h > 300, JSON.stringify(tiers));
  });

  test('copies raw samples, 1m then 1h means, one line per timestamp, and exits 0 with a summary', async () => {
    const run = copy(['copy', '--to', 'influx', '-c', configFile('full', { url: server.url, database: 'full' })]);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^copied ${expectedLines} points of 8 series in [\\d.]+ s \\(\\d+ points/s\\)\\n$`));
    assert.match(run.stderr, /into InfluxDB http:\/\/127\.0\.0\.1:\d+ \(v1, database full\)/);
    assert.equal(await influxCounts('full'), expected);
    assert.not.ok(existsSync(join(data.path, CHECKPOINT_FILE)), 'no checkpoint left after a complete copy');

    // Values: a raw sample as is, a 1m and a 1h bucket as their mean at the bucket start.
    const sqlite = new BetterSqlite3(join(data.path, 'vigie.db'), { readonly: true });
    const id = (sqlite.prepare("SELECT id FROM series WHERE host = 'beta' AND metric = 'disk.usedPercent'").get() as { id: number }).id;
    const raw = sqlite.prepare('SELECT ts, value FROM points_raw WHERE series_id = ? ORDER BY ts LIMIT 1 OFFSET 100').get(id) as { ts: number; value: number };
    const minRaw = (sqlite.prepare('SELECT min(ts) AS ts FROM points_raw WHERE series_id = ?').get(id) as { ts: number }).ts;
    const minute = sqlite.prepare('SELECT ts, sum, count FROM points_1m WHERE series_id = ? AND ts < ? AND count > 0 ORDER BY ts DESC LIMIT 1').get(id, floorTo(minRaw, MINUTE_MS)) as { ts: number; sum: number; count: number };
    const min1m = (sqlite.prepare('SELECT min(ts) AS ts FROM points_1m WHERE series_id = ?').get(id) as { ts: number }).ts;
    const hour = sqlite.prepare('SELECT ts, sum, count FROM points_1h WHERE series_id = ? AND ts < ? AND count > 1 ORDER BY ts LIMIT 1').get(id, min1m) as { ts: number; sum: number; count: number };
    sqlite.close();
    assert.ok(hour.count > 1, 'an hour bucket that averages several samples');
    const at = async (ts: number) => rows(await server.query(`SELECT "usedPercent" FROM "disk" WHERE "host" = 'beta' AND "mount" = '/' AND time = ${ts}ms`, 'full'));
    assert.equal(await at(raw.ts), [[raw.ts, raw.value]]);
    const m = (await at(minute.ts))[0] as [number, number];
    assert.ok(Math.abs(m[1] - minute.sum / minute.count) < 1e-9, `1m mean ${m[1]} vs ${minute.sum / minute.count}`);
    const h = (await at(hour.ts))[0] as [number, number];
    assert.ok(Math.abs(h[1] - hour.sum / hour.count) < 1e-9, `1h mean ${h[1]} vs ${hour.sum / hour.count}`);
    assert.equal(await at(hour.ts + 1), [], 'a rollup is one point at its bucket start');
  });

  test('run twice: the same points overwrite themselves, no duplicates', async () => {
    const again = copy(['copy', '--to', 'influx', '-c', join(data.path, 'full.json')]);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^copied ${expectedLines} points`));
    assert.equal(await influxCounts('full'), expected);
    const series = await server.query('SHOW SERIES', 'full');
    assert.is(rows(series).length, 8, 'one InfluxDB series per host and measurement/key');
  });

  test('interrupted with SIGINT: exits 130 keeping a checkpoint; the next run resumes and completes', async () => {
    const cfg = configFile('resume', { url: server.url, database: 'resume' });
    const checkpoint = join(data.path, CHECKPOINT_FILE);
    // Small chunks make the copy take a while: there is time to interrupt it once the first is saved.
    const child = spawn(process.execPath, [main, 'history', 'copy', '--to', 'influx', '-c', cfg, '--data-dir', data.path, '--chunk', '10'], { env });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('a first checkpoint', () => existsSync(checkpoint), 20_000, 5);
    child.kill('SIGINT');
    assert.is(await exited, 130, stderr);
    assert.match(stderr, /stopped after \d+ points .* run the same command again to resume/);
    assert.ok(existsSync(checkpoint), 'the checkpoint is kept');
    const partial = await influxCounts('resume');
    assert.ok([...partial.values()].reduce((a, b) => a + b, 0) < [...expected.values()].reduce((a, b) => a + b, 0), 'stopped midway');

    const resumed = copy(['copy', '--to', 'influx', '-c', cfg]);
    assert.is(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming from .*history-copy\.json/);
    const n = Number(/^copied (\d+) points/.exec(resumed.stdout)?.[1]);
    assert.ok(n > 0 && n < expectedLines, `the resumed run wrote only the rest (${n} of ${expectedLines})`);
    assert.equal(await influxCounts('resume'), expected);
    assert.not.ok(existsSync(checkpoint), 'the checkpoint is removed at the end');
  });

  test('--from copies only what is stamped at or after it', async () => {
    const from = NOW - 12 * HOUR_MS;
    const run = copy(['copy', '--to', 'influx', '-c', configFile('partial', { url: server.url, database: 'partial' }), '--from', new Date(from).toISOString()]);
    assert.is(run.status, 0, run.stderr);
    const first = rows(await server.query(`SELECT first("usage") FROM "cpu" WHERE "host" = 'alpha'`, 'partial'))[0] as [number, number];
    assert.ok(first[0] >= from && first[0] < from + 5 * MINUTE_MS, `first point at ${first[0]}, from ${from}`);
    const sqlite = new BetterSqlite3(join(data.path, 'vigie.db'), { readonly: true });
    const want = (sqlite.prepare("SELECT count(*) AS n FROM points_raw JOIN series ON id = series_id WHERE host = 'alpha' AND metric = 'cpu.usage' AND ts >= ?").get(from) as { n: number }).n;
    sqlite.close();
    assert.is((await influxCounts('partial')).get('alpha|cpu.usage'), want);
  });

  test('InfluxDB unreachable: exit 1 naming the URL and API, never the password', async () => {
    const port = await freePort();
    const cfg = configFile('down', { url: `http://127.0.0.1:${port}`, database: 'full', username: 'vigie', password: 'very-secret-pw' });
    const run = copy(['copy', '--to', 'influx', '-c', cfg, '--retries', '3']);
    assert.is(run.status, 1, run.stderr);
    const said = new RegExp(`InfluxDB http://127\\.0\\.0\\.1:${port} \\(v1, database full\\) unreachable: (\\d+) attempts failed in a row \\(--retries 3\\): .*ECONNREFUSED`).exec(run.stderr);
    assert.ok(said, run.stderr);
    assert.ok(Number(said![1]) >= 3, `it gives up only once 3 attempts failed (said ${said![1]})`);
    assert.not.match(run.stderr + run.stdout, /very-secret-pw/);
  });

  test('InfluxDB refusing the points (unknown database): exit 1 with its answer', () => {
    const run = copy(['copy', '--to', 'influx', '-c', configFile('nodb', { url: server.url, database: 'missing' })]);
    assert.is(run.status, 1, run.stderr);
    assert.match(run.stderr, /\(v1, database missing\) refused \d+ points: InfluxDB answered 404: .*database not found/);
  });

  test('usage and configuration errors: exit 2 naming the key or option', () => {
    const v2 = copy(['copy', '--to', 'influx', '-c', configFile('v2', { api: 'v2', url: server.url })]);
    assert.is(v2.status, 2, v2.stderr);
    assert.match(v2.stderr, /ingest\.influx\.token: required when ingest\.influx\.api is "v2"/);
    const badUrl = copy(['copy', '--to', 'influx', '-c', configFile('url', { url: 'ftp://x' })]);
    assert.is(badUrl.status, 2);
    assert.match(badUrl.stderr, /ingest\.influx\.url/);
    const noTo = copy(['copy']);
    assert.is(noTo.status, 2);
    assert.match(noTo.stderr, /--to: expected "influx"/);
    const badFrom = copy(['copy', '--to', 'influx', '--from', 'yesterday-ish']);
    assert.is(badFrom.status, 2);
    assert.match(badFrom.stderr, /--from: expected an ISO date/);
    const empty = tempDir();
    mkdirSync(join(empty.path, 'sub'));
    const noDb = spawnSync(process.execPath, [main, 'history', 'copy', '--to', 'influx', '--data-dir', join(empty.path, 'sub')], { encoding: 'utf8', env });
    empty.remove();
    assert.is(noDb.status, 2, noDb.stderr);
    assert.match(noDb.stderr, /vigie\.db: no history database here \(check --data-dir\)/);
  });

  test.run();
}
