import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackup } from '../backup/create.js';
import { extractBackup, restoreBackup } from '../backup/restore.js';
import { backupDir } from '../backup/schedule.js';
import type { BackupManifest } from '../backup/manifest.js';
import { configFileOf, formatConfigError, loadConfig, type VigieConfig } from './config.js';

export const BACKUP_HELP = `Usage: vigie backup [--to DIR] [options]

Writes one archive, vigie-backup-<UTC time>.tar.gz, of the data directory:
an online copy of every SQLite database (SQLite's backup API: consistent,
safe while the server runs and writes), the keys (secret.key, signing.key),
the config file, and manifest.json (Vigie version, time, and for each file
its size, SHA-256, schema version and row counts). The archive and
everything written on the way are readable by the owner only (0600).

  --to DIR              directory of the archive (default backup.dir, else <dataDir>/backups)
  --data-dir DIR        data directory of the server (default ./data)
  -c, --config FILE     JSON config file (it is copied into the archive)
  -h, --help            show this help

Exit status: 0 written, 1 failed, 2 usage or configuration error. See docs/backup.md.`;

export const RESTORE_HELP = `Usage: vigie restore FILE [options]

Restores an archive made by 'vigie backup' as the data directory. The
archive is checked first: manifest, sizes and SHA-256 of every file, each
database's PRAGMA integrity_check and row counts, and its Vigie version (a
backup from a newer Vigie is refused). Refused while a Vigie server, broker
or 'up' uses the data directory: stop it first. The current data directory
is kept, renamed <dataDir>.before-restore-<time>; the backup's config file
is put in the data directory as config-from-backup.json.

  --check               only check the archive; change nothing
  --data-dir DIR        data directory to restore (default ./data)
  -c, --config FILE     JSON config file (for dataDir)
  -h, --help            show this help

Exit status: 0 restored (or valid), 1 refused (invalid archive, server running), 2 usage error.`;

type Io = { out: NodeJS.WritableStream; err: NodeJS.WritableStream };

function parse(name: string, help: string, argv: string[], io: Io, extra: Record<string, { type: 'string' | 'boolean' }>):
  { values: Record<string, string | boolean | undefined>; positionals: string[]; config: VigieConfig; configFile: string | undefined } | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: { ...extra, 'data-dir': { type: 'string' }, config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err.write(`vigie ${name}: ${(error as Error).message}\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out.write(`${help}\n`);
    return 0;
  }
  const dataDir = values['data-dir'];
  const file = values.config as string | undefined;
  const loaded = loadConfig({ file, overrides: typeof dataDir === 'string' ? { dataDir } : {} });
  if (!loaded.ok) {
    io.err.write(formatConfigError(loaded.error));
    return 2;
  }
  return { values, positionals: parsed.positionals, config: loaded.value, configFile: configFileOf({ file }) };
}

function summary(m: BackupManifest): string {
  return m.files
    .map((f) => {
      const rows = f.sqlite ? `, schema ${f.sqlite.userVersion}, ${Object.values(f.sqlite.tables).reduce((a, b) => a + b, 0)} rows in ${Object.keys(f.sqlite.tables).length} tables` : '';
      return `  ${f.name} (${f.bytes} bytes${rows})`;
    })
    .join('\n');
}

/** `vigie backup`: returns the exit code. */
export async function backupMain(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const args = parse('backup', BACKUP_HELP, argv, io, { to: { type: 'string' } });
  if (typeof args === 'number') return args;
  if (args.positionals.length > 0) {
    io.err.write(`vigie backup: unexpected argument "${args.positionals[0]}" (the directory is given with --to DIR)\n`);
    return 2;
  }
  const to = typeof args.values.to === 'string' ? resolve(args.values.to) : backupDir(args.config.backup, args.config.dataDir);
  try {
    const result = await createBackup({ dataDir: args.config.dataDir, to, configFile: args.configFile ?? null });
    io.out.write(`${result.file} (${result.bytes} bytes)\n${summary(result.manifest)}\n`);
    return 0;
  } catch (error) {
    io.err.write(`vigie backup: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `vigie restore`: returns the exit code. */
export async function restoreMain(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const args = parse('restore', RESTORE_HELP, argv, io, { check: { type: 'boolean' } });
  if (typeof args === 'number') return args;
  const [file, extra] = args.positionals;
  if (!file) {
    io.err.write(`vigie restore: expected the archive to restore\n\n${RESTORE_HELP}\n`);
    return 2;
  }
  if (extra !== undefined) {
    io.err.write(`vigie restore: unexpected argument "${extra}"\n`);
    return 2;
  }
  try {
    if (args.values.check) {
      const scratch = mkdtempSync(join(tmpdir(), 'vigie-restore-check-'));
      try {
        const manifest = await extractBackup(resolve(file), join(scratch, 'data'));
        io.out.write(`${file}: valid backup of Vigie ${manifest.vigieVersion} made ${manifest.createdAt}\n${summary(manifest)}\n`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
      return 0;
    }
    const r = await restoreBackup({ file, dataDir: args.config.dataDir });
    io.out.write(
      `restored ${file} (Vigie ${r.manifest.vigieVersion}, made ${r.manifest.createdAt}) into ${r.dataDir}\n${summary(r.manifest)}\n` +
        (r.previous ? `the previous data directory is kept as ${r.previous}\n` : '') +
        (r.config ? `the backup's config file is ${r.config}: compare it with yours\n` : ''),
    );
    return 0;
  } catch (error) {
    io.err.write(`vigie restore: ${(error as Error).message}\n`);
    return 1;
  }
}
