import { Type, type Static } from '@sinclair/typebox';
import { HOST_ID_PATTERN } from '../host-id.js';
import { ShortText, TARGET_HOST_PATTERN } from './common.js';

/**
 * Agentless devices polled over SNMP (issue 13). A device is a host: its
 * poller (an agent) publishes `<prefix>/<device>/status|info|metrics` for it,
 * and the broker lets a poller publish for the devices assigned to it in its
 * own `<prefix>/<poller>/config` and for nothing else (broker/acl.ts).
 * The `DeviceSpec` below is what the poller receives, credentials included,
 * on its own config topic only; the server keeps them encrypted at rest.
 */

/** Bounds the poller enforces whatever the server sends (docs/snmp.md). */
export const DEVICE_LIMITS = {
  /** Seconds between polls: default, floor and ceiling. */
  interval: { default: 60, min: 10, max: 3_600 },
  /** Seconds one SNMP request may take before it is retried. */
  timeout: { default: 5, min: 1, max: 30 },
  retries: { default: 1, min: 0, max: 5 },
  /** Devices one poller may be given. */
  perPoller: 100,
  /** Custom OIDs per device. */
  customOids: 50,
  /** Interfaces reported per device (the metrics payload's `net` bound); the first by ifIndex. */
  interfaces: 128,
} as const;

/** SNMPv3 authentication protocols (net-snmp's names). SHA-2 first; md5 only for old devices. */
export const SNMP_AUTH_PROTOCOLS = ['sha', 'sha224', 'sha256', 'sha384', 'sha512', 'md5'] as const;
export type SnmpAuthProtocol = (typeof SNMP_AUTH_PROTOCOLS)[number];
/** SNMPv3 privacy protocols (net-snmp's names): AES-128, AES-256 (Blumenthal, Reeder); des only for old devices. */
export const SNMP_PRIV_PROTOCOLS = ['aes', 'aes256b', 'aes256r', 'des'] as const;
export type SnmpPrivProtocol = (typeof SNMP_PRIV_PROTOCOLS)[number];

/** A numeric OID, dotted, without a leading dot: `1.3.6.1.2.1.1.3.0`. */
export const OID_PATTERN = '^[0-2](?:\\.(?:0|[1-9][0-9]{0,9})){1,127}$';
/** A custom metric's name: one series key, like a host id. */
export const CUSTOM_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';

const literals = <T extends string>(values: readonly T[], opts: Record<string, unknown> = {}) => Type.Union(values.map((v) => Type.Literal(v)), opts);

export const SnmpV2c = Type.Object(
  {
    version: Type.Literal('2c'),
    community: Type.String({ minLength: 1, maxLength: 128, description: 'Community string (a secret)' }),
  },
  { additionalProperties: false },
);

export const SnmpV3 = Type.Object(
  {
    version: Type.Literal('3'),
    user: Type.String({ minLength: 1, maxLength: 64, description: 'USM user name' }),
    level: literals(['authNoPriv', 'authPriv'] as const, { description: 'Security level; noAuthNoPriv is not offered: it sends the data unauthenticated' }),
    authProtocol: literals(SNMP_AUTH_PROTOCOLS),
    authKey: Type.String({ minLength: 8, maxLength: 128, description: 'Authentication passphrase (a secret; SNMPv3 requires 8 characters or more)' }),
    privProtocol: Type.Optional(literals(SNMP_PRIV_PROTOCOLS, { description: 'authPriv only' })),
    privKey: Type.Optional(Type.String({ minLength: 8, maxLength: 128, description: 'Privacy passphrase (a secret; authPriv only)' })),
  },
  { additionalProperties: false },
);

export const SnmpCredentials = Type.Union([SnmpV2c, SnmpV3]);
export type SnmpCredentials = Static<typeof SnmpCredentials>;

export const CustomOid = Type.Object(
  {
    name: Type.String({ pattern: CUSTOM_NAME_PATTERN, description: 'Series name: `states`, `toner.black`' }),
    oid: Type.String({ pattern: OID_PATTERN, description: 'Numeric OID of a scalar, e.g. 1.3.6.1.2.1.43.11.1.1.9.1.1' }),
    type: literals(['gauge', 'counter'] as const, { description: 'gauge: reported as read; counter: reported as a rate per second (wraps and resets handled)' }),
    unit: ShortText(16, { description: 'Shown after the value: `%`, `states`, `pages`' }),
  },
  { additionalProperties: false },
);
export type CustomOid = Static<typeof CustomOid>;

/** One device as its poller receives it: where it is, how to ask, what to read. */
export const DeviceSpec = Type.Object(
  {
    id: Type.String({ pattern: HOST_ID_PATTERN.source, description: 'Host id of the device: one topic level' }),
    address: Type.String({ minLength: 1, maxLength: 253, pattern: TARGET_HOST_PATTERN, description: 'Host name or IP address of the device' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 161 }),
    snmp: SnmpCredentials,
    interval: Type.Integer({ minimum: DEVICE_LIMITS.interval.min, maximum: DEVICE_LIMITS.interval.max, default: DEVICE_LIMITS.interval.default, description: 'Seconds between polls' }),
    timeout: Type.Integer({ minimum: DEVICE_LIMITS.timeout.min, maximum: DEVICE_LIMITS.timeout.max, default: DEVICE_LIMITS.timeout.default, description: 'Seconds one request may take' }),
    retries: Type.Integer({ minimum: DEVICE_LIMITS.retries.min, maximum: DEVICE_LIMITS.retries.max, default: DEVICE_LIMITS.retries.default }),
    custom: Type.Array(CustomOid, { maxItems: DEVICE_LIMITS.customOids, default: [] }),
  },
  { additionalProperties: false },
);
export type DeviceSpec = Static<typeof DeviceSpec>;

/**
 * Why a device is offline, in its `status.reason` (the poller's words; the
 * detail is in `status.error`). `poller-offline` is published by the server
 * when the poller itself is gone, since a device has no Last Will of its own.
 */
export const DEVICE_OFFLINE_REASONS = ['snmp-timeout', 'snmp-auth', 'snmp-error', 'poller-offline'] as const;
export type DeviceOfflineReason = (typeof DEVICE_OFFLINE_REASONS)[number];

/** `status.reason` of a device that answered its last poll. */
export const DEVICE_ONLINE_REASON = 'polled';

/** `info.source` of a device: where the data comes from. Absent on an agent's own info. */
export const InfoSource = Type.Object({
  kind: Type.Literal('snmp', { description: 'A device polled by an agent over SNMP' }),
  poller: Type.String({ pattern: HOST_ID_PATTERN.source, description: 'Host id of the agent that polls the device' }),
  address: ShortText(253, { description: 'Address the poller asks' }),
  sysObjectID: Type.Optional(ShortText(256)),
  sysDescr: Type.Optional(ShortText(512)),
  sysLocation: Type.Optional(ShortText(256)),
  sysContact: Type.Optional(ShortText(256)),
});
export type InfoSource = Static<typeof InfoSource>;

/** IF-MIB ifOperStatus / ifAdminStatus, by name (RFC 2863). */
export const IF_OPER_STATES = ['up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'] as const;
export const IF_ADMIN_STATES = ['up', 'down', 'testing'] as const;
export type IfOperState = (typeof IF_OPER_STATES)[number];
export type IfAdminState = (typeof IF_ADMIN_STATES)[number];
