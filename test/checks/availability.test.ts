import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { errorBudget } from '../../checks/availability.js';
import type { Availability, DailyAvailability } from '../../checks/types.js';
import { DAY_MS, HOUR_MS, floorTo, type Clock } from '../../core/time.js';
import type { IngestConfig } from '../../ingest/config.js';
import { startIngest } from '../../ingest/index.js';
import type { IngestHandle } from '../../ingest/types.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { haveInfluxd, startInfluxd } from '../helpers/influx.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { ingestConfig } from '../ingest/fixtures.js';
import { checkResult, outageSequence, publishResults, rolledSamples } from './results-fixtures.js';
import type { CheckResultPayload } from '../../protocol/schemas/check.js';

/**
 * Availability from the stored check.up series, through the real ingest on a
 * real broker, with SQLite and with a real InfluxDB: the same results give
 * the same numbers.
 */

// The most recent noon (UTC) before now: "today" has 12 hours of results behind it, whenever the suite runs.
const NOW = floorTo(Date.now() - 12 * HOUR_MS, DAY_MS) + 12 * HOUR_MS;
const TODAY = floorTo(NOW, DAY_MS);

/** r1: yesterday all up (every 30 min), today half down; r2: today only, all up. */
function dailySequence(): { r1: CheckResultPayload[]; r2: CheckResultPayload[] } {
  const r1: CheckResultPayload[] = [];
  const r2: CheckResultPayload[] = [];
  for (let i = 0; i < 48; i++) r1.push(checkResult(TODAY - DAY_MS + i * 30 * 60_000, 'up'));
  for (let i = 0; i < 24; i++) {
    const ts = TODAY + i * 30 * 60_000;
    r1.push(checkResult(ts, i % 2 === 0 ? 'up' : 'down'));
    r2.push(checkResult(ts, 'up'));
  }
  return { r1, r2 };
}

interface Measured {
  outage: Availability;
  /** The tier that answers the outage's range. */
  tier: string;
  daily: DailyAvailability[];
  range: { from: number; to: number; expected: number };
}

/**
 * Starts a broker and an ingest on `store`, publishes both sequences as runners do, and measures. With
 * `laterBy`, the clock then moves on that much (SQLite: once the rollups ran) and the outage is measured again.
 */
async function measure(overrides: Partial<IngestConfig>, laterBy?: number): Promise<Measured> {
  let now = NOW;
  const clock: Clock = { now: () => now };
  const broker = await startTestBroker();
  const dir = tempDir();
  let ingest: IngestHandle | undefined;
  const clients: MqttClient[] = [];
  try {
    ingest = await startIngest({ ingest: ingestConfig(broker.url, overrides), dataDir: dir.path, prefix: 'vigie' }, { clock, maintenanceInterval: 0.2 });
    // 23 minutes off the hour: hour buckets at the range's edges are partly filled, so they must weigh by count.
    const seq = outageSequence(NOW - 23 * 60_000);
    const days = dailySequence();
    const r1 = await connectClient(broker.url, { clientId: 'vigie-agent-r1' });
    const r2 = await connectClient(broker.url, { clientId: 'vigie-agent-r2' });
    clients.push(r1, r2);
    await waitFor('ingest subscribed', () => ingest!.stats().connected);
    let seen = 0;
    ingest.bus.on('test', 'check', () => void (seen += 1));
    await publishResults(r1, 'r1', 'web', seq.results);
    await publishResults(r1, 'r1', 'site', days.r1);
    await publishResults(r2, 'r2', 'site', days.r2);
    const total = seq.results.length + days.r1.length + days.r2.length;
    await waitFor(`${total} results`, () => seen === total, 30_000);
    await ingest.flush();
    let outage = await ingest.checks!.availability({ check: 'web', runners: ['r1'], from: seq.from, to: seq.to });
    const daily = await ingest.checks!.daily({ check: 'site', runners: ['r1', 'r2'], days: 3 });
    if (laterBy !== undefined) {
      // Every result rolled up before the clock jumps: past the raw retention, nothing is rolled up any more.
      if (overrides.store !== 'influx') await waitFor('1h rollups of every result', () => rolledSamples(dir.path, 'points_1h', 'r1', 'check.up', 'web') === seq.results.length, 20_000);
      now += laterBy;
      outage = await ingest.checks!.availability({ check: 'web', runners: ['r1'], from: seq.from, to: seq.to });
    }
    const { tier } = await ingest.history({ host: 'r1', metric: 'check.up', key: 'web', from: seq.from, to: seq.to, step: 60_000 });
    return { outage, daily, range: seq, tier };
  } finally {
    for (const c of clients) c.end(true);
    await ingest?.close();
    await broker.close();
    dir.remove();
  }
}

