import type { HostAccessStore } from '../accounts/host-access.js';
import type { User } from '../accounts/users.js';
import { VigieError, type FieldError } from '../core/errors.js';

/**
 * Who may see and change an SNMP device (issue 13). A device is a host, so
 * it is seen exactly as a host is (accounts/host-access.ts): admins see all,
 * others the hosts they own or share a group with. A device's groups are its
 * host's groups.
 * - admins manage every device;
 * - operators manage the devices of their groups: a device they save keeps at
 *   least one of their groups and only groups of theirs (or groups it already
 *   had), and is polled by an agent they see (or the one it already had);
 * - a device the caller may not see is "not found", never "forbidden".
 */
export type DeviceUser = Pick<User, 'id' | 'role' | 'groups'>;

export interface DeviceAccessTarget {
  groups: readonly number[];
  poller: string;
}

export class DeviceAccess {
  constructor(private readonly hosts: Pick<HostAccessStore, 'visibilityOf'>) {}

  /** The visibility question for many devices at once (the user's hosts are looked up once). */
  visibilityOf(user: DeviceUser): (id: string) => boolean {
    return this.hosts.visibilityOf(user);
  }

  canSee(user: DeviceUser, id: string): boolean {
    return this.visibilityOf(user)(id);
  }

  /** May change or delete an existing device in `groups`. */
  canEdit(user: DeviceUser, groups: readonly number[]): boolean {
    if (user.role === 'admin') return true;
    return user.role === 'operator' && groups.some((g) => user.groups.includes(g));
  }

  /** Why `user` may not save `next` (over `current` when it replaces one): the wrong fields, empty when allowed. */
  writeErrors(user: DeviceUser, next: DeviceAccessTarget, current?: DeviceAccessTarget | null): FieldError[] {
    if (user.role === 'admin') return [];
    const out: FieldError[] = [];
    const mine = groupList(user);
    if (next.groups.length === 0) out.push({ field: 'groups', message: `required for operators: at least one of your groups (${mine})` });
    else if (!next.groups.some((g) => user.groups.includes(g))) out.push({ field: 'groups', message: `expected at least one of your groups (${mine}): without it you could not see the device` });
    const had = new Set(current?.groups ?? []);
    next.groups.forEach((g, i) => {
      if (!user.groups.includes(g) && !had.has(g)) out.push({ field: `groups[${i}]`, message: `expected one of your groups (${mine}); you are not in group ${g}` });
    });
    if (next.poller !== current?.poller && !this.hosts.visibilityOf(user)(next.poller)) {
      out.push({ field: 'poller', message: `expected an agent you can see; you cannot see ${next.poller}` });
    }
    return out;
  }

  /** Throws 403 with the wrong fields when `user` may not save `next`. */
  assertCanWrite(user: DeviceUser, next: DeviceAccessTarget, current?: DeviceAccessTarget | null): void {
    const wrong = this.writeErrors(user, next, current);
    if (wrong.length > 0) throw new VigieError('VIGIE_ERR_FORBIDDEN', `${wrong[0]!.field}: ${wrong[0]!.message}`, wrong);
  }
}

function groupList(user: DeviceUser): string {
  return user.groups.length > 0 ? `your groups: ${user.groups.join(', ')}` : 'you are in no group: ask an admin';
}
