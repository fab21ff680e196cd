/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many
 * ran. Append a new entry to change the schema — never edit a shipped one.
 *
 * Rollup tables are WITHOUT ROWID with the primary key (series_id, ts): rows
 * of one series sit together (a range query reads one contiguous run). Raw
 * points are keyed (host_key, ts, series_id) since migration 4: a sample's
 * points are written together. Either way a sample delivered twice (MQTT
 * QoS 1 may redeliver) replaces itself.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE series (
    id     INTEGER PRIMARY KEY,
    host   TEXT NOT NULL,
    metric TEXT NOT NULL,
    key    TEXT NOT NULL,
    UNIQUE (host, metric, key)
  );
  CREATE TABLE points_raw (
    series_id INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  -- Rollups keep sum and count, not avg, so coarser buckets re-aggregate exactly.
  CREATE TABLE points_1m (
    series_id INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    sum       REAL NOT NULL,
    count     INTEGER NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  CREATE TABLE points_1h (
    series_id INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    sum       REAL NOT NULL,
    count     INTEGER NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  CREATE TABLE hosts (
    id         TEXT PRIMARY KEY,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    presence   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    info       TEXT,
    status     TEXT,
    services   TEXT,
    latest     TEXT
  ) WITHOUT ROWID;
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value
  ) WITHOUT ROWID;
  `,
  // 2: the highest committed metrics seq per host, written in the same transaction as the points,
  // so a restarted ingest still recognises a sample it already stored (issue 10, item 14).
  `
  CREATE TABLE host_seq (
    host TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 3: what every sample changes (last seen, presence, latest sample) in a table of its own
  // (issue 16). SQLite rewrites a whole record on any UPDATE: a hosts row carries the services
  // list (kilobytes, in overflow pages), so updating its last_seen read and rewrote all of it.
  // A rowid table: its rows up to ~4 KiB stay on their leaf page (WITHOUT ROWID spills past ~1 KiB).
  `
  CREATE TABLE host_hot (
    id        TEXT PRIMARY KEY,
    last_seen INTEGER NOT NULL,
    presence  TEXT NOT NULL,
    reason    TEXT NOT NULL,
    latest    TEXT
  );
  INSERT INTO host_hot (id, last_seen, presence, reason, latest) SELECT id, last_seen, presence, reason, latest FROM hosts;
  UPDATE hosts SET latest = NULL;
  `,
  // 4: raw points keyed by host first, (host_key, ts, series_id) (issue 16, goal 3). Keyed by
  // (series_id, ts), the ~20 points of one sample landed on ~20 pages (one per series' newest
  // rows), each written whole to the WAL at every commit: ~57 KiB per sample with 1,000 hosts.
  // Keyed by host and time, a sample's points sit side by side on its host's newest page.
  `
  CREATE TABLE host_keys (
    id   INTEGER PRIMARY KEY,
    host TEXT NOT NULL UNIQUE
  );
  INSERT INTO host_keys (host) SELECT DISTINCT host FROM series ORDER BY host;
  CREATE TABLE points_raw_by_host (
    host_key  INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (host_key, ts, series_id)
  ) WITHOUT ROWID;
  INSERT INTO points_raw_by_host (host_key, ts, series_id, value)
    SELECT k.id, p.ts, p.series_id, p.value FROM points_raw p JOIN series s ON s.id = p.series_id JOIN host_keys k ON k.host = s.host
    ORDER BY 1, 2, 3;
  DROP TABLE points_raw;
  ALTER TABLE points_raw_by_host RENAME TO points_raw;
  `,
];