let sqlite: Measured | undefined;
let sqliteHourly: Measured | undefined;
/** 1-minute rollups kept 49 h: 52 h later, past the raw and 1m retentions, the range is answered from the 1h tier. */
const HOURLY: Partial<IngestConfig> = { retention: { raw: 48 * 3600, minute: 49 * 3600, hour: 400 * 86_400 } };
const LATER = 52 * HOUR_MS;

test('SQLite: a 10-minute outage in 2 h of 10-second results reads 91.7 %', async () => {
  sqlite = await measure({});
  const { outage, range } = sqlite;
  assert.ok(outage.percent !== null && Math.abs(outage.percent - 91.7) < 0.5, `got ${outage.percent}`);
  assert.ok(Math.abs((outage.percent ?? 0) - range.expected) < 1e-9, 'exact: 660 of 720');
  assert.equal({ from: outage.from, to: outage.to }, { from: range.from, to: range.to });
  assert.is(sqlite.tier, '1m');
});

test('SQLite: the same from the 1h tier, whose edge buckets are partly filled: weighted by result count', async () => {
  sqliteHourly = await measure(HOURLY, LATER);
  assert.is(sqliteHourly.tier, '1h');
  const p = sqliteHourly.outage.percent;
  assert.ok(p !== null && Math.abs(p - 91.7) < 0.5, `got ${p}`);
  assert.ok(Math.abs((p ?? 0) - sqliteHourly.range.expected) < 1e-9, 'exact: 660 of 720');
});

test('SQLite: daily bars, oldest first, one per UTC day: no data is null, the mean of runners and the worst one', () => {
  const daily = sqlite!.daily;
  assert.equal(daily.map((d) => d.day), [TODAY - 2 * DAY_MS, TODAY - DAY_MS, TODAY]);
  assert.equal(daily[0], { day: TODAY - 2 * DAY_MS, percent: null, worst: null }, 'a day without results is null, not 100 %');
  assert.equal(daily[1], { day: TODAY - DAY_MS, percent: 100, worst: 100 }, 'yesterday: only r1, always up');
  assert.equal(daily[2], { day: TODAY, percent: 75, worst: 50 }, 'today: r1 half down, r2 up');
});

if (haveInfluxd()) {
  test('InfluxDB gives the same availability and daily bars as SQLite', async () => {
    const server = await startInfluxd({ databases: ['vigie'] });
    try {
      const influx = await measure({ store: 'influx', influx: { url: server.url, database: 'vigie', flushInterval: 0.05 } as never });
      assert.ok(influx.outage.percent !== null && Math.abs(influx.outage.percent - 91.7) < 0.5, `got ${influx.outage.percent}`);
      assert.ok(Math.abs((influx.outage.percent ?? 0) - (sqlite!.outage.percent ?? -1)) < 1e-9, `same as SQLite: ${influx.outage.percent} vs ${sqlite!.outage.percent}`);
      assert.equal(influx.daily, sqlite!.daily);
      const hourly = await measure({ ...HOURLY, store: 'influx', influx: { url: server.url, database: 'vigie', flushInterval: 0.05 } as never }, LATER);
      assert.is(hourly.tier, 'raw', 'InfluxDB aggregates raw points');
      assert.ok(Math.abs((hourly.outage.percent ?? 0) - (sqliteHourly!.outage.percent ?? -1)) < 1e-9, `1h steps: ${hourly.outage.percent} vs ${sqliteHourly!.outage.percent}`);
    } finally {
      await server.stop();
    }
  });
}

test('error budget: allowed and used down time over the window, and what is left', () => {
  const month = 30 * DAY_MS;
  assert.equal(errorBudget(99.9, 99.95, month), { target: 99.9, allowedSeconds: 2592, usedSeconds: 1296, leftPercent: 50 });
  assert.equal(errorBudget(98, 100, month), { target: 98, allowedSeconds: 51_840, usedSeconds: 0, leftPercent: 100 });
  const over = errorBudget(99, 97, DAY_MS);
  assert.is(over.allowedSeconds, 864);
  assert.is(over.usedSeconds, 2592);
  assert.is(over.leftPercent, -200, 'overspent: negative');
  assert.equal(errorBudget(99, null, DAY_MS), { target: 99, allowedSeconds: 864, usedSeconds: 0, leftPercent: null }, 'no data: unknown, not full');
  assert.is(errorBudget(100, 100, DAY_MS).leftPercent, 100, 'a 100 % target never down');
  assert.is(errorBudget(100, 99.99, DAY_MS).leftPercent, -100, 'a 100 % target down at all: spent');
});

test.run();
