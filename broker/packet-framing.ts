/**
 * Tracks MQTT packet boundaries in a byte stream without buffering bodies, so
 * a packet that declares more than the limit is refused from its fixed
 * header alone (MQTT 3.1.1 §2.2 and MQTT 5 §2.1.1: one type/flags byte, then
 * the Remaining Length as a variable byte integer of at most 4 bytes,
 * §2.2.3 / §1.5.5). Framing is identical in 3.1, 3.1.1 and 5.
 */

/** What one `feed()` concluded: keep going, or why the connection must be cut. */
export type FrameVerdict =
  | { ok: true }
  | { ok: false; reason: 'oversize'; declaredSize: number }
  | { ok: false; reason: 'malformed'; message: string };

export interface FrameTracker {
  /**
   * Consumes the next bytes of the stream. Chunks may split a header anywhere
   * and hold several packets. Once a verdict is not ok it stays so.
   */
  feed(chunk: Uint8Array): FrameVerdict;
}

const enum Phase {
  TypeByte,
  Length,
  Body,
}

const OK: FrameVerdict = { ok: true };
/** §2.2.3: "The maximum number of bytes in the Remaining Length field is four." */
const MAX_LENGTH_BYTES = 4;

/**
 * A tracker for one connection. `maxPacketSize` counts the whole packet
 * (fixed header + Remaining Length), like MQTT 5's Maximum Packet Size
 * (§3.1.2.11.4): a packet of exactly that size is accepted.
 */
export function createFrameTracker(maxPacketSize: number): FrameTracker {
  let phase = Phase.TypeByte;
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let bodyLeft = 0;
  let failed: FrameVerdict | undefined;

  return {
    feed(chunk) {
      if (failed) return failed;
      let i = 0;
      const end = chunk.length;
      while (i < end) {
        if (phase === Phase.Body) {
          const take = Math.min(bodyLeft, end - i);
          i += take;
          bodyLeft -= take;
          if (bodyLeft === 0) phase = Phase.TypeByte;
        } else if (phase === Phase.TypeByte) {
          i += 1; // type and flags are the parser's business, not the guard's
          phase = Phase.Length;
          length = 0;
          multiplier = 1;
          lengthBytes = 0;
        } else {
          const byte = chunk[i++]!;
          length += (byte & 0x7f) * multiplier;
          lengthBytes += 1;
          if (byte & 0x80) {
            if (lengthBytes === MAX_LENGTH_BYTES) {
              failed = { ok: false, reason: 'malformed', message: 'remaining length longer than 4 bytes' };
              return failed;
            }
            multiplier *= 128;
            continue;
          }
          const declaredSize = 1 + lengthBytes + length;
          if (declaredSize > maxPacketSize) {
            failed = { ok: false, reason: 'oversize', declaredSize };
            return failed;
          }
          bodyLeft = length;
          phase = bodyLeft > 0 ? Phase.Body : Phase.TypeByte;
        }
      }
      return OK;
    },
  };
}
