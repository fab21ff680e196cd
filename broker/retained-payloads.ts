import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Retained payloads shorter than this are kept as they came: deflating them gains too little. */
export const PACK_MIN_BYTES = 256;

/** Marks a stored packet whose payload is deflated (a symbol: Aedes never sees it, and copies keep it). */
const PACKED = Symbol('vigie.retained.packed');

interface RetainedPacket {
  payload: Buffer | string;
  [PACKED]?: true;
}

/**
 * The packet to store for a retained message: its payload deflated when
 * that is worth it (issue 16). The broker holds every agent's `info`,
 * `services` and `config` for as long as the agent exists, and those are
 * JSON documents of several KiB (the services list, the signed script
 * bundle): 1,000 agents' kept 15.7 MiB, about a tenth of it once deflated.
 * They are read back only when someone subscribes, so the few milliseconds
 * of inflating are spent then, not on each publish.
 */
export function packRetained<P extends RetainedPacket>(packet: P): P {
  const { payload } = packet;
  if (!Buffer.isBuffer(payload) || payload.length < PACK_MIN_BYTES) return packet;
  const packed = deflateRawSync(payload);
  // Copied to its own size: zlib's output is a view of a 16 KiB chunk, which would be kept whole.
  return packed.length < payload.length ? { ...packet, payload: Buffer.from(packed), [PACKED]: true } : packet;
}

/** The packet as it was published: its payload inflated again when it was stored deflated. */
export function unpackRetained<P extends RetainedPacket>(packet: P): P {
  if (packet[PACKED] !== true) return packet;
  const { [PACKED]: _packed, ...rest } = packet;
  return { ...rest, payload: inflateRawSync(packet.payload as Buffer) } as P;
}

/** Bytes a stored packet's payload holds in memory (deflated or not). */
export function storedPayloadBytes(packet: RetainedPacket): number {
  return typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
}

/** A stream of stored retained packets, unpacked as they are read (backpressure kept). */
export async function* unpackAll<P extends RetainedPacket>(stored: AsyncIterable<P>): AsyncGenerator<P> {
  for await (const packet of stored) yield unpackRetained(packet);
}
