import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBatchThrottle, type Timers } from '../../../dashboard/server/throttle.js';

/** A manual clock and timer queue: interval logic is tested without waiting. */
function fakeTime() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const api: Timers = {
    setTimeout: (fn, ms) => { timers.set(++nextId, { at: now + ms, fn }); return nextId; },
    clearTimeout: (id) => { timers.delete(id as number); },
  };
  return {
    clock: { now: () => now },
    timers: api,
    pending: () => timers.size,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

test('first change goes out at once, a burst collapses into one trailing batch', () => {
  const time = fakeTime();
  const emitted: Array<[string[], number]> = [];
  const th = createBatchThrottle<string>(1000, (keys) => emitted.push([keys, time.clock.now()]), time.timers);
  th.touch('a');
  assert.equal(emitted, [[['a'], 0]]);
  for (let i = 0; i < 50; i++) { time.advance(10); th.touch('a'); }
  assert.is(emitted.length, 1, 'nothing inside the window');
  time.advance(1000);
  assert.equal(emitted, [[['a'], 0], [['a'], 1000]], 'one trailing batch at the end of the window');
  time.advance(5000);
  assert.is(emitted.length, 2, 'nothing more without changes');
  assert.is(time.pending(), 0, 'no timer left running once quiet');
});

test('keys changing inside a window go out together, each once, in the order they changed', () => {
  const time = fakeTime();
  const emitted: Array<[string[], number]> = [];
  const th = createBatchThrottle<string>(1000, (keys) => emitted.push([keys, time.clock.now()]), time.timers);
  th.touch('a');
  th.touch('b');
  th.touch('a');
  time.advance(400);
  th.touch('c');
  th.touch('b');
  assert.equal(emitted, [[['a'], 0]]);
  time.advance(600);
  assert.equal(emitted, [[['a'], 0], [['b', 'a', 'c'], 1000]]);
  // Every key at most once per window: a key of the last batch waits for the next.
  th.touch('b');
  time.advance(999);
  assert.is(emitted.length, 2);
  time.advance(1);
  assert.equal(emitted.at(-1), [['b'], 2000]);
});

test('a change after a quiet window goes out at once', () => {
  const time = fakeTime();
  const emitted: number[] = [];
  const th = createBatchThrottle<string>(1000, () => emitted.push(time.clock.now()), time.timers);
  th.touch('a');
  time.advance(2500);
  th.touch('a');
  assert.equal(emitted, [0, 2500]);
});

test('window 0 emits every change; close() drops the pending batch and its timer', () => {
  const time = fakeTime();
  let n = 0;
  const zero = createBatchThrottle<string>(0, () => { n += 1; }, time.timers);
  zero.touch('a'); zero.touch('a'); zero.touch('a');
  assert.is(n, 3);
  let m = 0;
  const th = createBatchThrottle<string>(1000, () => { m += 1; }, time.timers);
  th.touch('a');
  th.touch('a');
  assert.is(time.pending(), 1);
  th.close();
  assert.is(time.pending(), 0);
  time.advance(2000);
  th.touch('a');
  assert.is(m, 1, 'nothing after close');
});

test.run();
