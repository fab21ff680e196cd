/**
 * The account objects of the REST API, as the browser sees them
 * (docs/api.md, "Objects"). Times are ms since the epoch.
 */

// The server's own types and constants: one definition for both sides.
export { ROLES, TOKEN_SCOPES as SCOPES, type Role, type TokenScope as Scope } from '../../../accounts/rules.js';
export type { User } from '../../../accounts/users.js';
export type { Group } from '../../../accounts/groups.js';
export type { ApiToken } from '../../../accounts/api-tokens.js';
export type { Enrollment } from '../../../accounts/enrollment.js';
export type { HostAccess } from '../../../dashboard/server/api/access.js';
export type { VigieEvent } from '../../../events/event-log.js';
import type { HostAccess } from '../../../dashboard/server/api/access.js';

/** An operator-set display name; host summaries carry it (null when unset). */
export interface Labelled {
  label?: string | null;
}

/** What a host is called on screen: its label, else its hostname, else its id. */
export function hostTitle(host: { id: string; info: { hostname?: string } | null } & Labelled): string {
  return host.label || host.info?.hostname || host.id;
}

export type CredentialState = 'active' | 'revoked' | 'none';

export function credentialState(access: HostAccess): CredentialState {
  if (!access.credentials) return 'none';
  return access.credentials.revokedAt === null ? 'active' : 'revoked';
}
