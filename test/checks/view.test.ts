/** The check view's pure parts: the state from the runners' results, the 30-day budget, the empty bars. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { budgetOf, checkState, dailyBars, type RunnerView } from '../../checks/view.js';
import type { CheckDefinition } from '../../checks/definition.js';
import { DAY_MS } from '../../core/time.js';

const runner = (state: 'up' | 'down' | null): RunnerView => ({
  runner: 'r', label: null, receivedAt: state ? 1 : null,
  result: state ? { v: 1, ts: 1, kind: 'ping', state, latency: null, message: state } : null,
});

test('state: paused, pending, up, partial (down from one place), down (from every place heard)', () => {
  assert.is(checkState({ enabled: false }, [runner('down')]), 'paused');
  assert.is(checkState({ enabled: true }, [runner(null), runner(null)]), 'pending');
  assert.is(checkState({ enabled: true }, [runner('up'), runner(null)]), 'up');
  assert.is(checkState({ enabled: true }, [runner('up'), runner('down')]), 'partial');
  assert.is(checkState({ enabled: true }, [runner('down'), runner(null)]), 'down');
});

test('budget: 30 days (or the check\'s age) at the SLA; overspent is negative; null without data', () => {
  const now = 100 * DAY_MS;
  const old = budgetOf({ sla: 98, createdAt: 0 }, 50, now);
  assert.equal([old.target, old.allowedSeconds, old.usedSeconds], [98, 30 * 86_400 * 0.02, 30 * 86_400 * 0.5]);
  assert.ok(old.leftPercent! < 0);
  const young = budgetOf({ sla: 99, createdAt: now - DAY_MS }, 99.5, now);
  assert.equal([young.allowedSeconds, young.usedSeconds, young.leftPercent], [864, 432, 50]);
  assert.is(budgetOf({ sla: 99, createdAt: 0 }, null, now).leftPercent, null);
});

test('without a results service: 90 empty UTC-day bars ending today', async () => {
  const now = Date.UTC(2026, 11, 3, 5, 0);
  const bars = await dailyBars({ id: 'x', runners: ['r'] } as CheckDefinition, undefined, now);
  assert.is(bars.length, 90);
  assert.equal(bars.at(-1), { day: Date.UTC(2026, 11, 3), percent: null, worst: null });
  assert.is(bars[0]!.day, Date.UTC(2026, 11, 3) - 89 * DAY_MS);
});

test.run();
