/** The check scheduler on an injected clock: jitter bounds, the concurrency cap, skip-on-overrun, timeouts, restarts. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCheckScheduler, firstDelayMs, nextDelayMs, type Timers } from '../../../agent/checks/scheduler.js';
import type { CheckSpec } from '../../../protocol/payloads.js';

/** Timers on a manual clock: `advance` fires what falls due, in time order, letting promises settle in between. */
function manualTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i += 1) await Promise.resolve();
  };
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      seq += 1;
      pending.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return {
    timers,
    clock: { now: () => now },
    async advance(ms: number): Promise<void> {
      const end = now + ms;
      for (;;) {
        await flush();
        const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
      await flush();
    },
  };
}

const spec = (id: string, extra: Partial<CheckSpec> = {}): CheckSpec => ({ id, kind: 'tcp', target: '127.0.0.1', port: 1, interval: 10, timeout: 5, ...extra });

/** A run that ends when the test says so. */
function controllable() {
  const runs: Array<{ id: string; at: number; signal: AbortSignal; end: (v: string) => void }> = [];
  return { runs };
}

test('jitter bounds: first run in [0, min(interval, 10 s)), then interval ± 10 %', () => {
  assert.is(firstDelayMs(60, () => 0), 0);
  assert.ok(firstDelayMs(60, () => 0.999999) < 10_000);
  assert.ok(firstDelayMs(10, () => 0.999999) < 10_000);
  assert.is(firstDelayMs(10, () => 0.5), 5000);
  assert.is(nextDelayMs(60, () => 0), 54_000);
  assert.is(nextDelayMs(60, () => 0.5), 60_000);
  assert.ok(nextDelayMs(60, () => 0.999999) <= 66_000 && nextDelayMs(60, () => 0.999999) > 65_999);
  for (let i = 0; i < 1000; i += 1) {
    const d = nextDelayMs(30, Math.random);
    assert.ok(d >= 27_000 && d <= 33_000, String(d));
    const f = firstDelayMs(30, Math.random);
    assert.ok(f >= 0 && f < 10_000, String(f));
  }
});

test('runs on the jittered schedule, with the random source injected', async () => {
  const t = manualTimers();
  const at: number[] = [];
  const s = createCheckScheduler<string>({
    concurrency: 4, clock: t.clock, timers: t.timers, random: () => 0.5,
    run: async () => (at.push(t.clock.now()), 'ok'),
    timedOut: () => 'timeout', complete: () => undefined, removed: () => undefined,
  });
  s.update([spec('a', { interval: 20 })]);
  await t.advance(100_000);
  // First at 0.5 × 10 s, then every 20 s (0.5 → no stretch).
  assert.equal(at, [5000, 25_000, 45_000, 65_000, 85_000]);
  await s.close();
});

test('the concurrency cap queues the others; they run as slots free', async () => {
  const t = manualTimers();
  const { runs } = controllable();
  const completed: string[] = [];
  const s = createCheckScheduler<string>({
    concurrency: 2, clock: t.clock, timers: t.timers, random: () => 0,
    run: (sp, signal) => new Promise((resolve) => runs.push({ id: sp.id, at: t.clock.now(), signal, end: resolve })),
    timedOut: () => 'timeout', complete: (sp, r) => void completed.push(`${sp.id}:${r}`), removed: () => undefined,
  });
  s.update([spec('a'), spec('b'), spec('c'), spec('d')]);
  await t.advance(0);
  assert.equal(runs.map((r) => r.id), ['a', 'b']);
  assert.equal(s.stats(), { checks: 4, running: 2, queued: 2, skipped: 0 });
  runs[0]!.end('ok');
  await t.advance(0);
  assert.equal(runs.map((r) => r.id), ['a', 'b', 'c'], 'c takes the freed slot');
  assert.equal(completed, ['a:ok']);
  runs[1]!.end('ok');
  runs[2]!.end('ok');
  await t.advance(0);
  assert.equal(runs.map((r) => r.id), ['a', 'b', 'c', 'd']);
  assert.is(s.stats().running, 1);
  runs[3]!.end('ok');
  await s.close();
});

