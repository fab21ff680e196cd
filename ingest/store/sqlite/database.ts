import { join } from 'node:path';
import { migrate as migrateSqlite, openSqlite, type ConnectionSettings, type Database } from '../../../core/sqlite.js';
import { MIGRATIONS } from './migrations.js';

export type { Database } from '../../../core/sqlite.js';

/** The ingest's database file under the data directory. */
export const DATABASE_FILE = 'vigie.db';

/**
 * Opens (creating if needed) `<dataDir>/vigie.db` in WAL mode with the ingest's schema up to date.
 *
 * `synchronous = FULL` (the default here): the ingest acknowledges a sample (MQTT PUBACK, `stored`)
 * once its batch is committed, so that commit must survive a power cut, which NORMAL does not
 * promise in WAL mode (the last commits may roll back). FULL syncs the WAL at each commit: one
 * fsync per write batch (measured in bench/store; docs/storage.md). `NORMAL` is for benchmarks.
 * `cacheBytes`: the connection's page cache (`ingest.sqliteCache`; core/sqlite-settings.ts SQLITE_CACHE_BYTES).
 */
export function openDatabase(dataDir: string, opts: ConnectionSettings = {}): Database {
  return openSqlite(join(dataDir, DATABASE_FILE), MIGRATIONS, { ...opts, synchronous: opts.synchronous ?? 'FULL' });
}

/** Applies the ingest's migrations past `user_version`. */
export function migrate(db: Database): number {
  return migrateSqlite(db, MIGRATIONS);
}
