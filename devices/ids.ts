import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** The device file's name (devices/store.ts uses the same). */
const DEVICES_FILE = 'devices.db';

/**
 * Whether `host` is an SNMP device of the data directory in `dataDir`, read
 * straight from devices.db (read-only, no secret key needed). For the
 * enrollment tokens (accounts/enrollment-tokens.ts), which every path that
 * enrolls an agent goes through — the API and `vigie credentials add` alike —
 * and which must not hand agent credentials to a device's id (issue 13).
 */
export function isDeviceIn(dataDir: string, host: string): boolean {
  const path = join(dataDir, DEVICES_FILE);
  if (!existsSync(path)) return false;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db.prepare('SELECT 1 FROM devices WHERE id = ?').get(host) !== undefined;
  } catch (error) {
    // A file made but not yet migrated has no table: no device yet.
    if (/no such table/.test((error as Error).message)) return false;
    throw error;
  } finally {
    db?.close();
  }
}
