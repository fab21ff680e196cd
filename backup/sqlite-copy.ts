import BetterSqlite3 from 'better-sqlite3';
import { ensurePrivateFile } from '../core/private-files.js';

/** Pages per backup step once started: all of them (see `snapshotDatabase`). */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the live database `source` to `dest` through SQLite's online backup
 * API (sqlite3_backup_*, via better-sqlite3's `db.backup()`), while other
 * processes keep writing to it.
 *
 * Why one step of every page rather than small steps with pauses: the backup
 * API restarts from the first page whenever another connection writes to the
 * source between two steps (https://sqlite.org/c3ref/backup_finish.html,
 * "sqlite3_backup_step() … restarted"). The ingest commits every second, so
 * a stepped copy of a large vigie.db would restart for ever. One step holds
 * a single read transaction: in WAL mode that never blocks the writers (they
 * append to the WAL meanwhile) and the copy is the database as of one
 * commit. The scheduled backup runs it in a worker thread, so the server's
 * event loop is not held while the pages are copied.
 *
 * `dest` is created 0600 before SQLite opens it: SQLite keeps an existing
 * file's mode (and gives its journal the same), whatever the umask.
 */
export async function snapshotDatabase(source: string, dest: string): Promise<void> {
  ensurePrivateFile(dest);
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(dest, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
}

/** Schema version and row counts of every table of a database file (a copy: nothing writes to it). */
export function describeDatabase(path: string): { userVersion: number; tables: Record<string, number> } {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    const userVersion = db.pragma('user_version', { simple: true }) as number;
    const names = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
      .all()
      .map((r) => r.name);
    const tables: Record<string, number> = {};
    // Table names come from the file's own schema; quoted as SQL identifiers.
    for (const name of names) tables[name] = (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n;
    return { userVersion, tables };
  } finally {
    db.close(); // the last connection of a WAL database checkpoints and removes its -wal and -shm
  }
}

/** `PRAGMA integrity_check` of a database file: 'ok' or the first problems SQLite reports. */
export function integrityCheck(path: string): string {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true });
    const rows = db.pragma('integrity_check(10)') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } catch (error) {
    return (error as Error).message; // "file is not a database", …
  } finally {
    db?.close();
  }
}
