import { join } from 'node:path';
import { migrate as migrateSqlite, openSqlite, type Database } from '../../../core/sqlite.js';
import { MIGRATIONS } from './migrations.js';

export type { Database } from '../../../core/sqlite.js';

/** The ingest's database file under the data directory. */
export const DATABASE_FILE = 'vigie.db';

/** Opens (creating if needed) `<dataDir>/vigie.db` in WAL mode with the ingest's schema up to date. */
export function openDatabase(dataDir: string): Database {
  return openSqlite(join(dataDir, DATABASE_FILE), MIGRATIONS);
}

/** Applies the ingest's migrations past `user_version`. */
export function migrate(db: Database): number {
  return migrateSqlite(db, MIGRATIONS);
}
