/**
 * The backup archive as `tar` (node-tar) writes and reads it: GNU tar reads
 * what Vigie writes, and a restore refuses what a hand-made, tampered or
 * damaged archive could carry (links, paths out of the directory, broken
 * headers, a cut or bit-flipped file), naming what is wrong, without
 * hanging and without leaving its destination behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readArchive, writeArchive } from '../../backup/archive.js';
import { createBackup } from '../../backup/create.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { extractBackup, RestoreError } from '../../backup/restore.js';
import { requireProgram, tempDir, programRuns } from '../helpers/env.js';

const haveTar = programRuns('tar');
const work = tempDir('vigie-archive-');
test.after(() => work.remove());

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** A name as long as a manifest allows (100 characters): past ustar's 100-byte name field once under the top directory. */
const LONG_KEY = `${'k'.repeat(96)}.key`;

let dataDir = '';
let archive = '';
let top = '';

/** A data directory with a database several MB big (many chunks: back-pressure is exercised), keys, and a backup of it. */
test.before(async () => {
  dataDir = join(work.path, 'data');
  mkdirSync(dataDir);
  const db = new BetterSqlite3(join(dataDir, 'vigie.db'));
  db.exec('CREATE TABLE blobs (b BLOB)');
  const insert = db.prepare('INSERT INTO blobs VALUES (randomblob(65536))');
  for (let i = 0; i < 96; i++) insert.run();
  db.close();
  writeFileSync(join(dataDir, 'secret.key'), Buffer.alloc(32, 1));
  writeFileSync(join(dataDir, LONG_KEY), 'long');
  writeFileSync(join(dataDir, 'empty.key'), '');
  const r = await createBackup({ dataDir, to: join(work.path, 'backups'), now: new Date('2026-12-03T15:00:00Z') });
  archive = r.file;
  top = 'vigie-backup-2026-12-03T15-00-00-000Z';
});

/** The message `p` rejects with, checking it is a RestoreError (fails when it resolves). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    assert.instance(error, RestoreError, String(error));
    return (error as Error).message;
  }
  assert.unreachable('expected a rejection');
  return '';
}

/** Restores `file` into a fresh directory; the refusal's message, after checking nothing is left. */
async function refused(file: string): Promise<string> {
  const dest = join(work.path, `out-${Math.random().toString(36).slice(2)}`);
  const message = await refusal(extractBackup(file, dest));
  assert.not.ok(existsSync(dest), `${dest} removed after: ${message}`);
  return message;
}

test('GNU tar lists and extracts what a backup writes: one 0700 directory, manifest.json first, 0600 files, no owner, checksums agree', () => {
  if (!requireProgram('tar', haveTar)) return;
  const listing = execFileSync('tar', ['-tzvf', archive], { encoding: 'utf8' }).trim().split('\n');
  assert.match(listing[0]!, new RegExp(`^drwx------ 0/0 .* ${top}/$`));
  assert.match(listing[1]!, new RegExp(` ${top}/manifest\\.json$`));
  for (const line of listing.slice(1)) assert.match(line, /^-rw------- 0\/0 /, line);
  assert.ok(listing.some((l) => l.endsWith(`${top}/${LONG_KEY}`)), 'a name past 100 bytes is stored whole');
  const out = join(work.path, 'by-gnu-tar');
  mkdirSync(out);
  execFileSync('tar', ['-xzf', archive, '-C', out]);
  assert.equal(readdirSync(out), [top]);
  const manifest = JSON.parse(readFileSync(join(out, top, 'manifest.json'), 'utf8')) as BackupManifest;
  assert.equal(readdirSync(join(out, top)).sort(), ['manifest.json', ...manifest.files.map((f) => f.name)].sort());
  for (const f of manifest.files) {
    const bytes = readFileSync(join(out, top, f.name));
    assert.is(bytes.length, f.bytes, f.name);
    assert.is(sha256(bytes), f.sha256, `${f.name}: SHA-256 of GNU tar's copy = manifest`);
    if (f.kind === 'key') assert.ok(readFileSync(join(dataDir, f.name)).equals(bytes), `${f.name}: as in the data directory`);
  }
});

test('extractBackup restores every file of the manifest, 0600, its SHA-256 as listed', async () => {
  const dest = join(work.path, 'restored');
  const m = await extractBackup(archive, dest);
  assert.equal(readdirSync(dest).sort(), m.files.map((f) => f.name).sort());
  for (const f of m.files) {
    assert.is(statSync(join(dest, f.name)).mode & 0o777, 0o600, f.name);
    assert.is(sha256(readFileSync(join(dest, f.name))), f.sha256, f.name);
  }
  assert.ok(m.files.some((f) => f.name === 'vigie.db' && f.bytes > 6_000_000), 'a database of several MB');
});

