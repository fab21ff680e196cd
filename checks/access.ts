import type { HostAccessStore } from '../accounts/host-access.js';
import type { User } from '../accounts/users.js';
import { VigieError, type FieldError } from '../core/errors.js';
import type { CheckDefinition } from './definition.js';
import type { CheckFields } from './validate.js';

/**
 * Who may see and change a check (issue 12, docs/checks.md "Who may see and
 * change checks"). A check is an outbound request from a machine inside
 * someone's network, so only operators and admins define them:
 * - admins see and manage every check;
 * - others see a check when its group is one of theirs, or when one of its
 *   runners is a host they see (accounts/host-access.ts);
 * - operators manage the checks of their groups, run from hosts they see;
 * - a check the caller may not see is "not found", never "forbidden".
 */
export type CheckUser = Pick<User, 'id' | 'role' | 'groups'>;

export class CheckAccess {
  constructor(private readonly hosts: Pick<HostAccessStore, 'visibilityOf'>) {}

  /** The visibility question for many checks at once (the user's hosts are looked up once). */
  visibilityOf(user: CheckUser): (def: Pick<CheckDefinition, 'groupId' | 'runners'>) => boolean {
    if (user.role === 'admin') return () => true;
    const seesHost = this.hosts.visibilityOf(user);
    return (def) => (def.groupId !== null && user.groups.includes(def.groupId)) || def.runners.some(seesHost);
  }

  canSee(user: CheckUser, def: Pick<CheckDefinition, 'groupId' | 'runners'>): boolean {
    return this.visibilityOf(user)(def);
  }

  /** May change or delete this existing check. */
  canEdit(user: CheckUser, def: Pick<CheckDefinition, 'groupId'>): boolean {
    if (user.role === 'admin') return true;
    return user.role === 'operator' && def.groupId !== null && user.groups.includes(def.groupId);
  }

  /**
   * Why `user` may not save `next` (over `current`, when it replaces one):
   * the wrong fields, empty when allowed. Viewers are refused before this.
   * Runners the check already had stay allowed, so an operator can edit a
   * check that runs from a host only an admin sees.
   */
  writeErrors(user: CheckUser, next: Pick<CheckFields, 'groupId' | 'runners'>, current?: Pick<CheckDefinition, 'runners'> | null): FieldError[] {
    if (user.role === 'admin') return [];
    const out: FieldError[] = [];
    if (next.groupId === null) out.push({ field: 'groupId', message: `required for operators: the id of one of your groups (${groupList(user)})` });
    else if (!user.groups.includes(next.groupId)) out.push({ field: 'groupId', message: `expected one of your groups (${groupList(user)}); you are not in group ${next.groupId}` });
    const seesHost = this.hosts.visibilityOf(user);
    const had = new Set(current?.runners ?? []);
    next.runners.forEach((runner, i) => {
      if (!had.has(runner) && !seesHost(runner)) out.push({ field: `runners[${i}]`, message: `expected a host you can see; you cannot see ${runner}` });
    });
    return out;
  }

  /** Throws 403 with the wrong fields when `user` may not save `next`. */
  assertCanWrite(user: CheckUser, next: Pick<CheckFields, 'groupId' | 'runners'>, current?: Pick<CheckDefinition, 'runners'> | null): void {
    const wrong = this.writeErrors(user, next, current);
    if (wrong.length > 0) throw new VigieError('VIGIE_ERR_FORBIDDEN', `${wrong[0]!.field}: ${wrong[0]!.message}`, wrong);
  }
}

function groupList(user: CheckUser): string {
  return user.groups.length > 0 ? `your groups: ${user.groups.join(', ')}` : 'you are in no group: ask an admin';
}
