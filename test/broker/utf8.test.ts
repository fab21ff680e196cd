/**
 * Topic filters and topics that are not UTF-8 are refused (issue 10, item
 * 6a; [MQTT-1.5.3-1]), spoken in raw bytes on a TCP socket.
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { connectPacket, publishPacketRaw, subscribePacketRaw } from './mqtt-bytes.js';

/** A raw connection after its CONNACK, collecting what the broker sends. */
async function rawClient(port: number, clientId: string): Promise<{ socket: Socket; bytes: () => Buffer; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  let isClosed = false;
  socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
  socket.on('close', () => (isClosed = true));
  socket.on('error', () => {});
  socket.write(connectPacket(clientId));
  await waitFor('CONNACK', () => received.length >= 4);
  assert.equal([...received.subarray(0, 4)], [0x20, 0x02, 0x00, 0x00]);
  received = received.subarray(4);
  return { socket, bytes: () => received, closed: () => isClosed };
}

test('a SUBSCRIBE filter with invalid UTF-8 gets SUBACK 0x80, a valid one is granted', async () => {
  const broker = await startTestBroker();
  try {
    const raw = await rawClient(broker.port, 'utf8-sub');
    raw.socket.write(subscribePacketRaw(Buffer.concat([Buffer.from('vigie/'), Buffer.from([0xff, 0xfe]), Buffer.from('/#')])));
    await waitFor('SUBACK', () => raw.bytes().length >= 5);
    assert.equal([...raw.bytes().subarray(0, 5)], [0x90, 0x03, 0x00, 0x01, 0x80]);
    raw.socket.write(subscribePacketRaw(Buffer.from('vigie/café/#', 'utf8')));
    await waitFor('second SUBACK', () => raw.bytes().length >= 10);
    assert.equal([...raw.bytes().subarray(5, 10)], [0x90, 0x03, 0x00, 0x01, 0x00], 'well-formed UTF-8 is fine');
    assert.not.ok(raw.closed());
    assert.is(broker.stats().invalidTopics, 1);
    raw.socket.destroy();
  } finally {
    await broker.close();
  }
});

test('a PUBLISH to a topic with invalid UTF-8 is refused: the connection is cut and nobody receives it', async () => {
  const broker = await startTestBroker();
  try {
    const watcher = await connectClient(broker.url, { clientId: 'watcher' });
    let leaked = 0;
    watcher.on('message', () => leaked++);
    await watcher.subscribeAsync('#', { qos: 0 });
    const raw = await rawClient(broker.port, 'utf8-pub');
    raw.socket.write(publishPacketRaw(Buffer.concat([Buffer.from('vigie/h/'), Buffer.from([0xc3, 0x28])]), Buffer.from('{}')));
    await waitFor('the connection to be cut', () => raw.closed());
    await new Promise((r) => setTimeout(r, 100));
    assert.is(leaked, 0);
    assert.is(broker.stats().invalidTopics, 1);
    watcher.end(true);
  } finally {
    await broker.close();
  }
});

test.run();
