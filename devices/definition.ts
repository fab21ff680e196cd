import { Type, type Static } from '@sinclair/typebox';
import { MAX_NAME } from '../accounts/rules.js';
import { HOST_ID_PATTERN } from '../protocol/host-id.js';
import { DEVICE_LIMITS, DeviceSpec, type SnmpCredentials } from '../protocol/schemas/device.js';

/**
 * An SNMP device as the server keeps it (issue 13): what its poller receives
 * (the protocol's DeviceSpec, credentials included), which agent polls it and
 * whether it is polled. A device is a host: its label and its groups are the
 * host's (accounts.db host_access, accounts/host-access.ts), so host pages,
 * roles and the hosts API need nothing new. Defaults live in the protocol's
 * DeviceSpec schema only (STYLE §9).
 */

/** Devices one server keeps: DEVICE_LIMITS.perPoller per poller, a box-sized fleet of pollers. */
export const MAX_DEVICES = 1_000;
/** Groups one device may be shared with. */
export const MAX_DEVICE_GROUPS = 50;

/** The secret fields of the credentials, by version: stored sealed, shown as REDACTED. */
export const SECRET_FIELDS = { '2c': ['community'], '3': ['authKey', 'privKey'] } as const;
export type SecretField = 'community' | 'authKey' | 'privKey';

/** What a client sends to create or replace a device (API, CLI). */
export const DeviceInput = Type.Object(
  {
    id: DeviceSpec.properties.id,
    label: Type.Optional(Type.Union([Type.String({ maxLength: MAX_NAME }), Type.Null()], { description: 'What people read: "Core switch"; null: the id' })),
    address: DeviceSpec.properties.address,
    port: Type.Optional(DeviceSpec.properties.port),
    /** The agent that polls it; the box's own agent when left out. */
    poller: Type.Optional(Type.String({ pattern: HOST_ID_PATTERN.source, description: 'Host id of the agent that polls the device' })),
    interval: Type.Optional(DeviceSpec.properties.interval),
    timeout: Type.Optional(DeviceSpec.properties.timeout),
    retries: Type.Optional(DeviceSpec.properties.retries),
    enabled: Type.Optional(Type.Boolean({ default: true, description: 'false: kept, not polled' })),
    snmp: DeviceSpec.properties.snmp,
    custom: Type.Optional(DeviceSpec.properties.custom),
    /** The host's groups: their members see the device, their operators manage it. */
    groups: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_DEVICE_GROUPS, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type DeviceInput = Static<typeof DeviceInput>;

/** A device's own fields, every default filled in (devices.db, with the secrets sealed). */
export interface DeviceFields extends DeviceSpec {
  poller: string;
  enabled: boolean;
}

/** A stored device with its bookkeeping; `snmp` holds the secrets in clear (in memory only). */
export interface DeviceDefinition extends DeviceFields {
  createdAt: number;
  updatedAt: number;
  /** User name of whoever created it; null for the command line. */
  createdBy: string | null;
  /** Set when the stored secrets do not open (altered file, another secret.key): the device is not polled. */
  sealError?: string;
}

/** The part of a definition its poller receives. */
export function specOf(def: DeviceFields): DeviceSpec {
  const { poller: _p, enabled: _e, ...rest } = def as DeviceDefinition;
  const { createdAt: _c, updatedAt: _u, createdBy: _b, sealError: _s, ...spec } = rest;
  return spec;
}

/** The secrets of a set of credentials, by field. */
export function secretsOf(snmp: SnmpCredentials): Partial<Record<SecretField, string>> {
  if (snmp.version === '2c') return { community: snmp.community };
  return { authKey: snmp.authKey, ...(snmp.privKey !== undefined ? { privKey: snmp.privKey } : {}) };
}

export { DEVICE_LIMITS };
