import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/private-files.js';
import { compareVersions } from '../core/semver.js';
import { VIGIE_VERSION } from '../core/version.js';
import { DATABASE_FILE } from '../ingest/store/sqlite/database.js';
import { MIGRATIONS as INGEST_MIGRATIONS } from '../ingest/store/sqlite/migrations.js';
import { ArchiveError, readArchive } from './archive.js';
import { BACKUP_FORMAT_VERSION, CONFIG_ENTRY, MANIFEST_FILE, manifestProblems, type BackupManifest } from './manifest.js';
import { runningProcesses } from './running.js';
import { describeDatabase, integrityCheck } from './sqlite-copy.js';
import { fileStamp } from '../core/time.js';

/** What is wrong with an archive, or why a restore cannot go on; the message names the file or the cause. */
export class RestoreError extends Error {}

/** manifest.json is at most this big (a data directory has a dozen files). */
const MAX_MANIFEST_BYTES = 1 << 20;
/** The restored config file's name in the data directory: the server reads its config elsewhere, so it is put aside to be looked at. */
export const RESTORED_CONFIG = 'config-from-backup.json';
/** How a refused entry type is named (tar's type names otherwise). */
const TYPE_NAMES: Record<string, string> = {
  SymbolicLink: 'a symbolic link',
  Link: 'a hard link',
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO',
  ContiguousFile: 'a contiguous file',
};

/**
 * Extracts `file` into the new directory `dest` (0700, files 0600) and
 * checks everything before anything else is touched: gzip and tar framing
 * (header checksums, only plain files in one top directory), manifest.json
 * first and well formed, every file listed and present once with its size
 * and SHA-256, no other file, a format and a Vigie version this Vigie can
 * read, and every database passing `PRAGMA integrity_check` with the schema
 * version and row counts the manifest says. Throws RestoreError naming the
 * first problem; `dest` is removed then.
 */
export async function extractBackup(file: string, dest: string): Promise<BackupManifest> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new RestoreError(`${file}: no such file`);
  ensurePrivateDir(dest);
  try {
    let top: string | null = null;
    let manifest: BackupManifest | null = null;
    const got = new Set<string>();
    await readArchive(file, async (entry) => {
      const path = entry.path;
      // Checked here, not left to tar: its Parser reads entries as they are (only its extract sanitizes), and a
      // tampered archive must not write outside `dest` nor through a link.
      if (path.startsWith('/')) throw new RestoreError(`archive entry "${path}": an absolute path, refused`);
      if (path.split('/').some((part) => part === '..' || part === '.')) throw new RestoreError(`archive entry "${path}": a path with ".." or "." in it, refused`);
      const isDir = entry.type === 'Directory';
      if (!isDir && entry.type !== 'File' && entry.type !== 'OldFile') {
        const what = TYPE_NAMES[entry.type] ?? `type "${entry.header.typeKey}"`;
        throw new RestoreError(`archive entry "${path}": ${what}${entry.linkpath ? ` to "${entry.linkpath}"` : ''} is not a plain file or directory`);
      }
      const name = isDir ? path.replace(/\/$/, '') : path;
      const slash = name.indexOf('/');
      const dir = slash === -1 ? name : name.slice(0, slash);
      const rest = slash === -1 ? '' : name.slice(slash + 1);
      top ??= dir;
      if (dir !== top || rest.includes('/') || (!isDir && rest === '')) throw new RestoreError(`archive entry "${path}": outside the archive's directory "${top}/"`);
      if (isDir) {
        if (rest !== '') throw new RestoreError(`archive entry "${path}": unexpected directory`);
        return;
      }
      if (!manifest) {
        if (rest !== MANIFEST_FILE) throw new RestoreError(`archive: ${MANIFEST_FILE} must come first (found "${path}"); this is not a Vigie backup`);
        if (entry.size > MAX_MANIFEST_BYTES) throw new RestoreError(`${MANIFEST_FILE}: ${entry.size} bytes, too large`);
        const text = (await entry.concat()).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          throw new RestoreError(`${MANIFEST_FILE}: not valid JSON (${(error as Error).message})`);
        }
        const problems = manifestProblems(parsed);
        if (problems.length > 0) throw new RestoreError(problems.join('\n'));
        manifest = parsed as BackupManifest;
        checkVersions(manifest);
        return;
      }
      const listed = manifest.files.find((f) => f.name === rest);
      if (!listed) throw new RestoreError(`archive entry "${rest}": not listed in ${MANIFEST_FILE} (the archive was altered)`);
      if (got.has(rest)) throw new RestoreError(`archive entry "${rest}": present twice`);
      got.add(rest);
      if (entry.size !== listed.bytes) throw new RestoreError(`${rest}: ${entry.size} bytes in the archive, ${listed.bytes} in ${MANIFEST_FILE} (the archive was altered)`);
      const hash = createHash('sha256');
      // The name is one of the manifest's (plain names, checked by manifestProblems). 'wx': never follow or
      // overwrite anything already in the fresh directory. pipeline() reads the entry at the disk's pace; its
      // source is a generator over the entry, so a failed write leaves the entry to readArchive, not destroyed.
      await pipeline(async function* () {
        for await (const c of entry) {
          hash.update(c);
          yield c;
        }
      }, createWriteStream(join(dest, rest), { flags: 'wx', mode: PRIVATE_FILE_MODE }));
      chmodSync(join(dest, rest), PRIVATE_FILE_MODE);
      const sum = hash.digest('hex');
      if (sum !== listed.sha256) throw new RestoreError(`${rest}: checksum mismatch (SHA-256 ${sum}, ${MANIFEST_FILE} says ${listed.sha256}); the archive is damaged or was altered`);
    });
    if (!manifest) throw new RestoreError(`archive: no ${MANIFEST_FILE}; this is not a Vigie backup`);
    const m: BackupManifest = manifest;
    const missing = m.files.filter((f) => !got.has(f.name)).map((f) => f.name);
    if (missing.length > 0) throw new RestoreError(`archive: missing ${missing.join(', ')} listed in ${MANIFEST_FILE}`);
    for (const f of m.files.filter((x) => x.kind === 'sqlite')) {
      const path = join(dest, f.name);
      const check = integrityCheck(path);
      if (check !== 'ok') throw new RestoreError(`${f.name}: PRAGMA integrity_check failed: ${check}`);
      const seen = describeDatabase(path);
      if (seen.userVersion !== f.sqlite!.userVersion) throw new RestoreError(`${f.name}: schema version ${seen.userVersion}, ${MANIFEST_FILE} says ${f.sqlite!.userVersion}`);
      for (const [table, rows] of Object.entries(f.sqlite!.tables)) {
        if (seen.tables[table] !== rows) throw new RestoreError(`${f.name}: table ${table} has ${seen.tables[table] ?? 'no'} rows, ${MANIFEST_FILE} says ${rows}`);
      }
      if (f.name === DATABASE_FILE && seen.userVersion > INGEST_MIGRATIONS.length) {
        throw new RestoreError(`${f.name}: schema version ${seen.userVersion} is newer than this Vigie knows (${INGEST_MIGRATIONS.length}); upgrade Vigie first`);
      }
    }
    return m;
  } catch (error) {
    rmSync(dest, { recursive: true, force: true });
    if (error instanceof RestoreError) throw error;
    // ArchiveError: gzip or tar framing; its message names the archive and the entry.
    if (error instanceof ArchiveError) throw new RestoreError(error.message);
    throw error;
  }
}

