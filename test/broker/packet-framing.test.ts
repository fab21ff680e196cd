import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createFrameTracker } from '../../broker/packet-framing.js';
import { filler, packetOfSize, varint } from './mqtt-bytes.js';

const LIMIT = 64 * 1024;
/** A PUBLISH header declaring 10 MB, and nothing after it. */
const HUGE_HEADER = Buffer.concat([Buffer.from([0x30]), varint(10 * 1024 * 1024)]);

/** Some valid packets with 1-, 2- and 3-byte Remaining Lengths, and empty ones. */
const stream = Buffer.concat([
  filler(0x10, 20),
  filler(0x30, 127),
  filler(0x30, 128),
  filler(0xc0, 0), // PINGREQ: no body
  filler(0x32, 16_383),
  filler(0x32, 16_384),
  filler(0x82, 300),
  filler(0xe0, 0),
]);

test('a valid stream fed byte by byte passes and stays aligned', () => {
  const tracker = createFrameTracker(LIMIT);
  for (const byte of stream) assert.equal(tracker.feed(Buffer.from([byte])), { ok: true });
  // Still on a packet boundary: the next header is read as a header.
  assert.equal(tracker.feed(HUGE_HEADER), { ok: false, reason: 'oversize', declaredSize: 1 + 4 + 10 * 1024 * 1024 });
});

test('several packets in one chunk, then an oversize header in the same chunk', () => {
  const tracker = createFrameTracker(LIMIT);
  const verdict = tracker.feed(Buffer.concat([stream, HUGE_HEADER, Buffer.alloc(10)]));
  assert.is(verdict.ok, false);
  assert.is(!verdict.ok && verdict.reason, 'oversize');
});

test('random chunkings of a valid stream all pass', () => {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const tracker = createFrameTracker(LIMIT);
    for (let i = 0; i < stream.length; ) {
      const size = 1 + random(round % 2 ? 7 : 5000);
      assert.equal(tracker.feed(stream.subarray(i, i + size)), { ok: true }, `round ${round} at ${i}`);
      i += size;
    }
    assert.is(tracker.feed(HUGE_HEADER).ok, false, `round ${round} lost alignment`);
  }
});

test('a header split across chunks is refused as soon as the length is complete', () => {
  const tracker = createFrameTracker(LIMIT);
  assert.equal(tracker.feed(HUGE_HEADER.subarray(0, 2)), { ok: true });
  assert.equal(tracker.feed(HUGE_HEADER.subarray(2, 4)), { ok: true });
  assert.is(tracker.feed(HUGE_HEADER.subarray(4)).ok, false);
});

test('a packet of exactly maxPacketSize is allowed, one body byte more is not', () => {
  // 16_386 and 2_097_155 are the largest sizes with 2- and 3-byte lengths: one body byte more widens the header.
  for (const limit of [1024, LIMIT, 16_386, 2_097_155]) {
    const exact = packetOfSize(0x30, limit);
    assert.is(exact.length, limit);
    assert.equal(createFrameTracker(limit).feed(exact), { ok: true }, `exact ${limit}`);
    let lengthBytes = 1;
    while (exact[lengthBytes]! & 0x80) lengthBytes++;
    const over = filler(0x30, exact.length - 1 - lengthBytes + 1);
    const verdict = createFrameTracker(limit).feed(over.subarray(0, 5));
    assert.is(verdict.ok, false, `over ${limit}`);
  }
});

test('a fifth Remaining Length byte is malformed, and the verdict sticks', () => {
  const tracker = createFrameTracker(LIMIT);
  const verdict = tracker.feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]));
  assert.is(!verdict.ok && verdict.reason, 'malformed');
  assert.equal(tracker.feed(filler(0xc0, 0)), verdict);
});

test.run();
