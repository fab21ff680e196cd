import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createForecastSeries, forecastFull, MAX_SERIES_POINTS } from '../../alerts/forecast.js';
import { HOUR_MS } from '../../core/time.js';
import { harness, settingsOf, T0 } from './harness.js';

/** Deterministic noise in [-amp, amp] (an LCG: the same series on every run). */
function noise(seed: number, amp: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 * amp - amp;
}

const within = (actual: number, expected: number, tolerance: number) => Math.abs(actual - expected) <= tolerance * Math.abs(expected);

test('forecastFull: an exact line gives its slope, r² = 1 and the time it reaches 100 %', () => {
  const points = Array.from({ length: 61 }, (_, i) => ({ ts: T0 + i * 60_000, value: 60 + 2 * (i / 60) }));
  const f = forecastFull(points)!;
  assert.ok(within(f.slopePerHour, 2, 1e-9), `slope ${f.slopePerHour}`);
  assert.ok(within(f.r2, 1, 1e-9));
  assert.ok(within(f.fitted, 62, 1e-9));
  assert.ok(within(f.hoursToFull!, 19, 1e-9));
  assert.is(f.fullAt, T0 + 20 * HOUR_MS);
  assert.is(f.points, 61);
  assert.ok(within(f.spanHours, 1, 1e-12));
});

test('forecastFull: flat and shrinking series never reach full; fewer than 2 times is no forecast', () => {
  const flat = forecastFull(Array.from({ length: 30 }, (_, i) => ({ ts: T0 + i * 60_000, value: 70 })))!;
  assert.is(flat.slopePerHour, 0);
  assert.is(flat.hoursToFull, null);
  assert.is(flat.fullAt, null);
  const down = forecastFull(Array.from({ length: 30 }, (_, i) => ({ ts: T0 + i * 60_000, value: 90 - i * 0.1 })))!;
  assert.ok(down.slopePerHour < 0);
  assert.is(down.hoursToFull, null);
  assert.is(forecastFull([{ ts: T0, value: 1 }]), null);
  assert.is(forecastFull([{ ts: T0, value: 1 }, { ts: T0, value: 2 }]), null);
});

test('forecastFull: a noisy rising series (±1.5 points around +2 %/h) fits within tolerance', () => {
  const n = noise(42, 1.5);
  const points = Array.from({ length: 361 }, (_, i) => ({ ts: T0 + i * 60_000, value: 60 + 2 * (i / 60) + n() }));
  const f = forecastFull(points)!;
  assert.ok(within(f.slopePerHour, 2, 0.05), `slope ${f.slopePerHour}`);
  assert.ok(f.r2 > 0.8 && f.r2 < 1, `r² ${f.r2}`);
  assert.ok(within(f.fullAt! - T0, 20 * HOUR_MS, 0.05), `full after ${(f.fullAt! - T0) / HOUR_MS} h`);
});

test('the series keeps at most one bucket per window/360 and drops what is older than the window', () => {
  const s = createForecastSeries();
  const windowMs = 6 * HOUR_MS;
  for (let i = 0; i < 12 * 360; i++) s.add(T0 + i * 10_000, 50, windowMs); // 12 h at 10 s
  assert.ok(s.size <= MAX_SERIES_POINTS + 1, `size ${s.size}`);
  const pts = s.points();
  const newest = T0 + (12 * 360 - 1) * 10_000;
  assert.ok(pts[0]!.ts >= newest - windowMs - 60_000, 'oldest point within the window');
  assert.ok(pts.every((p, i) => i === 0 || p.ts > pts[i - 1]!.ts), 'in time order');
  s.add(T0 + 11 * HOUR_MS + 30_000, 90, windowMs); // a late sample lands in its own minute
  assert.ok(s.points().some((p) => p.value > 50 && p.value < 90), 'averaged into its bucket');
  s.add(T0, 99, windowMs); // far older than the window: ignored
  assert.ok(s.points().every((p) => p.value < 99));
});

