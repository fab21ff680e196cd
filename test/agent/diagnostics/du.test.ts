/**
 * `du` on real files: a temp tree with known sizes, a symlink loop, a tiny
 * budget, and the real root file system (which has /proc mounted inside).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskUsage } from '../../../agent/diagnostics/du.js';
import { tempDir } from '../../helpers/env.js';

const KiB = 1024;
/** Random bytes: not sparse, not compressible, so their blocks on disk are at least their size. */
const fill = (path: string, bytes: number): void => writeFileSync(path, Buffer.alloc(bytes, Math.floor(Math.random() * 255) + 1));

function makeTree(): { root: string; remove: () => void } {
  const dir = tempDir('vigie-du-');
  const root = dir.path;
  for (const d of ['big', 'big/inner', 'big/inner/deeper', 'mid', 'small']) mkdirSync(join(root, d));
  fill(join(root, 'big', 'a.bin'), 1024 * KiB);
  fill(join(root, 'big', 'inner', 'b.bin'), 256 * KiB);
  fill(join(root, 'big', 'inner', 'deeper', 'c.bin'), 64 * KiB);
  fill(join(root, 'mid', 'm.bin'), 400 * KiB);
  fill(join(root, 'small', 's.bin'), 8 * KiB);
  fill(join(root, 'top-level-file.bin'), 16 * KiB);
  // A loop back to the root and a link to a big file elsewhere: followed, either would count the tree again.
  symlinkSync(root, join(root, 'small', 'loop'));
  symlinkSync(join(root, 'big'), join(root, 'mid', 'big-again'));
  return { root, remove: dir.remove };
}

test('depth 1: largest directories first, sizes counted on disk, links not followed', async () => {
  const { root, remove } = makeTree();
  try {
    const r = await diskUsage({ mount: root, depth: 1, limit: 10, budgetMs: 10_000 });
    assert.is(r.mount, root);
    assert.is(r.truncated, false);
    assert.equal(r.entries.map((e) => e.path), [join(root, 'big'), join(root, 'mid'), join(root, 'small')]);
    const [big, mid, small] = r.entries;
    // Directory inodes and filesystem blocks add a little; a followed link would add whole subtrees.
    assert.ok(big!.bytes >= 1344 * KiB && big!.bytes < 1344 * KiB + 64 * KiB, `big: ${big!.bytes}`);
    assert.ok(mid!.bytes >= 400 * KiB && mid!.bytes < 400 * KiB + 32 * KiB, `mid: ${mid!.bytes}`);
    assert.ok(small!.bytes >= 8 * KiB && small!.bytes < 8 * KiB + 32 * KiB, `small: ${small!.bytes}`);
    const files = (1024 + 256 + 64 + 400 + 8 + 16) * KiB;
    assert.ok(r.total >= files && r.total < files + 128 * KiB, `total: ${r.total}`);
    assert.ok(r.elapsed >= 0 && r.elapsed < 10);
  } finally {
    remove();
  }
});

test('depth 2 adds the second level; depth 3 the third; limit keeps the largest', async () => {
  const { root, remove } = makeTree();
  try {
    const two = await diskUsage({ mount: root, depth: 2, limit: 10, budgetMs: 10_000 });
    assert.equal(two.entries.map((e) => e.path), [join(root, 'big'), join(root, 'mid'), join(root, 'big', 'inner'), join(root, 'small')]);
    const three = await diskUsage({ mount: root, depth: 3, limit: 10, budgetMs: 10_000 });
    assert.ok(three.entries.some((e) => e.path === join(root, 'big', 'inner', 'deeper')), 'third level reported');
    const limited = await diskUsage({ mount: root, depth: 3, limit: 2, budgetMs: 10_000 });
    assert.equal(limited.entries.map((e) => e.path), [join(root, 'big'), join(root, 'mid')]);
    assert.ok(!three.entries.some((e) => e.path.includes('loop') || e.path.includes('big-again')), 'symlinks are not directories to walk');
  } finally {
    remove();
  }
});

test('a budget that runs out cuts the walk and says so', async () => {
  const { root, remove } = makeTree();
  try {
    for (let i = 0; i < 300; i++) mkdirSync(join(root, 'small', `d${i}`));
    const full = await diskUsage({ mount: root, depth: 1, limit: 10, budgetMs: 10_000 });
    const cut = await diskUsage({ mount: root, depth: 1, limit: 10, budgetMs: 0 });
    assert.is(cut.truncated, true);
    assert.ok(cut.total < full.total, `${cut.total} < ${full.total}`);
    const byEntries = await diskUsage({ mount: root, depth: 1, limit: 10, budgetMs: 10_000, maxEntries: 5 });
    assert.is(byEntries.truncated, true);
    const aborted = new AbortController();
    aborted.abort();
    assert.is((await diskUsage({ mount: root, depth: 1, limit: 10, budgetMs: 10_000, signal: aborted.signal })).truncated, true);
  } finally {
    remove();
  }
});

test('does not cross into other file systems: /proc and /sys are not walked from /', async () => {
  const r = await diskUsage({ mount: '/', depth: 1, limit: 20, budgetMs: 1500 });
  const paths = r.entries.map((e) => e.path);
  assert.ok(!paths.includes('/proc') && !paths.includes('/sys'), paths.join(', '));
  assert.ok(r.entries.every((e, i) => i === 0 || r.entries[i - 1]!.bytes >= e.bytes), 'largest first');
});

test('a mount that is not a directory is an error, not a crash', async () => {
  const { root, remove } = makeTree();
  try {
    await diskUsage({ mount: join(root, 'top-level-file.bin'), depth: 1, limit: 10, budgetMs: 1000 }).then(
      () => assert.unreachable('should reject'),
      (error: Error) => assert.match(error.message, /not a directory/),
    );
  } finally {
    remove();
  }
});

test.run();
