/**
 * The archive reader refuses what a hand-made or damaged archive could
 * carry (links, paths out of the directory, broken headers), and sizes past
 * the 8 GiB of ustar's octal field use GNU's base-256 form, as GNU tar reads.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractBackup } from '../../backup/restore.js';
import { parseHeader, readTar, tarHeader, tarStream, TarFormatError } from '../../backup/tar.js';
import { tempDir } from '../helpers/env.js';

const work = tempDir('vigie-tar-');

/** The message `p` rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as Error).message;
  }
  assert.unreachable('expected a rejection');
  return '';
}
test.after(() => work.remove());

test('header round trip, including a size past 8 GiB (base-256)', () => {
  for (const size of [0, 1, 511, 512, 0o77777777777, 12 * 1024 ** 3]) {
    const e = parseHeader(tarHeader({ name: 'top/a.db', type: 'file', mode: 0o600, size, mtime: 1_700_000_000 }));
    assert.equal(e, { name: 'top/a.db', type: 'file', mode: 0o600, size, mtime: 1_700_000_000 });
  }
});

test('a damaged header is refused by its checksum', () => {
  const h = tarHeader({ name: 'top/a.db', type: 'file', mode: 0o600, size: 10, mtime: 0 });
  h[3] = 0x41;
  assert.throws(() => parseHeader(h), (e: unknown) => e instanceof TarFormatError && /checksum mismatch/.test((e as Error).message));
});

test('entries written by tarStream read back, content exact; GNU tar agrees', async () => {
  const body = Buffer.alloc(1000, 7);
  const file = join(work.path, 'rt.tar.gz');
  await pipeline(Readable.from(tarStream([
    { name: 'top/', type: 'dir', mode: 0o700, size: 0, mtime: 0 },
    { name: 'top/x', type: 'file', mode: 0o600, size: body.length, mtime: 0, content: body },
  ])), createGzip(), createWriteStream(file));
  assert.is(execFileSync('tar', ['-xzOf', file, 'top/x']).length, 1000);
  const seen: Array<[string, number]> = [];
  const { createGunzip } = await import('node:zlib');
  const { createReadStream } = await import('node:fs');
  await readTar(createReadStream(file).pipe(createGunzip()), async (e, content) => {
    let n = 0;
    for await (const c of content) n += c.length;
    seen.push([e.name, n]);
  });
  assert.equal(seen, [['top/', 0], ['top/x', 1000]]);
});

/** A gzipped archive made by GNU tar from `build(dir)`. */
function gnuArchive(name: string, build: (dir: string) => string[]): string {
  const dir = join(work.path, name);
  mkdirSync(dir);
  const entries = build(dir);
  const file = join(work.path, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, '--no-recursion', ...entries]);
  return file;
}

test('restore refuses symlinks and paths outside the archive directory', async () => {
  const link = gnuArchive('link', (dir) => {
    mkdirSync(join(dir, 'top'));
    writeFileSync(join(dir, 'top', 'manifest.json'), '{}');
    symlinkSync('/etc/passwd', join(dir, 'top', 'vigie.db'));
    return ['top/', 'top/manifest.json', 'top/vigie.db'];
  });
  // manifest.json is read first and is invalid here: use a valid-looking order where the link comes first.
  const linkFirst = gnuArchive('link-first', (dir) => {
    mkdirSync(join(dir, 'top'));
    symlinkSync('/etc/passwd', join(dir, 'top', 'manifest.json'));
    return ['top/', 'top/manifest.json'];
  });
  assert.match(await rejection(extractBackup(linkFirst, join(work.path, 'out1'))), /type "2" is not a plain file or directory/);
  assert.match(await rejection(extractBackup(link, join(work.path, 'out2'))), /manifest\.json/);
  const escape = gnuArchive('escape', (dir) => {
    mkdirSync(join(dir, 'top'));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'x'), 'x');
    return ['top/', 'other/x'];
  });
  assert.match(await rejection(extractBackup(escape, join(work.path, 'out3'))), /outside the archive's directory/);
  assert.ok(readFileSync('/etc/passwd').length > 0);
});

test.run();