test('a window shortened, then widened again: old buckets go, points stay in time order, and the fit follows', () => {
  const s = createForecastSeries();
  for (let i = 0; i <= 6 * 60; i++) s.add(T0 + i * 60_000, 50 + i / 60, 6 * HOUR_MS); // 6 h, +1 %/h
  assert.ok(s.size > 300, `about one bucket a minute: ${s.size}`);
  const newest = T0 + 6 * HOUR_MS;
  s.add(newest + 10_000, 56, HOUR_MS); // the window is now 1 h: 10 s buckets
  const pts = s.points();
  assert.ok(pts[0]!.ts >= newest - HOUR_MS - 60_000, `nothing older than the new window (oldest ${(newest - pts[0]!.ts) / 60_000} min)`);
  assert.ok(pts.every((p, i) => i === 0 || p.ts > pts[i - 1]!.ts), 'in time order');
  assert.ok(Math.abs(s.fit()!.slopePerHour - 1) < 0.05, `slope ${s.fit()!.slopePerHour}`);
  for (let i = 1; i <= 400; i++) s.add(newest + i * 60_000, 56 + i / 60, 6 * HOUR_MS); // widened again
  assert.ok(s.size <= MAX_SERIES_POINTS + 1, `size ${s.size}`);
  assert.ok(Math.abs(s.fit()!.slopePerHour - 1) < 0.05, `slope ${s.fit()!.slopePerHour}`);
});

test('a series fits in place exactly as forecastFull over its points', () => {
  const s = createForecastSeries();
  assert.is(s.fit(), null, 'no fit without two points');
  for (let i = 0; i < 500; i++) s.add(T0 + i * 37_000, 40 + i * 0.01 + (i % 7) * 0.3, 6 * HOUR_MS);
  assert.equal(s.fit(), forecastFull(s.points()));
  assert.equal(s.fit(90), forecastFull(s.points(), 90));
});

test('a refit is due once a bucket is added or a bucket width (window / 360) has passed, not at every sample', () => {
  const s = createForecastSeries();
  const window = 6 * HOUR_MS; // buckets of 60 s
  const start = Math.ceil(T0 / 60_000) * 60_000; // a bucket's first ms
  s.add(start, 40, window);
  assert.ok(s.refitDue(), 'never fitted');
  s.fit();
  for (let ms = 500; ms < 60_000; ms += 500) {
    s.add(start + ms, 40 + ms / 60_000, window);
    assert.not.ok(s.refitDue(), `same bucket, ${ms} ms after the fit`);
  }
  s.add(start + 60_000, 41, window); // a new bucket
  assert.ok(s.refitDue());
  s.fit();
  // The window full: buckets come and go in step, the count stays; time alone makes a refit due.
  for (let i = 2; i <= 400; i++) s.add(start + i * 60_000, 40 + i / 60, window);
  s.fit();
  const size = s.size;
  s.add(start + 400 * 60_000 + 30_000, 47, window);
  assert.is(s.size, size);
  assert.not.ok(s.refitDue(), 'half a bucket later');
  s.add(start + 401 * 60_000 + 1, 47, window);
  assert.ok(s.refitDue(), 'a bucket width later');
});

test('samples every 0.5 s: the forecast alert fires within a bucket width of a fill that crosses the horizon', () => {
  const h = harness(settingsOf({ defaults: { diskForecast: { windowHours: 1, minPoints: 30, horizonHours: 24 } } })); // buckets of 10 s
  const start = h.now;
  let fired: number | undefined;
  for (let i = 0; i < 2 * 60 * 10 && fired === undefined; i++) {
    h.engine.sample('h', { v: 1, ts: h.now, disks: [{ mount: '/', fs: 'ext4', total: 1e9, used: 1, free: 1, usedPercent: 40 + 10 * ((h.now - start) / HOUR_MS) }] });
    fired = h.events.find((e) => e.alert.rule === 'disk_forecast:/')?.at;
    h.advance(0.5);
  }
  assert.ok(fired !== undefined, 'fires');
  // 30 buckets of 10 s are needed (minPoints): the 30th starts at 290 s; refitted at its first sample.
  assert.ok(fired! - start >= 290_000 && fired! - start <= 300_000, `fired ${(fired! - start) / 1000} s after the first sample`);
});

/** Feeds one disk sample a minute on mount '/' for `hours`, value from `at(hours)`; returns the clock of each fire. */
function fill(h: ReturnType<typeof harness>, hours: number, at: (hoursFromStart: number) => number): void {
  const start = h.now;
  for (let m = 0; m <= hours * 60; m++) {
    h.engine.sample('h', { v: 1, ts: h.now, disks: [{ mount: '/', fs: 'ext4', total: 1e9, used: 1, free: 1, usedPercent: at((h.now - start) / HOUR_MS) }] });
    h.advance(60);
  }
}

