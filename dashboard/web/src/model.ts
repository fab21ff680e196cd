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
export type { OverviewEntry } from '../../../dashboard/server/overview-entries.js';
export type { VigieEvent } from '../../../events/event-log.js';
import type { HostAccess } from '../../../dashboard/server/api/access.js';
import type { MaintenanceWindow } from '../../../alerts/maintenance.js';
import type { RuleSet, RuleSetOverride, ThresholdRuleName } from '../../../alerts/rules.js';

/** An operator-set display name; host summaries carry it (null when unset). */
export interface Labelled {
  label?: string | null;
}

/**
 * What a host is called on screen: its label, else the id it was enrolled
 * with. Never the OS hostname: machines cloned from one image all say "vm"
 * (issue 11), while ids are unique.
 */
export function hostTitle(host: { id: string } & Labelled): string {
  return host.label || host.id;
}

/** A host in a list to choose from: "Web server (web-1)" when labelled, else its id; labels need not be unique. */
export function hostChoice(host: { id: string } & Labelled): string {
  return host.label && host.label !== host.id ? `${host.label} (${host.id})` : host.id;
}

/**
 * The OS hostname when it says something the title does not (it differs
 * from the id, ignoring case), else null: shown as secondary information.
 */
export function osHostname(host: { id: string; info: { hostname?: string } | null }): string | null {
  const name = host.info?.hostname?.trim();
  return name && name.toLowerCase() !== host.id.toLowerCase() ? name : null;
}

export type CredentialState = 'active' | 'revoked' | 'none';

export function credentialState(access: HostAccess): CredentialState {
  if (!access.credentials) return 'none';
  return access.credentials.revokedAt === null ? 'active' : 'revoked';
}

// Alerts, maintenance and notification channels (docs/api.md, "Alerts, settings, maintenance and notification channels").
export type { AlertView } from '../../../alerts/service.js';
export type { MaintenanceWindow, MaintenanceInput, MaintenanceScope, MaintenanceSchedule } from '../../../alerts/maintenance.js';
export type { RuleSet, RuleSetOverride, AlertSettings, ThresholdRuleName } from '../../../alerts/rules.js';
export type { Severity } from '../../../alerts/types.js';
export type { ChannelConfig, ChannelType, ChannelOf } from '../../../notify/channel-config.js';

/** A window as GET /api/maintenance answers: with whether it is active now (server time). */
export type MaintenanceView = MaintenanceWindow & { active: boolean };

/** GET /api/hosts/:id/alert-settings. */
export interface HostAlertSettings {
  host: string;
  override: RuleSetOverride;
  effective: RuleSet;
  defaults: RuleSet;
  /** Service names the host reports, for the watch list. */
  services: string[];
}

/** The threshold rules in the order the settings pages show them. */
export const THRESHOLD_RULES = ['cpu', 'mem', 'swap', 'disk', 'load', 'temperature', 'ifUtil'] as const satisfies readonly ThresholdRuleName[];
// Fails to compile if the server adds a threshold rule this list lacks.
const _allListed: Exclude<ThresholdRuleName, (typeof THRESHOLD_RULES)[number]> extends never ? true : never = true;
void _allListed;

/** One delivery of a channel (GET /api/channels/:id/deliveries). */
export interface ChannelDelivery {
  id: number;
  ts: number;
  ok: boolean;
  attempts: number;
  error: string | null;
  keys: string[];
  test?: boolean;
}

/** POST /api/channels/:id/test. */
export interface ChannelTestResult {
  ok: boolean;
  attempts: number;
  error: string | null;
}

/** What the browser gets in place of a set secret, and sends back to keep it (notify/channel-config.ts REDACTED). */
export const REDACTED = '********';

// Network checks (issue 12, docs/api.md "Checks"): the server's own types, one definition for both sides.
export type { CheckInput, CheckDefinition, CheckAlerting } from '../../../checks/definition.js';
export type { CheckResultRecord, DailyAvailability, Availability } from '../../../checks/types.js';
export type { CheckResultPayload, CheckKind, HttpOptions, DnsOptions } from '../../../protocol/schemas/check.js';
import type { DailyAvailability } from '../../../checks/types.js';

/** GET /api/checks: a check with its state (paused, pending, down, partial, up), runners, availability and 30-day error budget. */
export type { CheckView, CheckState, RunnerView as CheckRunnerView } from '../../../checks/view.js';
import type { CheckView } from '../../../checks/view.js';

/** GET /api/checks/:id: the same, with the 90 daily bars (oldest first). */
export type CheckDetailView = CheckView & { daily: DailyAvailability[] };

/** POST /api/checks/import. */
export interface CheckImportResult {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

// SNMP devices (issue 13, docs/api.md "Devices"): the contract's own types, one definition for both sides.
export type { CustomOid, SnmpAuthProtocol, SnmpPrivProtocol, InfoSource, NetMetrics, CustomMetric } from '../../../protocol/payloads.js';
import type { InfoPayload, SnmpAuthProtocol, SnmpPrivProtocol } from '../../../protocol/payloads.js';

/** A device's SNMP settings as the API shows them: secrets always REDACTED. */
export type DeviceSnmpView =
  | { version: '2c'; community: string }
  | { version: '3'; user: string; level: 'authNoPriv' | 'authPriv'; authProtocol: SnmpAuthProtocol; authKey: string; privProtocol?: SnmpPrivProtocol; privKey?: string };

/** GET /api/devices(/:id): the server's own type (secrets always REDACTED). */
export type { DeviceView } from '../../../devices/view.js';
import type { DeviceView } from '../../../devices/view.js';

/** What POST and PUT /api/devices take (a secret sent as REDACTED keeps the stored one). */
export type DeviceInput = Omit<DeviceView, 'createdAt' | 'updatedAt' | 'createdBy' | 'canEdit' | 'enabled' | 'label' | 'poller' | 'error' | 'snmp'> & { label: string | null; enabled?: boolean; poller?: string; snmp: DeviceSnmpView };

/** A host that is an SNMP device: its info names where the data comes from (null: an agent, or not known yet). */
export function deviceSource(info: InfoPayload | null | undefined): NonNullable<InfoPayload['source']> | null {
  return info?.source?.kind === 'snmp' ? info.source : null;
}
