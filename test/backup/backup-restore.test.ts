/**
 * Issue 15, item 5: `vigie backup` of a running `vigie up` under ingest load,
 * restored with `vigie restore` into a fresh data directory. Real SQLite
 * files, the real stack (cli/stack.ts), simulated agents publishing QoS 1
 * samples through the embedded broker without pause, and
 * the `vigie` CLI as its own process, as a user runs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listBackups } from '../../backup/create.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { nextBackupAt, startBackupSchedule } from '../../backup/schedule.js';
import type { Logger } from '../../core/logger.js';
import type { Health } from '../../dashboard/server/api/health.js';
import { IN_CI, tempDir, waitFor, programRuns } from '../helpers/env.js';
import { adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { loadPublisher, vigie, type LoadPublisher } from './helpers.js';

const HOSTS = ['load-a', 'load-b'];
const work = tempDir('vigie-backup-');
let stack: TestStack;
let pubs: LoadPublisher[] = [];
let stop = false;
let load: Promise<unknown> = Promise.resolve();
let archive = '';
let manifest: BackupManifest;
const haveTar = programRuns('tar');
if (!haveTar) {
  if (IN_CI) throw new Error('the backup suite reads archives with the system tar, missing under CI=true');
  console.log('SKIP: archive checks with the system tar: tar is not installed');
}

const mode = (path: string): number => statSync(path).mode & 0o777;
const fmt = (m: number): string => `0${m.toString(8)}`;

/** Row counts of every table of a database file, as the manifest records them. */
function counts(path: string): Record<string, number> {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, number> = {};
    for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all()) {
      out[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    }
    return out;
  } finally {
    db.close();
  }
}

/** A load host's samples in a vigie.db: points, distinct sample times, the committed seq, and the times' range. */
function hostRows(path: string, host: string, uptoTs = Number.MAX_SAFE_INTEGER): { points: number; samples: number; series: number; seq: number; maxTs: number } {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare(`SELECT count(*) AS points, count(DISTINCT p.ts) AS samples, count(DISTINCT p.series_id) AS series, coalesce(max(p.ts), 0) AS maxTs
      FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND p.ts <= ?`).get(host, uptoTs) as { points: number; samples: number; series: number; maxTs: number };
    const seq = (db.prepare('SELECT seq FROM host_seq WHERE host = ?').get(host) as { seq: number } | undefined)?.seq ?? 0;
    return { ...r, seq };
  } finally {
    db.close();
  }
}

const t0 = Date.now() - 6 * 3_600_000;

test.before(async () => {
  process.umask(0o022); // the permissive default: every file a backup or restore writes must still be 0600
  stack = await startTestStack('up', { set: { 'backup.keep': '2', 'ingest.flushInterval': '0.05' } });
  pubs = await Promise.all(HOSTS.map((h) => loadPublisher(stack.mqttUrl, stack.dataDir, h, t0)));
  load = Promise.all(pubs.map((p) => p.run(() => stop)));
  await waitFor('the load is stored', () => pubs.every((p) => p.stored() > 200), 30_000);
});
test.after(async () => {
  stop = true;
  await load.catch(() => undefined);
  await Promise.all(pubs.map((p) => p.close()));
  await stack?.close();
  work.remove();
});

