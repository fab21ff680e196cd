import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guardPacketSize, PacketGuardError } from '../../broker/packet-size-guard.js';
import { waitFor } from '../helpers/env.js';
import { filler, varint } from './mqtt-bytes.js';

/** A real TCP pair on 127.0.0.1: the server side wrapped in the guard. */
async function guardedPair(maxPacketSize: number) {
  const violations: PacketGuardError[] = [];
  let server!: Server;
  const accepted = new Promise<Duplex>((resolve) => {
    server = createServer((socket) => resolve(guardPacketSize(socket, { maxPacketSize, onViolation: (e) => violations.push(e) })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const client: Socket = connect(port, '127.0.0.1');
  client.on('error', () => {});
  const guarded = await accepted;
  guarded.on('error', () => {});
  const done = () => {
    client.destroy();
    guarded.destroy();
    server.close();
  };
  return { client, guarded, violations, done };
}

/** Reads from `stream` until `bytes` have arrived. */
function readBytes(stream: Duplex, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= bytes) {
        stream.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    stream.on('data', onData);
  });
}

test('valid packets pass through unchanged, header bytes written one at a time', async () => {
  const { client, guarded, violations, done } = await guardedPair(1024);
  const bytes = Buffer.concat([filler(0x30, 200), filler(0xc0, 0), filler(0x30, 1021)]);
  const received = readBytes(guarded, bytes.length);
  for (const byte of bytes.subarray(0, 10)) {
    client.write(Buffer.from([byte]));
    await new Promise((r) => setImmediate(r));
  }
  client.write(bytes.subarray(10));
  assert.ok((await received).equals(bytes));
  assert.is(violations.length, 0);
  assert.not.ok(guarded.destroyed);
  done();
});

test('an oversize header cuts the connection before its body is sent', async () => {
  const { client, guarded, violations, done } = await guardedPair(64 * 1024);
  guarded.resume();
  const errored = new Promise<Error>((resolve) => guarded.once('error', resolve));
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.write(Buffer.concat([filler(0x30, 10), Buffer.from([0x30]), varint(10 * 1024 * 1024), Buffer.alloc(16)]));
  const error = await errored;
  assert.instance(error, PacketGuardError);
  assert.is((error as PacketGuardError).code, 'VIGIE_ERR_PAYLOAD_TOO_LARGE');
  assert.is((error as PacketGuardError).declaredSize, 1 + 4 + 10 * 1024 * 1024);
  assert.is(violations.length, 1);
  await clientClosed; // the peer sees the TCP connection go
  done();
});

test('reads pause the socket while the consumer is behind (backpressure in)', async () => {
  const { client, guarded, done } = await guardedPair(1 << 20);
  guarded.read(0); // the consumer asks once, then stops reading
  // The guard must stop pulling from the socket, so the sender's buffer
  // fills up (kernel buffers, then its own) instead of the guard's memory.
  const chunk = filler(0x30, 60_000);
  for (let i = 0; i < 400; i++) client.write(chunk);
  await waitFor('sender to be held back', () => client.writableLength > 0 && guarded.readableLength >= guarded.readableHighWaterMark);
  const buffered = guarded.readableLength;
  assert.ok(buffered < guarded.readableHighWaterMark + 256 * 1024, `guard buffered ${buffered} bytes`);
  // Reading everything releases the rest.
  const all = readBytes(guarded, 400 * chunk.length);
  assert.is((await all).length, 400 * chunk.length);
  done();
});

test('writes report false while the peer does not read, then drain (backpressure out)', async () => {
  const { client, guarded, done } = await guardedPair(1024);
  client.pause();
  const chunk = Buffer.alloc(64 * 1024, 1);
  let sent = 0;
  while (guarded.write(chunk)) {
    sent += chunk.length;
    if (sent > 256 * 1024 * 1024) throw new Error('write never reported backpressure');
  }
  sent += chunk.length;
  const drained = new Promise<void>((resolve) => guarded.once('drain', () => resolve()));
  const received = readBytes(client, sent);
  client.resume();
  await drained;
  assert.is((await received).length, sent);
  done();
});

test('an end from the peer ends the guarded stream after buffered data is read', async () => {
  const { client, guarded, done } = await guardedPair(1024);
  const bytes = filler(0x30, 100);
  client.end(bytes);
  const chunks: Buffer[] = [];
  guarded.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve) => guarded.once('end', () => resolve()));
  assert.ok(Buffer.concat(chunks).equals(bytes));
  done();
});

test('destroying the guarded stream closes the socket', async () => {
  const { client, guarded, done } = await guardedPair(1024);
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  guarded.destroy();
  await clientClosed;
  assert.ok(guarded.destroyed);
  done();
});

test.run();
