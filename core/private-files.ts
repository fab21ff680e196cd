import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

/** Owner only: the data directory holds password hashes, channel secrets and every host's history. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and its parents) if needed and makes it 0700, tightening a
 * directory that already exists with a looser mode: a backup or a new file
 * left in it with the default umask is then unreadable to other users.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `path` a 0600 file, creating it empty if it does not exist. SQLite
 * gives its -wal and -shm files the mode of the database file, so a database
 * created this way keeps all three private whatever the umask.
 */
export function ensurePrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  if ((statSync(path).mode & 0o777) !== PRIVATE_FILE_MODE) chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Reads the private file `path`, creating it (0600) with `make()` when it is
 * missing. Creation is atomic (written aside, then hard-linked in place,
 * which fails if the file appeared meanwhile), so a server and a CLI starting
 * together agree on one key.
 */
export function readOrCreatePrivateFile(path: string, make: () => Buffer): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    content = createOnce(path, make());
  }
  ensurePrivateFile(path);
  return content;
}

function createOnce(path: string, fresh: Buffer): Buffer {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(aside, fresh, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(aside, path);
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path); // another process made it first: use theirs
  } finally {
    unlinkSync(aside);
  }
}