test('vigie backup while `vigie up` ingests: a 0600 archive whose counts are one consistent snapshot', async () => {
  const before = Math.min(...pubs.map((p) => p.stored()));
  const to = join(work.path, 'backups');
  const r = await vigie(['backup', '--data-dir', stack.dataDir, '--to', to]);
  assert.is(r.code, 0, r.stderr);
  // Still under load: the ingest kept committing during the backup.
  await waitFor('more samples stored after the backup', () => pubs.every((p) => p.stored() > before + 50), 30_000);

  const files = listBackups(to);
  assert.is(files.length, 1);
  archive = files[0]!;
  assert.ok(r.stdout.startsWith(archive), r.stdout);
  assert.is(fmt(mode(archive)), '0600', 'archive mode');
  assert.is(fmt(mode(to)), '0700', 'backup directory mode');
  assert.equal(readdirSync(to), [archive.slice(to.length + 1)], 'no staging or partial file left');

  if (haveTar) {
    // GNU tar reads the archive: one directory, manifest first, every entry 0600.
    const listing = execFileSync('tar', ['-tzvf', archive], { encoding: 'utf8' }).trim().split('\n');
    assert.match(listing[0]!, /^drwx------ /);
    assert.match(listing[1]!, /manifest\.json$/);
    for (const line of listing.slice(1)) assert.match(line, /^-rw------- /, line);
    const out = join(work.path, 'by-tar');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', archive, '-C', out]);
    const top = readdirSync(out)[0]!;
    manifest = JSON.parse(readFileSync(join(out, top, 'manifest.json'), 'utf8')) as BackupManifest;
    const names = manifest.files.map((f) => f.name);
    for (const db of ['vigie.db', 'accounts.db', 'notify.db', 'events.db', 'alerts.db', 'checks.db', 'devices.db', 'scripts.db', 'status-pages.db', 'signing.key']) {
      assert.ok(names.includes(db), `${db} in the backup (${names.join(', ')})`);
    }
    for (const f of manifest.files) {
      const sha = execFileSync('sha256sum', [join(out, top, f.name)], { encoding: 'utf8' }).split(' ')[0];
      assert.is(sha, f.sha256, `${f.name}: sha256sum agrees with the manifest`);
      assert.is(statSync(join(out, top, f.name)).size, f.bytes);
      if (f.sqlite) assert.equal(counts(join(out, top, f.name)), f.sqlite.tables, `${f.name}: manifest row counts`);
    }
  }

  // The snapshot is one commit of vigie.db: each load host's points and its committed seq come from the same
  // transaction (every sample 1..seq stored, all of its series, nothing after it).
  const snapshotDir = join(work.path, 'snapshot');
  const restored = await vigie(['restore', archive, '--data-dir', snapshotDir]);
  assert.is(restored.code, 0, restored.stderr);
  for (const host of HOSTS) {
    const snap = hostRows(join(snapshotDir, 'vigie.db'), host);
    assert.ok(snap.seq > 200, `${host}: the snapshot holds the load (seq ${snap.seq})`);
    assert.is(snap.samples, snap.seq, `${host}: samples 1..seq, no more, no less`);
    assert.is(snap.maxTs, t0 + snap.seq * 100, `${host}: the newest sample is the committed seq`);
    assert.is(snap.points, snap.samples * snap.series, `${host}: every sample whole`);
    // The source still holds those exact rows (nothing of the snapshot is missing there), and more since.
    const live = hostRows(join(stack.dataDir, 'vigie.db'), host, snap.maxTs);
    assert.is(live.points, snap.points, `${host}: the source at the snapshot's time has the snapshot's rows`);
    assert.ok(hostRows(join(stack.dataDir, 'vigie.db'), host).seq > snap.seq, `${host}: the source went on after the snapshot`);
  }
});

test('vigie restore into a fresh data directory: the counts of the manifest, files 0600 under umask 022', async () => {
  const fresh = join(work.path, 'fresh', 'data');
  mkdirSync(join(work.path, 'fresh'));
  const r = await vigie(['restore', archive, '--data-dir', fresh]);
  assert.is(r.code, 0, r.stderr);
  assert.is(fmt(mode(fresh)), '0700', 'restored data directory');
  const m = manifest ?? (JSON.parse(execFileSync('tar', ['-xzOf', archive, '--wildcards', '*/manifest.json'], { encoding: 'utf8' })) as BackupManifest);
  const present = readdirSync(fresh).sort();
  assert.equal(present, m.files.map((f) => f.name).sort(), 'exactly the files of the manifest');
  for (const name of present) assert.is(fmt(mode(join(fresh, name))), '0600', `${name} mode`);
  for (const f of m.files.filter((x) => x.sqlite)) assert.equal(counts(join(fresh, f.name)), f.sqlite!.tables, `${f.name}: restored row counts = manifest`);
  // The restored data directory serves: a server starts on it and knows the load hosts.
  const again = await startTestStack('up', { dataDir: fresh });
  try {
    const ids = again.stack.ingest!.listHosts().map((h) => h.id);
    for (const h of HOSTS) assert.ok(ids.includes(h), `${h} known after the restore (${ids.join(', ')})`);
  } finally {
    await again.close();
  }
});