test('a check still running at its next tick is skipped, not doubled; the timeout aborts it', async () => {
  const t = manualTimers();
  const { runs } = controllable();
  const completed: string[] = [];
  const skipped: string[] = [];
  const s = createCheckScheduler<string>({
    concurrency: 4, clock: t.clock, timers: t.timers, random: () => 0,
    run: (sp, signal) => new Promise((resolve) => runs.push({ id: sp.id, at: t.clock.now(), signal, end: resolve })),
    timedOut: () => 'timeout', complete: (sp, r) => void completed.push(`${sp.id}:${r}@${t.clock.now()}`), removed: () => undefined,
    skipped: (id) => skipped.push(`${id}@${t.clock.now()}`),
  });
  // timeout 60 s > interval 10 s: the run overlaps its next ticks.
  s.update([spec('slow', { timeout: 60 })]);
  await t.advance(30_000);
  assert.is(runs.length, 1, 'one run only');
  assert.equal(skipped, ['slow@9000', 'slow@18000', 'slow@27000']);
  assert.not.ok(runs[0]!.signal.aborted);
  await t.advance(30_000);
  assert.ok(runs[0]!.signal.aborted, 'aborted at its timeout');
  // It ignored the abort: after the grace delay it counts as timed out and its slot is free again.
  await t.advance(1000);
  assert.equal(completed, ['slow:timeout@61000']);
  assert.is(s.stats().running, 0);
  await t.advance(9000);
  assert.is(runs.length, 2, 'runs again at the next tick');
  runs[0]!.end('late');
  await t.advance(0);
  assert.equal(completed, ['slow:timeout@61000'], 'a late answer is ignored');
  runs[1]!.end('ok');
  await s.close();
});

test('a changed configuration restarts only the checks that changed; removed ones are reported', async () => {
  const t = manualTimers();
  const { runs } = controllable();
  const removed: string[] = [];
  const completed: string[] = [];
  // Aborted runs hold their slot until they settle: room for all of them here.
  const s = createCheckScheduler<string>({
    concurrency: 8, clock: t.clock, timers: t.timers, random: () => 0,
    run: (sp, signal) => new Promise((resolve) => runs.push({ id: sp.id, at: t.clock.now(), signal, end: resolve })),
    timedOut: () => 'timeout', complete: (sp, r) => void completed.push(`${sp.id}:${r}`), removed: (id) => void removed.push(id),
  });
  s.update([spec('keep'), spec('change'), spec('drop')]);
  await t.advance(0);
  assert.is(runs.length, 3);
  s.update([spec('keep'), spec('change', { port: 2 }), spec('new')]);
  await t.advance(0);
  assert.equal(removed, ['drop']);
  assert.ok(runs.find((r) => r.id === 'change')!.signal.aborted, 'the changed check\'s run is aborted');
  assert.ok(runs.find((r) => r.id === 'drop')!.signal.aborted);
  assert.not.ok(runs.find((r) => r.id === 'keep')!.signal.aborted, 'the unchanged one goes on');
  assert.equal(runs.slice(3).map((r) => r.id).sort(), ['change', 'new'], 'changed and new start at once (random 0)');
  for (const r of runs) r.end('ok');
  await t.advance(0);
  assert.equal(completed.sort(), ['change:ok', 'keep:ok', 'new:ok'], 'results of stopped runs are not completed');
  assert.is(s.stats().checks, 3);
  s.update([]);
  assert.equal(removed.sort(), ['change', 'drop', 'keep', 'new']);
  await s.close();
});

test('at most CHECK_LIMITS.perRunner checks; duplicate ids run once', async () => {
  const t = manualTimers();
  const s = createCheckScheduler<string>({
    concurrency: 4, clock: t.clock, timers: t.timers, random: () => 0.5,
    run: async () => 'ok', timedOut: () => 'timeout', complete: () => undefined, removed: () => undefined,
  });
  s.update(Array.from({ length: 250 }, (_, i) => spec(`c${i}`)));
  assert.is(s.stats().checks, 200);
  s.update([spec('x'), spec('x', { port: 9 })]);
  assert.is(s.stats().checks, 1);
  await s.close();
});

test.run();
