import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '../core/private-files.js';
import { VIGIE_VERSION } from '../core/version.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, CONFIG_ENTRY, MANIFEST_FILE, sha256File, type BackupFile, type BackupManifest } from './manifest.js';
import { describeDatabase, snapshotDatabase } from './sqlite-copy.js';
import { writeArchive } from './archive.js';
import { fileStamp } from '../core/time.js';

/** Archive names: `vigie-backup-<UTC stamp>.tar.gz`; the stamp sorts in time order. */
export const ARCHIVE_PREFIX = 'vigie-backup-';
export const ARCHIVE_SUFFIX = '.tar.gz';
/** Where backups go when neither --to nor backup.dir says: `<dataDir>/backups`. */
export const DEFAULT_BACKUP_SUBDIR = 'backups';

export interface BackupOptions {
  dataDir: string;
  /** Directory the archive is written to (created 0700). */
  to: string;
  /** The config file in use, copied into the archive; null or absent when the config comes from flags and environment only. */
  configFile?: string | null;
  /** For the archive's name and the manifest (tests). */
  now?: Date;
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** The files of `dataDir` a backup holds: every SQLite database (`*.db`) and every key (`*.key`), sorted. */
export function backedUpFiles(dataDir: string): { name: string; kind: 'sqlite' | 'key' }[] {
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((e) => e.isFile() && (e.name.endsWith('.db') || e.name.endsWith('.key')))
    .map((e) => ({ name: e.name, kind: e.name.endsWith('.db') ? ('sqlite' as const) : ('key' as const) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Writes one archive of the data directory: an online copy of every
 * database (consistent per database, see `snapshotDatabase`), the keys, the
 * config file and manifest.json. Everything is staged in a 0700 directory of
 * 0600 files beside the destination, packed into `.<name>.partial` (0600)
 * and renamed into place at the end: a crash or a full disk leaves no
 * archive that looks complete. Safe while the server runs.
 */
export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const dataDir = resolve(opts.dataDir);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new Error(`${dataDir}: no data directory here (check --data-dir or dataDir)`);
  const to = resolve(opts.to);
  ensurePrivateDir(to);
  const now = opts.now ?? new Date();
  const base = `${ARCHIVE_PREFIX}${fileStamp(now.getTime())}`;
  const final = join(to, `${base}${ARCHIVE_SUFFIX}`);
  if (existsSync(final)) throw new Error(`${final} already exists`);
  const staging = join(to, `.${base}.partial`);
  const partial = join(to, `.${base}${ARCHIVE_SUFFIX}.partial`);
  rmSync(staging, { recursive: true, force: true });
  // Staged as `<staging>/<base>/`: the archive's one top directory is that directory, as it is on disk.
  const stagedDir = join(staging, base);
  ensurePrivateDir(staging);
  ensurePrivateDir(stagedDir);
  try {
    const files: BackupFile[] = [];
    for (const f of backedUpFiles(dataDir)) {
      const dest = join(stagedDir, f.name);
      if (f.kind === 'sqlite') {
        // SQLite's messages ("database disk image is malformed") do not say which file.
        await snapshotDatabase(join(dataDir, f.name), dest).catch((error: unknown) => {
          throw new Error(`${join(dataDir, f.name)}: ${(error as Error).message}`);
        });
      } else {
        copyFileSync(join(dataDir, f.name), dest);
        chmodSync(dest, PRIVATE_FILE_MODE);
      }
      // Described from the copy: the counts are those of the snapshot, not of the live file a moment later.
      const sqlite = f.kind === 'sqlite' ? describeDatabase(dest) : undefined;
      files.push({ name: f.name, kind: f.kind, bytes: statSync(dest).size, sha256: await sha256File(dest), ...(sqlite ? { sqlite } : {}) });
    }
    const configFile = opts.configFile ? resolve(opts.configFile) : null;
    if (configFile && existsSync(configFile)) {
      const dest = join(stagedDir, CONFIG_ENTRY);
      copyFileSync(configFile, dest);
      chmodSync(dest, PRIVATE_FILE_MODE); // it may hold SMTP or InfluxDB passwords
      files.push({ name: CONFIG_ENTRY, kind: 'config', bytes: statSync(dest).size, sha256: await sha256File(dest) });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      vigieVersion: VIGIE_VERSION,
      createdAt: now.toISOString(),
      source: { host: hostname(), dataDir, configFile: configFile && existsSync(configFile) ? configFile : null },
      files,
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(stagedDir, MANIFEST_FILE), manifestBytes, { mode: PRIVATE_FILE_MODE });

    rmSync(partial, { force: true });
    ensurePrivateFile(partial);
    // One top directory, so `tar xzf` by hand does not spill files into the current directory; manifest.json
    // first, so a restore knows what to expect before the first byte of a database.
    await writeArchive(stagedDir, [MANIFEST_FILE, ...files.map((f) => f.name)], partial, now);
    chmodSync(partial, PRIVATE_FILE_MODE);
    renameSync(partial, final);
    return { file: final, bytes: statSync(final).size, manifest };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Archives in `dir` made by Vigie, oldest first (their names sort in time order). */
export function listBackups(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(ARCHIVE_PREFIX) && n.endsWith(ARCHIVE_SUFFIX)).sort().map((n) => join(dir, n));
}

/** Deletes all but the `keep` newest archives of `dir`; returns the deleted paths. Only Vigie's archive names are touched. */
export function pruneBackups(dir: string, keep: number): string[] {
  const all = listBackups(dir);
  const old = all.slice(0, Math.max(0, all.length - keep));
  for (const f of old) rmSync(f, { force: true });
  return old;
}