test('readArchive: an entry left unread is skipped; an error thrown mid-entry stops the read at once', async () => {
  const seen: string[] = [];
  await readArchive(archive, async (e) => void seen.push(e.path));
  assert.equal(seen, [`${top}/`, `${top}/manifest.json`, `${top}/empty.key`, `${top}/${LONG_KEY}`, `${top}/secret.key`, `${top}/vigie.db`]);
  const after: string[] = [];
  const error = await readArchive(archive, async (e) => {
    after.push(e.path);
    if (!e.path.endsWith('vigie.db')) return;
    for await (const _ of e) throw new Error('stop here');
  }).then(() => null, (err: Error) => err.message);
  assert.is(error, 'stop here');
  assert.is(after.at(-1), `${top}/vigie.db`);
});

/** Extracts the backup with GNU tar, lets `build` add to it (returns the members to append), repacks it manifest first. */
function withExtra(name: string, build: (dir: string) => string[], flags: string[] = []): string {
  const out = join(work.path, `extra-${name}`);
  mkdirSync(out);
  execFileSync('tar', ['-xzf', archive, '-C', out]);
  const extra = build(out);
  const file = join(work.path, `${name}.tar.gz`);
  execFileSync('tar', [...flags, '--no-recursion', '-czf', file, '-C', out, `${top}/`, `${top}/manifest.json`, `${top}/secret.key`, ...extra], { stdio: ['ignore', 'ignore', 'ignore'] });
  return file;
}

test('restore refuses links, devices, absolute and .. paths, and entries outside the one directory', async () => {
  if (!requireProgram('tar', haveTar)) return;
  const symlink = withExtra('symlink', (dir) => {
    symlinkSync('/etc/passwd', join(dir, top, 'evil.db'));
    return [`${top}/evil.db`];
  });
  assert.match(await refused(symlink), new RegExp(`archive entry "${top}/evil\\.db": a symbolic link to "/etc/passwd" is not a plain file or directory`));
  const hardlink = withExtra('hardlink', (dir) => {
    linkSync(join(dir, top, 'secret.key'), join(dir, top, 'evil.db'));
    return [`${top}/evil.db`];
  });
  assert.match(await refused(hardlink), /evil\.db": a hard link to ".*secret\.key" is not a plain file or directory/);
  // -P keeps `..` and a leading `/` in member names, as a hand-made archive may.
  const dotdot = withExtra('dotdot', (dir) => {
    writeFileSync(join(dir, 'evil.db'), 'x');
    return [`${top}/../evil.db`];
  }, ['-P']);
  assert.match(await refused(dotdot), new RegExp(`archive entry "${top}/\\.\\./evil\\.db": a path with "\\.\\." or "\\." in it, refused`));
  const outside = join(work.path, 'outside.db');
  writeFileSync(outside, 'x');
  const absolute = withExtra('absolute', () => [outside], ['-P']);
  assert.match(await refused(absolute), new RegExp(`archive entry "${outside}": an absolute path, refused`));
  const other = withExtra('other-dir', (dir) => {
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'vigie.db'), 'x');
    return ['other/vigie.db'];
  });
  assert.match(await refused(other), new RegExp(`archive entry "other/vigie\\.db": outside the archive's directory "${top}/"`));
  const nested = withExtra('nested', (dir) => {
    mkdirSync(join(dir, top, 'sub'));
    return [`${top}/sub/`];
  });
  assert.match(await refused(nested), new RegExp(`archive entry "${top}/sub/": unexpected directory`));
  const fifo = withExtra('fifo', (dir) => {
    execFileSync('mkfifo', [join(dir, top, 'evil.db')]);
    return [`${top}/evil.db`];
  });
  assert.match(await refused(fifo), /evil\.db": a FIFO is not a plain file or directory/);
  // A link as the very first entry, before any manifest.
  const first = join(work.path, 'link-first');
  mkdirSync(join(first, 'top'), { recursive: true });
  symlinkSync('/etc/passwd', join(first, 'top', 'manifest.json'));
  execFileSync('tar', ['--no-recursion', '-czf', `${first}.tar.gz`, '-C', first, 'top/', 'top/manifest.json']);
  assert.match(await refused(`${first}.tar.gz`), /"top\/manifest\.json": a symbolic link to "\/etc\/passwd" is not a plain file/);
  assert.ok(readFileSync('/etc/passwd').length > 0);
});

