import type { HostAccessStore } from '../accounts/host-access.js';
import type { User } from '../accounts/users.js';
import type { ScriptRecord } from './types.js';

/**
 * Who may do what with scripts (issue 14, docs/scripts.md "Who may do what"):
 * - admins write the library (create, edit, enable, disable, delete; a
 *   built-in may be disabled, never edited or deleted) and run actions anywhere;
 * - operators read the library and run actions on the hosts they see
 *   (accounts/host-access.ts, as devices/access.ts does for devices);
 * - viewers see check results and the runs of hosts they see: no library, no run.
 * Where a script may run at all is the script's own `hosts` and `groups`
 * (built-ins: every host), whoever asks.
 */
export type ScriptUser = Pick<User, 'id' | 'role' | 'groups'>;

export class ScriptAccess {
  constructor(private readonly hosts: Pick<HostAccessStore, 'visibilityOf' | 'canSee' | 'get'>) {}

  /** Reads the library (GET /api/scripts): admins and operators. */
  canRead(user: ScriptUser): boolean {
    return user.role === 'admin' || user.role === 'operator';
  }

  /** Writes the library: admins only; a built-in's body never. */
  canEdit(user: ScriptUser, script?: Pick<ScriptRecord, 'builtin'>): boolean {
    return user.role === 'admin' && !(script?.builtin ?? false);
  }

  /** Runs an action on `host`: an operator or admin who sees the host. */
  canRun(user: ScriptUser, host: string): boolean {
    return (user.role === 'admin' || user.role === 'operator') && this.hosts.canSee(user, host);
  }

  /** Reads a run: whoever sees its host (viewers included). */
  canSeeRun(user: ScriptUser, host: string): boolean {
    return this.hosts.canSee(user, host);
  }

  /** The visibility question for many hosts at once. */
  visibilityOf(user: ScriptUser): (host: string) => boolean {
    return this.hosts.visibilityOf(user);
  }

  /** The groups a host is shared with: a script's `groups` reach it through these. */
  groupsOf(host: string): number[] {
    return this.hosts.get(host).groups;
  }
}

/** Whether `script` may run on `host` (whose groups are `hostGroups`): enabled, and a built-in, or named by its hosts or groups. */
export function allowedOn(script: Pick<ScriptRecord, 'enabled' | 'builtin' | 'hosts' | 'groups'>, host: string, hostGroups: readonly number[]): boolean {
  if (!script.enabled) return false;
  return script.builtin || script.hosts.includes(host) || script.groups.some((g) => hostGroups.includes(g));
}
