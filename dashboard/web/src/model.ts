/**
 * The account objects of the REST API, as the browser sees them
 * (notes/auth-contract.md, "Objects"). Times are ms since the epoch.
 */

export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export type Scope = 'read' | 'write';
export const SCOPES: readonly Scope[] = ['read', 'write'];

export interface User {
  id: number;
  name: string;
  role: Role;
  groups: number[];
  createdAt: number;
  lastLoginAt: number | null;
  lockedUntil: number | null;
}

export interface Group {
  id: number;
  name: string;
  members: number[];
  hosts: string[];
}

export interface HostCredentials {
  username: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface HostAccess {
  host: string;
  label: string | null;
  owner: number | null;
  groups: number[];
  /** The ingest has heard from it. */
  known: boolean;
  credentials: HostCredentials | null;
}

export interface ApiToken {
  id: number;
  name: string;
  scope: Scope;
  userId: number;
  userName: string;
  createdAt: number;
  lastUsedAt: number | null;
  prefix: string;
}

export interface Enrollment {
  host: string;
  username: string;
  password: string;
  broker: string;
  command: string;
  commandWindows: string;
}

export interface VigieEvent {
  id: number;
  ts: number;
  type: string;
  host: string | null;
  user: string | null;
  address: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

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
