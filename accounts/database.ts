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
];

/** Opens (creating if needed) `<dataDir>/accounts.db` with its schema up to date. */
export function openAccountsDatabase(dataDir: string): Database {
  return openSqlite(join(dataDir, ACCOUNTS_FILE), MIGRATIONS);
}
