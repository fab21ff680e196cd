import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type { Database } from 'better-sqlite3';

/** The one database file under the data directory. */
export const DATABASE_FILE = 'vigie.db';

/**
 * Opens (creating if needed) `<dataDir>/vigie.db` in WAL mode and brings its
 * schema up to date. Throws when the file was written by a newer Vigie: going
 * on would misread it.
 */
export function openDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new BetterSqlite3(join(dataDir, DATABASE_FILE));
  try {
    // WAL: readers never block the writer, and commits are sequential appends.
    db.pragma('journal_mode = WAL');
    // NORMAL is safe from corruption in WAL; a power cut may lose the last commits only.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies every migration past `user_version`, each in its own transaction. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`${db.name}: schema version ${current} is newer than this Vigie knows (${MIGRATIONS.length}); upgrade Vigie or use another data directory`);
  }
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    const sql = MIGRATIONS[version] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`); // a number from our own loop, not input
    })();
  }
  return MIGRATIONS.length;
}
