import { join } from 'node:path';
import { openSqlite, type Database } from '../core/sqlite.js';

/** Accounts live apart from metrics: a small file that is backed up and copied on its own. */
export const ACCOUNTS_FILE = 'accounts.db';

const MIGRATIONS: readonly string[] = [
  `
  -- Credentials for MQTT clients: agents (one host each) and services
  -- (the ingest, read-only tools). Only a hash of the secret is kept.
  CREATE TABLE mqtt_credentials (
    username    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('agent', 'service')),
    host        TEXT,
    role        TEXT CHECK (role IN ('ingest', 'reader')),
    secret_hash TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK ((kind = 'agent' AND host IS NOT NULL AND role IS NULL) OR (kind = 'service' AND role IS NOT NULL AND host IS NULL))
  );
  `,
  `
  -- Dashboard users. Names are unique ignoring case; only an scrypt hash of
  -- the password is kept. failed_logins/locked_until carry the brute-force
  -- lock across restarts.
  CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER
  );
  -- Sessions: the cookie holds a random id, the table its SHA-256.
  CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    address      TEXT
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
  );
  -- Who may see a host: its owner, and the groups it is shared with.
  CREATE TABLE host_access (
    host     TEXT PRIMARY KEY,
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    label    TEXT
  );
  CREATE TABLE host_groups (
    host     TEXT NOT NULL,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (host, group_id)
  );
  -- API tokens for scripts: 'vgt_' + a generated secret, kept as its SHA-256.
  CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash  TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
  );
  `,
  `
  -- The user's sign-in before the one that opened this session, so a page
  -- can say "this sign-in: …; previous: …" (issue 11). NULL: the first one.
  ALTER TABLE sessions ADD COLUMN previous_login_at INTEGER;
  `,
  `
  -- One-time enrollment tokens (issue 11): what an install line carries
  -- instead of a password. Only the SHA-256 of the token is kept; used and
  -- cancelled rows stay (a while) so a reused token gets a precise refusal.
  -- owner_id/groups are applied to the host when the token is used.
  CREATE TABLE enrollment_tokens (
    id           INTEGER PRIMARY KEY,
    host         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    set_access   INTEGER NOT NULL DEFAULT 0,
    owner_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    groups       TEXT NOT NULL DEFAULT '[]',
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    used_from    TEXT,
    cancelled_at INTEGER,
    cancelled_by TEXT
  );
  CREATE INDEX enrollment_tokens_host ON enrollment_tokens (host);
  `,
  `
  -- Mosquitto (issue 15): usernames lose their ':' (mosquitto_passwd and its
  -- password file cannot hold one): agent:<host> -> agent-<host>,
  -- service:<name> -> service-<name>. The old names still authenticate against
  -- the embedded broker (accounts/mqtt-credentials.ts, legacyAlias). Each new
  -- secret also gets Mosquitto 2.0's PBKDF2-SHA512 form; rows made before have
  -- none and are listed by 'vigie mosquitto' as needing rotation.
  UPDATE mqtt_credentials SET username = 'agent-' || substr(username, 7) WHERE username LIKE 'agent:%';
  UPDATE mqtt_credentials SET username = 'service-' || substr(username, 9) WHERE username LIKE 'service:%';
  ALTER TABLE mqtt_credentials ADD COLUMN mosquitto_hash TEXT;
  `,
];

/** Opens (creating if needed) `<dataDir>/accounts.db` with its schema up to date. */
export function openAccountsDatabase(dataDir: string): Database {
  const db = openSqlite(join(dataDir, ACCOUNTS_FILE), MIGRATIONS);
  db.pragma('foreign_keys = ON'); // deleting a user takes their sessions, tokens and memberships with it
  return db;
}
