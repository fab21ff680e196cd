/** Where chart lines break (dashboard/web/src/gaps.ts): pure functions, so Node tests them directly. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { breakGaps, isGap, isolatedIndices } from '../../../dashboard/web/src/gaps.js';

test('a null column goes one step after the last point before each gap, in every line', () => {
  const cols = { xs: [0, 10, 20, 200, 210, 500], ys: [[1, 2, 3, 4, 5, 6], [7, null, 9, 10, 11, 12]] };
  const out = breakGaps(cols, 30, 10);
  assert.is(out.breaks, 2);
  assert.equal(out.xs, [0, 10, 20, 30, 200, 210, 220, 500]);
  assert.equal(out.ys[0], [1, 2, 3, null, 4, 5, null, 6]);
  assert.equal(out.ys[1], [7, null, 9, null, 10, 11, null, 12]);
});

test('no gap: the columns come back unchanged; gapAfter 0 turns breaking off', () => {
  const cols = { xs: [0, 10, 20], ys: [[1, 2, 3]] };
  assert.equal(breakGaps(cols, 20, 10), { ...cols, breaks: 0 });
  assert.is(breakGaps({ xs: [0, 1000], ys: [[1, 2]] }, 0, 10).breaks, 0);
});

test('the break never lands on or past the next point, even with a step wider than the hole', () => {
  const out = breakGaps({ xs: [0, 50], ys: [[1, 2]] }, 20, 100);
  assert.is(out.breaks, 1);
  assert.ok(out.xs[1]! > 0 && out.xs[1]! < 50, `break at ${out.xs[1]}`);
});

test('live points: a gap is a distance past gapAfter; values alone between gaps are found', () => {
  assert.ok(isGap(1000, 5000, 2000));
  assert.not.ok(isGap(1000, 3000, 2000));
  assert.not.ok(isGap(undefined, 3000, 2000));
  assert.not.ok(isGap(1000, 9000, 0));
  assert.equal(isolatedIndices([1, null, 2, null, null, 3, 4, null, 5]), [0, 2, 8]);
  assert.equal(isolatedIndices([]), []);
});

test.run();
