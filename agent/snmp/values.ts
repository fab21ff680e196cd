/**
 * Reading SNMP varbind values without trusting them (pure). A device may
 * answer any type for any OID: every reader returns undefined for a value it
 * cannot use, never throws. Types are the BER tags of RFC 3416 / RFC 2578,
 * as net-snmp reports them in `varbind.type`.
 */

/** One varbind as net-snmp hands it over (only what the poller reads). */
export interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}

export const SNMP_TYPES = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;

/** An SNMP counter: its value and its width, which says where it wraps. */
export interface Counter {
  value: bigint;
  bits: 32 | 64;
}

/** NoSuchObject, NoSuchInstance, EndOfMibView: "nothing here", not an error. */
export function isException(vb: Varbind | undefined): boolean {
  return vb === undefined || vb.type === SNMP_TYPES.NoSuchObject || vb.type === SNMP_TYPES.NoSuchInstance || vb.type === SNMP_TYPES.EndOfMibView;
}

const TWO_64 = 1n << 64n;

/**
 * A Counter64 as net-snmp returns it: the BER integer's bytes, big-endian,
 * 1 to 9 of them (a leading 0x00 keeps the sign bit clear). undefined for
 * anything longer or above 2^64 - 1.
 */
export function decodeCounter64(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value >= 0n && value < TWO_64 ? value : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (!Buffer.isBuffer(value) || value.length === 0 || value.length > 9) return undefined;
  let n = 0n;
  for (const byte of value) n = (n << 8n) | BigInt(byte);
  return n < TWO_64 ? n : undefined;
}

/** A whole number from Integer32, Gauge32, Counter32, TimeTicks or Counter64; undefined otherwise. */
export function asInteger(vb: Varbind | undefined): number | undefined {
  if (vb === undefined) return undefined;
  switch (vb.type) {
    case SNMP_TYPES.Integer:
    case SNMP_TYPES.Gauge32:
    case SNMP_TYPES.Counter32:
    case SNMP_TYPES.TimeTicks:
      return typeof vb.value === 'number' && Number.isSafeInteger(vb.value) ? vb.value : undefined;
    case SNMP_TYPES.Counter64: {
      const n = decodeCounter64(vb.value);
      return n === undefined || n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n);
    }
    default:
      return undefined;
  }
}

/** Like asInteger, and an Integer32 below zero read as unsigned (agents that overflow hrStorageSize on big disks). */
export function asUnsigned(vb: Varbind | undefined): number | undefined {
  const n = asInteger(vb);
  if (n === undefined) return undefined;
  if (n < 0) return vb?.type === SNMP_TYPES.Integer && n >= -0x8000_0000 ? n + 0x1_0000_0000 : undefined;
  return n;
}

/**
 * A number from a numeric type, or from a string holding one ("0.42": UCD's
 * laLoad, many vendors' gauges). undefined for anything else, NaN included.
 */
export function asNumber(vb: Varbind | undefined): number | undefined {
  const n = asInteger(vb);
  if (n !== undefined) return n;
  if (vb?.type !== SNMP_TYPES.OctetString && vb?.type !== SNMP_TYPES.Opaque) return undefined;
  const text = asText(vb)?.trim();
  if (!text || !/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** A counter: Counter32 wraps at 2^32, Counter64 at 2^64; undefined for any other type. */
export function asCounter(vb: Varbind | undefined): Counter | undefined {
  if (vb?.type === SNMP_TYPES.Counter32) {
    return typeof vb.value === 'number' && Number.isInteger(vb.value) && vb.value >= 0 && vb.value <= 0xffff_ffff ? { value: BigInt(vb.value), bits: 32 } : undefined;
  }
  if (vb?.type === SNMP_TYPES.Counter64) {
    const value = decodeCounter64(vb.value);
    return value === undefined ? undefined : { value, bits: 64 };
  }
  return undefined;
}

/**
 * Printable text from an OctetString: UTF-8 (most agents send ASCII), with
 * control characters dropped and trailing NULs gone; cut to `max` characters.
 */
export function asText(vb: Varbind | undefined, max = 512): string | undefined {
  if (vb?.type !== SNMP_TYPES.OctetString && vb?.type !== SNMP_TYPES.Opaque) return undefined;
  const raw = Buffer.isBuffer(vb.value) ? vb.value.toString('utf8') : typeof vb.value === 'string' ? vb.value : undefined;
  if (raw === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/[\u0000-\u001f\u007f\ufffd]/g, '').trim();
  return text.length > max ? text.slice(0, max) : text;
}

/** A dotted OID value (sysObjectID, hrStorageType). */
export function asOid(vb: Varbind | undefined): string | undefined {
  if (vb?.type !== SNMP_TYPES.OID || typeof vb.value !== 'string') return undefined;
  return /^[0-9]+(?:\.[0-9]+)*$/.test(vb.value) ? vb.value : undefined;
}

/** A MAC address from ifPhysAddress (6 bytes), as aa:bb:cc:dd:ee:ff; undefined for anything else or all zeroes. */
export function asMac(vb: Varbind | undefined): string | undefined {
  if (vb?.type !== SNMP_TYPES.OctetString || !Buffer.isBuffer(vb.value) || vb.value.length !== 6) return undefined;
  if (vb.value.every((b) => b === 0)) return undefined;
  return [...vb.value].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Compares two dotted OIDs arc by arc: negative, 0, positive (net-snmp compares them as strings in places). */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Whether `oid` lies strictly under `base`. */
export function inSubtree(base: string, oid: string): boolean {
  return oid.startsWith(`${base}.`);
}
