import type { HostContext } from '../alerts/service.js';
import type { Accounts } from './index.js';

/** A host's label and groups (ids and names), as the alert service needs them for words, maintenance and routing. */
export function hostContextFrom(accounts: Accounts): (host: string) => HostContext {
  return (host) => {
    const access = accounts.hostAccess.get(host);
    return { label: access.label, groupIds: access.groups, groupNames: accounts.groups.namesOfHost(host) };
  };
}
