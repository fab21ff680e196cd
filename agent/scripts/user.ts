import { readFileSync } from 'node:fs';
import type { Owner } from './store.js';

/** Default user scripts run as when the agent runs as root. */
export const DEFAULT_SCRIPTS_USER = 'nobody';

/**
 * The uid and gid of `name` from /etc/passwd (Node has no getpwnam; the
 * agent bundle takes no native addon). Null when there is no such user.
 */
export function lookupUser(name: string, passwd = '/etc/passwd'): Owner | null {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/**
 * Whom scripts run as: when the agent is root, `agent.scriptsUser` (default
 * `nobody`) unless `agent.scriptsAsRoot`; otherwise the agent's own user
 * (undefined: no change). Throws naming the key when the user does not exist.
 */
export function scriptsOwner(config: { scriptsUser?: string; scriptsAsRoot: boolean }, isRoot: boolean): Owner | undefined {
  if (!isRoot || config.scriptsAsRoot) return undefined;
  const name = config.scriptsUser ?? DEFAULT_SCRIPTS_USER;
  const owner = lookupUser(name);
  if (!owner) throw new Error(`agent.scriptsUser: no user "${name}" in /etc/passwd on this host; create it, name another one, or set agent.scriptsAsRoot: true`);
  return owner;
}
