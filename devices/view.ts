import type { HostAccessEntry } from '../accounts/host-access.js';
import { REDACTED } from '../notify/channel-config.js';
import type { CustomOid, SnmpAuthProtocol, SnmpPrivProtocol } from '../protocol/schemas/device.js';
import type { DeviceDefinition, DeviceInput } from './definition.js';

/**
 * What the API shows of one device (docs/api.md, "Devices"): the definition
 * with every secret replaced by "********", the host's label and groups, and
 * whether the caller may change it. Secrets leave the server only inside the
 * poller's own config topic.
 */
export type RedactedSnmp =
  | { version: '2c'; community: typeof REDACTED }
  | { version: '3'; user: string; level: 'authNoPriv' | 'authPriv'; authProtocol: SnmpAuthProtocol; authKey: typeof REDACTED; privProtocol?: SnmpPrivProtocol; privKey?: typeof REDACTED };

export interface DeviceView {
  id: string;
  label: string | null;
  address: string;
  port: number;
  poller: string;
  interval: number;
  timeout: number;
  retries: number;
  enabled: boolean;
  snmp: RedactedSnmp;
  custom: CustomOid[];
  groups: number[];
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  canEdit: boolean;
  /** Why the device is not polled, when its stored secrets do not open. */
  error?: string;
}

export function redactSnmp(snmp: DeviceDefinition['snmp']): RedactedSnmp {
  if (snmp.version === '2c') return { version: '2c', community: REDACTED };
  return {
    version: '3', user: snmp.user, level: snmp.level, authProtocol: snmp.authProtocol, authKey: REDACTED,
    ...(snmp.privProtocol !== undefined ? { privProtocol: snmp.privProtocol } : {}),
    ...(snmp.privKey !== undefined ? { privKey: REDACTED } : {}),
  };
}

export function deviceView(def: DeviceDefinition, access: Pick<HostAccessEntry, 'label' | 'groups'>, canEdit: boolean): DeviceView {
  return {
    id: def.id, label: access.label, address: def.address, port: def.port, poller: def.poller,
    interval: def.interval, timeout: def.timeout, retries: def.retries, enabled: def.enabled,
    snmp: redactSnmp(def.snmp), custom: def.custom, groups: [...access.groups],
    createdAt: def.createdAt, updatedAt: def.updatedAt, createdBy: def.createdBy, canEdit,
    ...(def.sealError ? { error: def.sealError } : {}),
  };
}

/** A device as an input, secrets redacted: what the event log keeps of a change. */
export function auditOf(def: DeviceDefinition, access: Pick<HostAccessEntry, 'label' | 'groups'>): Omit<DeviceInput, 'snmp'> & { snmp: RedactedSnmp } {
  return {
    id: def.id, label: access.label, address: def.address, port: def.port, poller: def.poller, interval: def.interval,
    timeout: def.timeout, retries: def.retries, enabled: def.enabled, snmp: redactSnmp(def.snmp), custom: def.custom, groups: [...access.groups],
  };
}