/** The archive's tar bytes, changed by `edit`, gzipped again. */
function regzipped(name: string, edit: (tar: Buffer) => Buffer): string {
  const file = join(work.path, `${name}.tar.gz`);
  writeFileSync(file, gzipSync(edit(gunzipSync(readFileSync(archive)))));
  return file;
}

test('a truncated or bit-flipped archive is refused with a message naming the archive and where', async () => {
  const bytes = readFileSync(archive);
  // Cut in the gzip stream: zlib's "unexpected end of file".
  const cut = join(work.path, 'cut.tar.gz');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  assert.match(await refused(cut), new RegExp(`^cut\\.tar\\.gz: not a gzip archive, or a truncated or damaged one \\(unexpected end of file\\)`));
  // Cut in the tar inside a whole gzip: tar's TAR_BAD_ARCHIVE, naming the file it ends in.
  const tarCut = regzipped('tar-cut', (tar) => tar.subarray(0, tar.length - 1024 * 1024));
  assert.match(await refused(tarCut), /^tar-cut\.tar\.gz: archive truncated in ".*\/vigie\.db" \(Truncated input/);
  // Cut so that fewer than 512 bytes come last (gunzip hands 16 KiB chunks): tar reports the truncation from
  // inside its end() and then writes those bytes to the entry; reading must neither crash nor hang.
  const oddCut = regzipped('tar-cut-odd', (tar) => tar.subarray(0, Math.floor((tar.length - 50_000) / 16_384) * 16_384 + 100));
  assert.match(await refused(oddCut), /^tar-cut-odd\.tar\.gz: archive truncated in ".*\/vigie\.db" \(Truncated input \(needed \d+ more bytes, only 100 available\)\)/);
  // A bit flipped in the gzip trailer (the CRC-32 of the data): zlib's "incorrect data check", after every file was written.
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 8]! ^= 0x01;
  writeFileSync(join(work.path, 'crc.tar.gz'), flipped);
  assert.match(await refused(join(work.path, 'crc.tar.gz')), /^crc\.tar\.gz: not a gzip archive, or a truncated or damaged one \(incorrect data check\)/);
  // A bit flipped in a tar header (vigie.db's name): tar's header checksum, TAR_ENTRY_INVALID under strict;
  // the message says after which entry.
  const header = regzipped('header', (tar) => {
    const b = Buffer.from(tar);
    const at = b.indexOf(`${top}/vigie.db\0`);
    assert.ok(at > 0 && at % 512 === 0, 'vigie.db header found');
    b[at + 3]! ^= 0x01;
    return b;
  });
  assert.match(await refused(header), new RegExp(`^header\\.tar\\.gz: damaged tar header after "${top}/secret\\.key" \\(checksum failure\\)`));
  // A bit flipped in a file's content: its SHA-256.
  const content = regzipped('content', (tar) => {
    const b = Buffer.from(tar);
    b[b.length - 4096]! ^= 0x01; // inside vigie.db, the last file
    return b;
  });
  assert.match(await refused(content), /^vigie\.db: checksum mismatch/);
  // Not gzip at all: a plain tar, and junk.
  writeFileSync(join(work.path, 'plain.tar.gz'), gunzipSync(bytes));
  assert.match(await refused(join(work.path, 'plain.tar.gz')), /plain\.tar\.gz: not a gzip archive/);
  writeFileSync(join(work.path, 'junk.tar.gz'), 'not an archive');
  assert.match(await refused(join(work.path, 'junk.tar.gz')), /junk\.tar\.gz: not a gzip archive/);
  // A gzip of something that is not tar.
  writeFileSync(join(work.path, 'notar.tar.gz'), gzipSync(Buffer.alloc(10_000, 0x41)));
  assert.match(await refused(join(work.path, 'notar.tar.gz')), /notar\.tar\.gz: (not a tar archive inside the gzip|damaged tar header)/);
});

test('writeArchive: the order given, the top directory first', async () => {
  const dir = join(work.path, 'order', 'top');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const n of ['b', 'a', 'c']) writeFileSync(join(dir, n), n, { mode: 0o600 });
  const out = join(work.path, 'order.tar.gz');
  await writeArchive(dir, ['c', 'a', 'b'], out, new Date(0));
  const seen: string[] = [];
  await readArchive(out, async (e) => void seen.push(`${e.path}:${(await e.concat()).toString()}`));
  assert.equal(seen, ['top/:', 'top/c:c', 'top/a:a', 'top/b:b']);
  assert.is(statSync(out).mode & 0o777, 0o600);
});

test.run();