/** Refuses an archive from a newer format or a newer Vigie: its schemas may be ones this Vigie would misread. */
function checkVersions(m: BackupManifest): void {
  if (m.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new RestoreError(`${MANIFEST_FILE}: backup format ${m.formatVersion} is newer than this Vigie reads (${BACKUP_FORMAT_VERSION}); upgrade Vigie to restore it`);
  }
  const cmp = compareVersions(m.vigieVersion, VIGIE_VERSION);
  if (cmp === null) throw new RestoreError(`${MANIFEST_FILE}: vigieVersion "${m.vigieVersion}" is not a version`);
  if (cmp > 0) throw new RestoreError(`this backup was made by Vigie ${m.vigieVersion}, newer than this one (${VIGIE_VERSION}); upgrade Vigie to restore it`);
}

export interface RestoreResult {
  dataDir: string;
  /** Where the previous data directory was moved; null when there was none (or it was empty). */
  previous: string | null;
  /** The backed-up config file, when the archive holds one, copied into the data directory for review. */
  config: string | null;
  manifest: BackupManifest;
}

/** Throws RestoreError when a Vigie process is using `dataDir` (see backup/running.ts). */
export function refuseWhileRunning(dataDir: string): void {
  const live = runningProcesses(dataDir);
  if (live.length > 0) {
    const who = live.map((p) => `vigie ${p.role} (pid ${p.pid} on ${p.host}, started ${p.startedAt}; ${p.file})`).join(', ');
    throw new RestoreError(`${dataDir} is in use by ${who}: stop it before restoring (a stale file left by a crash can be removed by hand)`);
  }
}

/**
 * Restores `file` as the data directory `dataDir`: refuses while a Vigie
 * process uses it, extracts and checks the archive beside it
 * (`extractBackup`), then moves the current directory aside to
 * `<dataDir>.before-restore-<stamp>` (never deleted) and renames the
 * extracted one into place. The config file of the backup, if any, lands
 * in the data directory as `config-from-backup.json`: the server's own
 * config file is not overwritten.
 */
export async function restoreBackup(opts: { file: string; dataDir: string; now?: Date }): Promise<RestoreResult> {
  const dataDir = resolve(opts.dataDir);
  const stamp = fileStamp((opts.now ?? new Date()).getTime());
  refuseWhileRunning(dataDir);
  const parent = dirname(dataDir);
  if (!existsSync(parent)) throw new RestoreError(`${parent}: no such directory (the data directory's parent must exist)`);
  const staging = join(parent, `.${basename(dataDir)}.restore-${stamp}`);
  const manifest = await extractBackup(resolve(opts.file), staging);
  try {
    let config: string | null = null;
    if (existsSync(join(staging, CONFIG_ENTRY))) {
      renameSync(join(staging, CONFIG_ENTRY), join(staging, RESTORED_CONFIG));
      config = join(dataDir, RESTORED_CONFIG);
    }
    // Checked again just before the switch: a server may have started while the archive was read.
    refuseWhileRunning(dataDir);
    let previous: string | null = null;
    if (existsSync(dataDir)) {
      if (readdirSync(dataDir).length === 0) rmSync(dataDir, { recursive: true });
      else renameSync(dataDir, (previous = `${dataDir}.before-restore-${stamp}`));
    }
    renameSync(staging, dataDir);
    return { dataDir, previous, config, manifest };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
