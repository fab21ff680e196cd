import { Type, type TString } from '@sinclair/typebox';

/** Payload format version; bumped only for an incompatible change. */
export const PROTOCOL_VERSION = 1 as const;
export const Version = Type.Literal(PROTOCOL_VERSION, { description: 'Payload format version' });

/** Largest payload accepted on any topic; the broker's default packet limit is the same. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

// Bounds reject absurd values (a clock in the year 2200, a disk of 2^60 bytes)
// while staying far from anything a real machine reports.
export const EpochMs = Type.Integer({ minimum: 946_684_800_000, maximum: 4_102_444_800_000, description: 'ms since the Unix epoch (UTC)' });
export const Percent = Type.Number({ minimum: 0, maximum: 100, description: 'percent, 0–100' });
export const Bytes = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes' });
export const BytesPerSecond = Type.Number({ minimum: 0, maximum: 1e13, description: 'bytes per second' });
export const Seconds = Type.Number({ minimum: 0, maximum: 1e10, description: 'seconds' });
export const Celsius = Type.Number({ minimum: -100, maximum: 250, description: 'degrees Celsius' });
export const Count = Type.Integer({ minimum: 0, maximum: 1e9 });
export const Load = Type.Number({ minimum: 0, maximum: 1e6, description: 'load average' });

export const ShortText = (maxLength = 256, opts: Record<string, unknown> = {}): TString =>
  Type.String({ maxLength, ...opts });

/** A host name, an IPv4 address or an IPv6 address (no brackets): what ping, TCP, TLS and DNS checks and SNMP polls aim at. */
export const TARGET_HOST_PATTERN = '^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\\.?|[0-9A-Fa-f:.]{2,45})$';
