import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACL_FILE, CONF_FILE, PASSWORD_FILE, PERSISTENCE_DIR } from './files.js';

const run = promisify(execFile);

export interface MosquittoFiles {
  conf: string;
  passwd: string;
  acl: string;
}

/** The gid of `group` from /etc/group (Node has no getgrnam); throws naming the key when there is none. */
export function groupId(group: string, groupFile = '/etc/group'): number {
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new Error(`mosquitto.group: no group named "${group}" in ${groupFile}`);
}

/**
 * Replaces `path` with `text` atomically: written beside it with its final
 * mode, then renamed over it, so Mosquitto reloading at any moment reads the
 * old file or the new one, never half of one.
 */
function writeAtomic(path: string, text: string, mode: number, gid: number | null): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(aside, text, { mode, flag: 'wx' });
    if (gid !== null) chownSync(aside, -1, gid);
    chmodSync(aside, mode); // the umask may have narrowed it
    renameSync(aside, path);
  } catch (error) {
    if (existsSync(aside)) unlinkSync(aside);
    throw error;
  }
}

/**
 * Writes the three files into `dir` (created if needed); returns which ones
 * changed. passwd and acl are 0600, or 0640 with `group` (a Mosquitto running
 * as another user of that group reads them); the directory and the
 * persistence directory under it are made accordingly.
 */
export function writeMosquittoFiles(dir: string, files: MosquittoFiles, opts: { group?: string | null } = {}): string[] {
  const gid = opts.group ? groupId(opts.group) : null;
  mkdirSync(dir, { recursive: true, mode: gid === null ? 0o700 : 0o750 });
  const data = join(dir, PERSISTENCE_DIR);
  // Mosquitto writes its persistence file there, as the user it runs as.
  mkdirSync(data, { recursive: true, mode: gid === null ? 0o700 : 0o770 });
  if (gid !== null) {
    chownSync(dir, -1, gid);
    chmodSync(dir, 0o750);
    chownSync(data, -1, gid);
    chmodSync(data, 0o770);
  }
  const mode = gid === null ? 0o600 : 0o640;
  const changed: string[] = [];
  for (const [name, text] of [[CONF_FILE, files.conf], [PASSWORD_FILE, files.passwd], [ACL_FILE, files.acl]] as const) {
    const path = join(dir, name);
    let before: string | null = null;
    try {
      before = readFileSync(path, 'utf8');
    } catch {
      // missing: written below
    }
    if (before === text) continue;
    writeAtomic(path, text, mode, gid);
    changed.push(name);
  }
  return changed;
}

export type ReloadTarget = { pidFile: string } | { command: readonly string[] };

/**
 * Makes Mosquitto re-read its password and ACL files: SIGHUP to the pid in
 * `pidFile`, or `command` run without a shell. On SIGHUP, Mosquitto 2.0
 * reloads both files and disconnects the connected clients whose username
 * or password is no longer in the password file (verified with 2.0.11:
 * a revoked agent is cut at once); clients still listed stay connected.
 */
export async function reloadMosquitto(target: ReloadTarget): Promise<void> {
  if ('pidFile' in target) {
    const text = readFileSync(target.pidFile, 'utf8').trim();
    if (!/^[1-9]\d{0,9}$/.test(text)) throw new Error(`mosquitto.pidFile: ${target.pidFile} does not hold a pid ("${text.slice(0, 20)}")`);
    process.kill(Number(text), 'SIGHUP');
    return;
  }
  const [file, ...args] = target.command;
  await run(file!, args, { timeout: 30_000 });
}
