import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The archive's format; a reader refuses a newer one. */
export const BACKUP_FORMAT = 'vigie-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** The config file's name inside the archive (its original path is in the manifest). */
export const CONFIG_ENTRY = 'config.json';

export type BackupFileKind = 'sqlite' | 'key' | 'config';

export interface BackupFile {
  /** File name inside the archive's directory (and in the data directory, for databases and keys). */
  name: string;
  kind: BackupFileKind;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** For databases: `PRAGMA user_version` (the schema version) and the row count of every table, as copied. */
  sqlite?: { userVersion: number; tables: Record<string, number> };
}

/** manifest.json, the archive's first file. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  vigieVersion: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** Where the data came from (informative). */
  source: { host: string; dataDir: string; configFile: string | null };
  files: BackupFile[];
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** True for a plain file name (no directory, no `..`): what a manifest may name. */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name) && name !== '.' && name !== '..';
}

/** Checks manifest.json's shape; returns the problems (empty when valid). */
export function manifestProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['manifest.json: expected a JSON object'];
  const m = value as Record<string, unknown>;
  if (m.format !== BACKUP_FORMAT) problems.push(`manifest.json: format: expected "${BACKUP_FORMAT}" (got ${JSON.stringify(m.format)})`);
  if (typeof m.formatVersion !== 'number' || !Number.isInteger(m.formatVersion)) problems.push('manifest.json: formatVersion: expected an integer');
  if (typeof m.vigieVersion !== 'string') problems.push('manifest.json: vigieVersion: expected a string');
  if (typeof m.createdAt !== 'string' || !Number.isFinite(Date.parse(m.createdAt))) problems.push('manifest.json: createdAt: expected an ISO date');
  if (!Array.isArray(m.files)) return [...problems, 'manifest.json: files: expected an array'];
  const seen = new Set<string>();
  m.files.forEach((f: unknown, i) => {
    const at = `manifest.json: files[${i}]`;
    if (typeof f !== 'object' || f === null) return void problems.push(`${at}: expected an object`);
    const file = f as Record<string, unknown>;
    if (typeof file.name !== 'string' || !isSafeName(file.name) || file.name === MANIFEST_FILE) problems.push(`${at}.name: expected a plain file name (got ${JSON.stringify(file.name)})`);
    else if (seen.has(file.name)) problems.push(`${at}.name: "${file.name}" listed twice`);
    else seen.add(file.name);
    if (file.kind !== 'sqlite' && file.kind !== 'key' && file.kind !== 'config') problems.push(`${at}.kind: expected sqlite, key or config`);
    if (typeof file.bytes !== 'number' || !Number.isSafeInteger(file.bytes) || file.bytes < 0) problems.push(`${at}.bytes: expected a size in bytes`);
    if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) problems.push(`${at}.sha256: expected 64 hex digits`);
    if (file.kind === 'sqlite') {
      const s = file.sqlite as Record<string, unknown> | undefined;
      if (typeof s !== 'object' || s === null || typeof s.userVersion !== 'number' || typeof s.tables !== 'object' || s.tables === null) {
        problems.push(`${at}.sqlite: expected { userVersion, tables }`);
      }
    }
  });
  return problems;
}
