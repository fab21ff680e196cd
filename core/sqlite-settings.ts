// Plain values, apart from core/sqlite.ts: config schemas import them, and the agent bundle must not load better-sqlite3.

/**
 * Bytes of page cache one connection may keep: SQLite's own default (2 MiB).
 * better-sqlite3 builds SQLite with 16 MB instead, per connection. The page
 * cache is malloc'd memory the process keeps once filled, and the files are
 * in the OS's cache anyway. At 1,000 agents the server's connection to
 * vigie.db (host rows, services lists included) held ~21 MiB of it:
 * bench/pipeline --soak 420, mean RSS 199.6 → 177.0 MiB with 2 MiB, the same
 * CPU; bench/pipeline/capacity ingested as much (11,072 vs 10,615 msg/s).
 */
export const SQLITE_CACHE_BYTES = 2 * 1024 * 1024;

/** Settings of a connection beside its file. */
export interface ConnectionSettings {
  /** `PRAGMA synchronous` (default NORMAL). */
  synchronous?: 'FULL' | 'NORMAL';
  /** Page cache bound, bytes (default SQLITE_CACHE_BYTES). */
  cacheBytes?: number;
}
