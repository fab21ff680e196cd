import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VigieError } from '../../../core/errors.js';
import { MAX_POINTS, RANGES, resolveHistoryQuery } from '../../../dashboard/server/history-query.js';

const NOW = 1_700_000_000_000;

function fails(query: Record<string, unknown>, code: string, message: RegExp): void {
  try {
    resolveHistoryQuery('h', query, NOW);
  } catch (error) {
    assert.instance(error, VigieError);
    assert.is((error as VigieError).code, code);
    assert.match((error as VigieError).message, message);
    return;
  }
  assert.unreachable(`expected ${code} for ${JSON.stringify(query)}`);
}

test('no window given: the last hour with its default step', () => {
  const q = resolveHistoryQuery('h', { metric: 'cpu.usage' }, NOW);
  assert.equal(q, { host: 'h', metric: 'cpu.usage', key: '', from: NOW - 3_600_000, to: NOW, step: 10_000, range: '1h' });
});

test('every range shorthand gives 300 to 500 points', () => {
  for (const [name, r] of Object.entries(RANGES)) {
    const q = resolveHistoryQuery('h', { metric: 'cpu.usage', range: name }, NOW);
    const points = (q.to - q.from) / q.step;
    assert.ok(points >= 300 && points <= 500, `${name}: ${points} points`);
    assert.is(q.to - q.from, r.span);
  }
});

test('explicit from/to without step picks a step giving at most 400 points', () => {
  const q = resolveHistoryQuery('h', { metric: 'mem.used', from: String(NOW - 86_400_000), to: String(NOW) }, NOW);
  assert.ok((q.to - q.from) / q.step <= 400);
  assert.ok((q.to - q.from) / q.step > 100);
  assert.is(q.range, null);
});

test('keyed metrics need a key, unkeyed ones refuse one', () => {
  assert.is(resolveHistoryQuery('h', { metric: 'net.rxRate', key: 'eth0' }, NOW).key, 'eth0');
  fails({ metric: 'net.rxRate' }, 'VIGIE_ERR_BAD_REQUEST', /key: required for net.rxRate: the interface/);
  fails({ metric: 'cpu.usage', key: 'x' }, 'VIGIE_ERR_BAD_REQUEST', /key: cpu.usage has no key/);
});

test('bounds are checked and errors name the parameter', () => {
  fails({}, 'VIGIE_ERR_BAD_METRIC', /^metric: required/);
  fails({ metric: 'cpu.usage', from: '-5' }, 'VIGIE_ERR_BAD_RANGE', /^from: expected milliseconds/);
  fails({ metric: 'cpu.usage', to: '1.5' }, 'VIGIE_ERR_BAD_RANGE', /^to: expected milliseconds/);
  fails({ metric: 'cpu.usage', from: String(NOW), to: String(NOW) }, 'VIGIE_ERR_BAD_RANGE', /^from: must be before to/);
  fails({ metric: 'cpu.usage', range: '1h', from: '1' }, 'VIGIE_ERR_BAD_RANGE', /^range: give either range or from/);
  fails({ metric: 'cpu.usage', from: '0', to: String(NOW) }, 'VIGIE_ERR_BAD_RANGE', /^from: the window spans more than 400 days/);
  fails({ metric: 'cpu.usage', range: '24h', step: '60' }, 'VIGIE_ERR_BAD_RANGE', new RegExp(`^step: 60 s over this window gives 1440 points, more than ${MAX_POINTS}; use step >= 87`));
  fails({ metric: 'cpu.usage', step: '99999999' }, 'VIGIE_ERR_BAD_RANGE', /^step: expected whole seconds/);
  fails({ metric: ['cpu.usage', 'mem.used'] }, 'VIGIE_ERR_BAD_REQUEST', /^metric: expected a single value, got it repeated/);
});

test.run();
