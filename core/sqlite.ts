import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { ensurePrivateDir, ensurePrivateFile } from './private-files.js';
import { SQLITE_CACHE_BYTES, type ConnectionSettings } from './sqlite-settings.js';

export type { Database } from 'better-sqlite3';
export { SQLITE_CACHE_BYTES, type ConnectionSettings } from './sqlite-settings.js';

/** How long a connection waits for a lock another one holds before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Applies Vigie's settings to a connection: WAL, `synchronous`, a busy
 * timeout and the page cache bound. Every connection is set up here, the
 * metric store's write worker's included.
 */
export function configureConnection(db: Database, settings: ConnectionSettings = {}): void {
  // WAL: readers never block the writer, and commits are sequential appends.
  db.pragma('journal_mode = WAL');
  // NORMAL is safe from corruption in WAL; a power cut may lose the last commits only.
  db.pragma(`synchronous = ${settings.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`); // one of two literals
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // a number
  // A negative cache_size is in KiB, whatever the page size.
  db.pragma(`cache_size = -${Math.max(1, Math.round((settings.cacheBytes ?? SQLITE_CACHE_BYTES) / 1024))}`); // a number
}

/**
 * Runs `fn` on `db` (a connection set up by configureConnection) without
 * waiting for a lock another connection holds: SQLITE_BUSY at once instead
 * of BUSY_TIMEOUT_MS spent asleep in this thread. For work that can be
 * tried again later, on the server thread.
 */
export function withoutBusyWait<T>(db: Database, fn: () => T): T {
  db.pragma('busy_timeout = 0');
  try {
    return fn();
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // a number
  }
}

/** True for SQLite's "another connection holds the lock" (SQLITE_BUSY and its extended codes). */
export const isBusy = (error: unknown): boolean => String((error as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_BUSY');

/** The page cache bound a connection has, bytes, as SQLite reports it (`PRAGMA cache_size`: negative in KiB, else in pages). */
export function cacheBytesOf(db: Database): number {
  const size = db.pragma('cache_size', { simple: true }) as number;
  return size < 0 ? -size * 1024 : size * (db.pragma('page_size', { simple: true }) as number);
}

/**
 * Opens (creating if needed) a SQLite file in WAL mode and brings its schema
 * up to date with `migrations` (one SQL script per version, tracked in
 * `PRAGMA user_version`). The file and its WAL are 0600 in a 0700 directory.
 * Throws when the file was written by a newer Vigie: going on would misread it.
 */
export function openSqlite(path: string, migrations: readonly string[], settings: ConnectionSettings = {}): Database {
  ensurePrivateDir(dirname(path));
  ensurePrivateFile(path);
  const db = new BetterSqlite3(path);
  try {
    configureConnection(db, settings);
    // Files left by an older Vigie (or another tool) with a looser mode are tightened too.
    for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) ensurePrivateFile(side);
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies every migration past `user_version`, each in its own transaction. */
export function migrate(db: Database, migrations: readonly string[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`${db.name}: schema version ${current} is newer than this Vigie knows (${migrations.length}); upgrade Vigie or use another data directory`);
  }
  for (let version = current; version < migrations.length; version += 1) {
    const sql = migrations[version] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`); // a number from our own loop, not input
    })();
  }
  return migrations.length;
}

const statements = new WeakMap<Database, Map<string, Statement>>();
/** Statements kept per database: a bound on SQL built from filters. */
const MAX_CACHED_STATEMENTS = 256;

/**
 * `db.prepare(sql)`, compiled once per database and reused (better-sqlite3
 * does not cache): for paths that run per alert transition or per request,
 * where preparing cost more than running (issue 16, a fleet going stale at
 * once). Do not change a returned statement's mode (pluck, raw, expand):
 * every caller of the same SQL shares it.
 */
export function prepared(db: Database, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) {
    if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
    cache.set(sql, (stmt = db.prepare(sql)));
  }
  return stmt;
}
