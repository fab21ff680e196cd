import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SeriesPoint } from '../../../../protocol/metric-series.js';
import { PendingSamples } from '../../../../ingest/store/sqlite/pending-samples.js';

interface Read { host: string; ts: number; seq: number | undefined; points: SeriesPoint[] }

/** Everything queued, sample by sample, as the store's encoder reads it. */
function read(q: PendingSamples): Read[] {
  const out: Read[] = [];
  for (let s = 0; s < q.length; s++) {
    const points: SeriesPoint[] = [];
    for (let p = q.from(s); p < q.to(s); p++) points.push({ metric: q.metric(p) as SeriesPoint['metric'], key: q.key(p), value: q.value(p) });
    out.push({ host: q.host(s), ts: q.timestamp(s), seq: q.seq(s), points });
  }
  return out;
}

/** A sample of `n` points, values from `base` (fractions and large integers both). */
function sample(n: number, base: number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => ({ metric: i % 2 ? 'disk.used' : 'disk.usedPercent', key: `/m${i}`, value: base + i + (i % 3) / 4 }));
}

test('samples come back in order with their host, ts, seq (absent or 0 alike) and points, across column growth', () => {
  const q = new PendingSamples();
  const want: Read[] = [];
  // 300 samples of up to 40 points: past the first columns' 64 samples and 1,024 points.
  for (let i = 0; i < 300; i++) {
    const s = { host: `h${i % 7}`, ts: 1_700_000_000_000 + i, seq: i % 5 === 0 ? undefined : i % 5 === 1 ? 0 : 2 ** 40 + i, points: sample(i % 41, i * 1e9) };
    q.push(s.host, s.ts, s.points, s.seq, i + 1);
    want.push(s);
  }
  assert.is(q.length, 300);
  assert.is(q.pointCount, want.reduce((n, s) => n + s.points.length, 0));
  assert.is(q.lastTicket, 300);
  assert.equal(read(q), want);
});

test('a failed batch goes back before what came after it, and clear keeps nothing', () => {
  const batch = new PendingSamples();
  const later = new PendingSamples();
  batch.push('a', 1, sample(3, 10), 1, 1);
  batch.push('b', 2, [], undefined, 2);
  later.push('a', 3, sample(2, 20), 2, 3);
  later.push('c', 4, sample(30, 30), 7, 4);
  const want = [...read(batch), ...read(later)];
  batch.append(later);
  assert.equal(read(batch), want);
  assert.is(batch.lastTicket, 4);
  assert.is(batch.pointCount, 35);
  later.clear(5000);
  assert.is(later.length, 0);
  assert.is(later.pointCount, 0);
  assert.is(later.lastTicket, 0);
  // A cleared queue is reused from its start.
  later.push('d', 5, sample(1, 1), 9, 5);
  assert.equal(read(later), [{ host: 'd', ts: 5, seq: 9, points: sample(1, 1) }]);
});

test('columns grown by a backlog are let go at clear; a normal batch keeps them', () => {
  const q = new PendingSamples();
  const columns = (x: PendingSamples): { points: number; samples: number } => {
    const c = x as unknown as { values: Float64Array; ts: Float64Array };
    return { points: c.values.length, samples: c.ts.length };
  };
  const big = sample(100, 0);
  for (let i = 0; i < 1000; i++) q.push('h', i, big, i, i + 1); // 100,000 points: a backlog
  assert.ok(columns(q).points >= 100_000);
  q.clear(5000);
  assert.ok(columns(q).points < 100_000, `kept ${columns(q).points} points`);
  for (let i = 0; i < 100_000; i++) q.push('h', i, [], i, i + 1); // 100,000 samples without points
  q.clear(5000);
  assert.ok(columns(q).samples < 100_000, `kept ${columns(q).samples} samples`);
  for (let i = 0; i < 100; i++) q.push('h', i, big, i, i + 1); // 10,000 points: twice flushSize
  const grown = columns(q);
  q.clear(5000);
  assert.equal(columns(q), grown);
  assert.equal(read(q), []);
  q.push('h', 1, big, 1, 1);
  assert.equal(read(q), [{ host: 'h', ts: 1, seq: 1, points: big }]);
});

test.run();
