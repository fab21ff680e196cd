/**
 * Hand-built MQTT 3.1.1 packets for tests that must speak raw bytes (a
 * header with no body, a client that never reads).
 */

/** Remaining Length as a variable byte integer (§2.2.3). */
export function varint(value: number): Buffer {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

/** A packet of the given first byte and a zero-filled body of `bodyLength` bytes. */
export function filler(firstByte: number, bodyLength: number): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), varint(bodyLength), Buffer.alloc(bodyLength)]);
}

/** A packet whose whole size (fixed header included) is exactly `size` bytes. */
export function packetOfSize(firstByte: number, size: number): Buffer {
  for (let lengthBytes = 1; lengthBytes <= 4; lengthBytes++) {
    const body = size - 1 - lengthBytes;
    if (body >= 0 && varint(body).length === lengthBytes) return filler(firstByte, body);
  }
  throw new Error(`no packet of exactly ${size} bytes`);
}

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

/** CONNECT, MQTT 3.1.1, clean session, keepalive 60 s. */
export function connectPacket(clientId: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

/** SUBSCRIBE (packet id 1) to one filter at `qos`. */
export function subscribePacket(filter: string, qos: 0 | 1 = 0): Buffer {
  const body = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), varint(body.length), body]);
}

/** PUBLISH QoS 0. */
export function publishPacket(topic: string, payload: Buffer): Buffer {
  const body = Buffer.concat([str(topic), payload]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}

/** CONNECT, MQTT 3.1.1, with the client id given as raw bytes (may be invalid UTF-8), a clean flag and optional credentials. */
export function connectPacketRaw(opts: { clientId: Buffer; clean: boolean; username?: string; password?: string }): Buffer {
  const raw = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  let flags = opts.clean ? 0x02 : 0;
  if (opts.username !== undefined) flags |= 0x80;
  if (opts.password !== undefined) flags |= 0x40;
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 60]),
    raw(opts.clientId),
    ...(opts.username !== undefined ? [str(opts.username)] : []),
    ...(opts.password !== undefined ? [str(opts.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

/** SUBSCRIBE (packet id 1) to one filter given as raw bytes (may be invalid UTF-8). */
export function subscribePacketRaw(filter: Buffer, qos: 0 | 1 = 0): Buffer {
  const body = Buffer.concat([Buffer.from([0, 1, filter.length >> 8, filter.length & 0xff]), filter, Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), varint(body.length), body]);
}

/** PUBLISH QoS 0 to a topic given as raw bytes (may be invalid UTF-8). */
export function publishPacketRaw(topic: Buffer, payload: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
  return Buffer.concat([Buffer.from([0x30]), varint(body.length), body]);
}
