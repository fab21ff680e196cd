/**
 * The sampler (agent/sample.ts): failures and deadlines, with real
 * collectors of the registry beside injected ones.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECTORS, type Collector } from '../../agent/collectors/index.js';
import { createSampler } from '../../agent/sample.js';
import { systemClock } from '../../core/time.js';
import { validatePayload } from '../../protocol/payloads.js';
import '../helpers/env.js';

test('a failing collector is reported and left out; the others are kept', async () => {
  const failures: string[] = [];
  const sampler = createSampler(
    [
      COLLECTORS.uptime(),
      { name: 'broken', collect: () => Promise.reject(new Error('sensor gone')) },
      { name: 'absurd', collect: async () => ({ mem: { total: -1, used: 0, available: 0, usedPercent: 500 } }) },
      { name: 'throws', collect: () => { throw new Error('synchronously'); } },
    ],
    { clock: systemClock, timeoutMs: 2000, onFailure: (name, error) => failures.push(`${name}: ${error}`) },
  );
  const { sample, failing } = await sampler.take();
  assert.type(sample.uptime, 'number');
  assert.is(sample.mem, undefined);
  assert.is(failures.length, 3);
  assert.match(failures[0] ?? '', 'broken: sensor gone');
  assert.match(failures[1] ?? '', /absurd: metrics\.mem\.total/);
  assert.match(failures[2] ?? '', 'throws: synchronously');
  assert.equal(failing.map((f) => f.collector), ['broken', 'absurd', 'throws']);
  assert.ok(failing.every((f) => f.since === sample.ts));
  assert.ok(validatePayload('metrics', sample).ok);
});

test('a collector that never returns is cut at the deadline, reported, and not started again while it hangs', async () => {
  let calls = 0;
  let release: (value: { processes: number }) => void = () => {};
  const hung: Collector = {
    name: 'hung',
    collect: () => {
      calls += 1;
      return new Promise((resolve) => { release = resolve; });
    },
  };
  const sampler = createSampler([COLLECTORS.uptime(), hung], { clock: systemClock, timeoutMs: 100, onFailure: () => {} });
  const started = Date.now();
  const first = await sampler.take();
  assert.ok(Date.now() - started < 1000, 'the sample ends at the deadline');
  assert.type(first.sample.uptime, 'number');
  assert.equal(first.failing.map((f) => [f.collector, f.error]), [['hung', 'timed out after 0.1 s']]);
  const second = await sampler.take();
  assert.is(calls, 1, 'no second copy of a stuck collector');
  assert.type(second.sample.uptime, 'number');
  assert.match(second.failing[0]?.error ?? '', /still running since a sample .* ago; not started again/);
  assert.is(second.failing[0]?.since, first.sample.ts, 'since: the first sample of the streak');
  release({ processes: 1 }); // the late answer of the dead call is dropped
  await new Promise((r) => setTimeout(r, 10));
  const third = await sampler.take();
  assert.is(calls, 2, 'started again once the stuck call returned');
  assert.is(third.sample.processes, undefined, 'this call hangs again: cut at the deadline');
  release({ processes: 2 });
  await new Promise((r) => setTimeout(r, 10));
  const fourth = sampler.take();
  await new Promise((r) => setImmediate(r)); // collect() is called in a microtask of take()
  release({ processes: 3 });
  const done = await fourth;
  assert.is(done.sample.processes, 3);
  assert.equal(done.failing, [], 'recovered');
});

test.run();