test('vigie restore refuses while the server runs on the data directory, and changes nothing', async () => {
  const before = readdirSync(stack.dataDir).sort();
  const r = await vigie(['restore', archive, '--data-dir', stack.dataDir]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /is in use by vigie up \(pid \d+/);
  assert.match(r.stderr, /stop it before restoring/);
  assert.equal(readdirSync(stack.dataDir).sort(), before);
  assert.not.ok(readdirSync(join(stack.dataDir, '..')).some((n) => n.includes('before-restore') || n.includes('.restore-')), 'nothing renamed or staged');
});

test('a restore keeps the current data directory aside', async () => {
  const dir = join(work.path, 'aside', 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vigie.db'), 'previous content');
  const r = await vigie(['restore', archive, '--data-dir', dir]);
  assert.is(r.code, 0, r.stderr);
  const aside = readdirSync(join(work.path, 'aside')).find((n) => n.startsWith('data.before-restore-'));
  assert.ok(aside, 'the previous directory is kept');
  assert.is(readFileSync(join(work.path, 'aside', aside!, 'vigie.db'), 'utf8'), 'previous content');
  assert.match(r.stdout, /previous data directory is kept as/);
});

/** Unpacks the archive with the system tar, lets `edit` change it, repacks it (manifest first); returns the new archive. */
function tampered(name: string, edit: (dir: string) => void): string {
  const out = join(work.path, `tamper-${name}`);
  mkdirSync(out);
  execFileSync('tar', ['-xzf', archive, '-C', out]);
  const top = readdirSync(out)[0]!;
  edit(join(out, top));
  const rest = readdirSync(join(out, top)).filter((n) => n !== 'manifest.json').sort().map((n) => `${top}/${n}`);
  const file = join(work.path, `${name}.tar.gz`);
  execFileSync('tar', ['--format=ustar', '--no-recursion', '-czf', file, '-C', out, `${top}/`, `${top}/manifest.json`, ...rest]);
  return file;
}

test('a tampered archive is refused, naming what is wrong', async () => {
  if (!haveTar) return;
  const check = async (file: string, expected: RegExp): Promise<void> => {
    const target = join(work.path, `never-${Math.random().toString(36).slice(2)}`);
    const r = await vigie(['restore', file, '--data-dir', target]);
    assert.is(r.code, 1, `${file}: refused`);
    assert.match(r.stderr, expected, r.stderr);
    assert.not.ok(existsSync(target), 'nothing restored');
    assert.not.ok(readdirSync(work.path).some((n) => n.startsWith('.never-')), 'staging removed');
  };
  // One byte of notify.db changed (same size): the SHA-256 catches it.
  await check(tampered('byte', (dir) => {
    const p = join(dir, 'notify.db');
    const b = readFileSync(p);
    b[b.length - 100] = b[b.length - 100]! ^ 0xff;
    writeFileSync(p, b);
  }), /notify\.db: checksum mismatch/);
  // A file dropped, one added.
  await check(tampered('missing', (dir) => execFileSync('rm', [join(dir, 'events.db')])), /missing events\.db/);
  await check(tampered('extra', (dir) => writeFileSync(join(dir, 'evil.db'), 'x')), /"evil\.db": not listed in manifest\.json/);
  // The manifest edited: from a newer Vigie; a count that the database does not have.
  const edit = (change: (m: BackupManifest) => void) => (dir: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    change(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  };
  await check(tampered('newer', edit((m) => (m.vigieVersion = '99.0.0'))), /made by Vigie 99\.0\.0, newer than this one/);
  await check(tampered('count', edit((m) => (m.files.find((f) => f.name === 'vigie.db')!.sqlite!.tables.points_raw! += 1))), /vigie\.db: table points_raw has \d+ rows, manifest\.json says/);
  // A database that is not one (its checksum made to match): integrity_check refuses it.
  await check(tampered('corrupt', (dir) => {
    const p = join(dir, 'checks.db');
    const b = readFileSync(p);
    b.fill(0x41, 100, 4096); // page 1's schema area
    writeFileSync(p, b);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    m.files.find((f) => f.name === 'checks.db')!.sha256 = execFileSync('sha256sum', [p], { encoding: 'utf8' }).split(' ')[0]!;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  }), /checks\.db: PRAGMA integrity_check failed/);
  // Bytes cut off the end, and not an archive at all.
  const cut = join(work.path, 'cut.tar.gz');
  writeFileSync(cut, readFileSync(archive).subarray(0, Math.floor(statSync(archive).size / 2)));
  await check(cut, /truncated|damaged/);
  const junk = join(work.path, 'junk.tar.gz');
  writeFileSync(junk, 'not an archive');
  await check(junk, /not a gzip archive/);
});

test('scheduled backups (worker thread, under load) keep the newest backup.keep archives and log each one', async () => {
  const schedule = stack.stack.backups!;
  const made: string[] = [];
  for (let i = 0; i < 3; i++) made.push((await schedule.runNow()).file);
  const dir = join(stack.dataDir, 'backups');
  assert.equal(listBackups(dir), made.slice(1), 'the two newest are kept');
  for (const f of listBackups(dir)) assert.is(fmt(mode(f)), '0600');
  assert.is(fmt(mode(dir)), '0700');
  const status = schedule.status();
  assert.is(status.last?.file, made[2]);
  assert.is(status.lastError, null);
  const events = new BetterSqlite3(join(stack.dataDir, 'events.db'), { readonly: true });
  const created = events.prepare("SELECT count(*) AS n FROM events WHERE type = 'backup.created'").get() as { n: number };
  events.close();
  assert.is(created.n, 3);
  // Admins see the schedule's state in /api/health.
  const admin = await adminClient(stack.httpUrl, stack.dataDir);
  const health = (await admin.get<Health>('/api/health')).data;
  assert.is(health.backup?.last?.file, made[2]);
  assert.is(health.backup?.keep, 2);
  assert.is(health.backup?.lastError, null);
  // A backup of a scheduled archive restores too (the worker's archive is the same format).
  const r = await vigie(['restore', '--check', made[2]!]);
  assert.is(r.code, 0, r.stderr);
});

test('a failing scheduled backup is logged, recorded as an event and kept in the status; the next one still runs', async () => {
  const blocker = join(work.path, 'not-a-dir');
  writeFileSync(blocker, 'a file where the backup directory should be');
  const events: Array<{ type: string; message: string }> = [];
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (_o: unknown, msg: string) => errors.push(msg) } as unknown as Logger;
  const schedule = startBackupSchedule({
    config: { enabled: false, every: 24, at: '03:00', dir: blocker, keep: 3 }, dataDir: stack.dataDir, log, events: { append: (e) => events.push(e) },
  });
  try {
    const message = await schedule.runNow().then(() => '', (error: Error) => error.message);
    assert.match(message, /not-a-dir/);
    assert.equal(errors, ['backup failed']);
    assert.is(events[0]?.type, 'backup.failed');
    assert.match(events[0]!.message, /failed: .*not-a-dir/);
    assert.match(schedule.status().lastError?.message ?? '', /not-a-dir/);
    assert.is(schedule.status().last, null);
  } finally {
    await schedule.close();
  }
});

test('nextBackupAt: slots anchored on backup.at (UTC) every backup.every hours', () => {
  const day = Date.UTC(2026, 11, 3);
  assert.is(nextBackupAt(day + 3_600_000, 24, '03:00'), day + 3 * 3_600_000);
  assert.is(nextBackupAt(day + 3 * 3_600_000, 24, '03:00'), day + 27 * 3_600_000, 'strictly after now');
  assert.is(nextBackupAt(day + 4 * 3_600_000, 6, '03:00'), day + 9 * 3_600_000);
  assert.is(nextBackupAt(day + 22 * 3_600_000, 6, '03:30'), day + 27.5 * 3_600_000);
});

test.run();