test('a linear fill of +2 %/h from 60 % fires disk_forecast:/ once enough points exist, with the right predicted time', () => {
  const h = harness();
  fill(h, 3, (x) => 60 + 2 * x);
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning']);
  const fired = h.events.find((e) => e.alert.rule === 'disk_forecast:/')!;
  assert.is(fired.at, T0 + 29 * 60_000, 'fires at the 30th point (minPoints)');
  const a = h.activeOf('disk_forecast:/')!;
  assert.ok(within(a.forecast!.fullAt! - T0, 20 * HOUR_MS, 0.05), `full after ${(a.forecast!.fullAt! - T0) / HOUR_MS} h`);
  assert.ok(within(a.value!, 17, 0.05), `hours to full ${a.value}`);
  assert.is(a.unit, 'hours');
  assert.is(a.threshold, 24);
  assert.equal(a.metric, { metric: 'disk.usedPercent', key: '/' });
  assert.equal(h.kinds('disk:/'), [], 'the disk itself is not yet over its threshold');
});

test('a slow fill (full in ~40 h) is not predicted within 24 h', () => {
  const h = harness();
  fill(h, 6, (x) => 60 + 1 * x);
  assert.equal(h.kinds('disk_forecast:/'), []);
});

test('a flat or decreasing series never fires, even noisy', () => {
  const h = harness();
  const n = noise(3, 0.5);
  fill(h, 12, () => 80 + n());
  const g = harness();
  fill(g, 12, (x) => 90 - 0.5 * x);
  assert.equal(h.kinds('disk_forecast:/'), []);
  assert.equal(g.kinds('disk_forecast:/'), []);
});

test('a noisy rising series fires, and resolves once the disk is cleaned and the trend turns', () => {
  const h = harness();
  const n = noise(11, 1.5);
  fill(h, 4, (x) => 60 + 2 * x + n());
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning']);
  const slope = h.activeOf('disk_forecast:/')!.forecast!.slopePerHour;
  assert.ok(within(slope, 2, 0.15), `slope ${slope}`);
  fill(h, 3, () => 40 + n()); // cleaned up to 40 %
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning', 'resolved:warning']);
});

test('forecast hysteresis: it resolves only once full is predicted past 1.25 × the horizon', () => {
  const h = harness();
  fill(h, 2, (x) => 60 + 2 * x); // ends near 64 %: full in ~18 h
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning']);
  const hours = h.activeOf('disk_forecast:/')!.value!;
  assert.ok(hours > 17.5 && hours < 18.5, `hours to full ${hours}`);
  h.setSettings(settingsOf({ defaults: { diskForecast: { horizonHours: 16 } } })); // 18 h is past 16 h but within 20 h
  h.engine.tick();
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning'], 'kept between the horizon and 1.25 × it');
  const fresh = harness(settingsOf({ defaults: { diskForecast: { horizonHours: 16 } } }));
  fill(fresh, 2, (x) => 60 + 2 * x);
  assert.equal(fresh.kinds('disk_forecast:/'), [], 'but a new alert needs the horizon itself');
  h.setSettings(settingsOf({ defaults: { diskForecast: { horizonHours: 14 } } })); // 18 h > 17.5 h
  h.engine.tick();
  assert.equal(h.kinds('disk_forecast:/'), ['firing:warning', 'resolved:warning']);
});

test('per-host forecast horizon and minimum points, and disabling it', () => {
  const h = harness(settingsOf({ hosts: { h: { diskForecast: { horizonHours: 48, minPoints: 60 } }, off: { diskForecast: { enabled: false } } } }));
  const start = h.now;
  for (let m = 0; m <= 120; m++) {
    for (const host of ['h', 'off']) {
      h.engine.sample(host, { v: 1, ts: h.now, disks: [{ mount: '/', fs: 'ext4', total: 1, used: 1, free: 0, usedPercent: 40 + 1.5 * ((h.now - start) / HOUR_MS) }] });
    }
    h.advance(60);
  }
  const fired = h.events.find((e) => e.alert.rule === 'disk_forecast:/' && e.alert.host === 'h');
  assert.ok(fired, 'full in ~40 h is within a 48 h horizon');
  assert.is(fired!.at, start + 59 * 60_000, 'only after 60 points');
  assert.equal(h.kinds('disk_forecast:/', 'off'), []);
});

test.run();
