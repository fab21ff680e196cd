import type { CustomOid, SnmpAuthProtocol, SnmpPrivProtocol } from '../../../../protocol/schemas/device.js';

/**
 * The device schema's choices and bounds the form shows, without importing
 * the schema module (it builds TypeBox schemas at load: ~100 KiB more in the
 * bundle, see check-limits.ts). The types fail to compile if the schema gains
 * a choice; test/dashboard/web/devices-limits compares the numbers with
 * protocol/schemas/device.ts.
 */

export const AUTH_PROTOCOLS = ['sha', 'sha224', 'sha256', 'sha384', 'sha512', 'md5'] as const satisfies readonly SnmpAuthProtocol[];
export const PRIV_PROTOCOLS = ['aes', 'aes256b', 'aes256r', 'des'] as const satisfies readonly SnmpPrivProtocol[];
export const LEVELS = ['authNoPriv', 'authPriv'] as const;
export const OID_TYPES = ['gauge', 'counter'] as const satisfies readonly CustomOid['type'][];

type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _auth: Missing<SnmpAuthProtocol, (typeof AUTH_PROTOCOLS)[number]> = true;
const _priv: Missing<SnmpPrivProtocol, (typeof PRIV_PROTOCOLS)[number]> = true;
const _types: Missing<CustomOid['type'], (typeof OID_TYPES)[number]> = true;
void [_auth, _priv, _types];

/** Defaults shown as placeholders and bounds named in hints (DEVICE_LIMITS). */
export const DEVICE_DEFAULTS = {
  port: 161,
  interval: 60,
  intervalMin: 10,
  intervalMax: 3600,
  timeout: 5,
  retries: 1,
  customOids: 50,
} as const;

/** Utilisation that colours an interface (the if_util alert's default thresholds: warning 80, critical 95). */
export const UTIL_WARNING = 80;
export const UTIL_CRITICAL = 95;
