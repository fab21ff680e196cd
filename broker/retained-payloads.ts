import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Retained payloads shorter than this are kept as they came: deflating them gains too little. */
export const PACK_MIN_BYTES = 256;

/** Marks a stored packet whose payload is deflated (a symbol: Aedes never sees it, and copies keep it). */
const PACKED = Symbol('vigie.retained.packed');

/** What this module needs of an Aedes packet. */
export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  [PACKED]?: true;
}

/** `bytes` copied into memory of their own, exactly their size. */
function own(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

/**
 * The packet to store for a retained message (issue 16). Its payload is
 * copied into memory of its own: as received it is a view into a larger
 * buffer (the socket's read, zlib's 16 KiB output chunk, Node's shared 8 KiB
 * pool), all of which a stored view would keep alive for as long as the
 * message is retained. It is deflated when that pays: the broker holds every
 * agent's `info`, `services` and `config` for as long as the agent exists,
 * JSON documents of several KiB (the services list, the signed script
 * bundle); 1,000 agents' took 15.7 MiB (a heap snapshot's external memory
 * fell from 15.0 to 4.4 MiB with them deflated). They are
 * read back only when someone subscribes, so inflating costs then, not on
 * each publish.
 */
export function packRetained<P extends RetainedPacket>(packet: P): P {
  const { payload } = packet;
  if (!Buffer.isBuffer(payload)) return packet;
  const packed = payload.length >= PACK_MIN_BYTES ? deflateRawSync(payload) : undefined;
  return packed !== undefined && packed.length < payload.length
    ? { ...packet, payload: own(packed), [PACKED]: true }
    : { ...packet, payload: own(payload) };
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

/** Stored retained packets, unpacked one by one as they are read (a stream built on it keeps backpressure). */
export function* unpackAll<P extends RetainedPacket>(stored: Iterable<P>): Generator<P> {
  for (const packet of stored) yield unpackRetained(packet);
}
