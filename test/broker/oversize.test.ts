import { connect, type Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BrokerHandle } from '../../broker/index.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';
import { connectPacket, publishPacket, varint } from './mqtt-bytes.js';

const LIMIT = 1024;
let broker: BrokerHandle;
let bystander: MqttClient;

test.before(async () => {
  broker = await startTestBroker({ maxPacketSize: LIMIT });
  bystander = await connectClient(broker.url, { clientId: 'bystander' });
});
test.after(async () => {
  bystander.end(true);
  await broker.close();
});

/** A raw TCP client that has completed CONNECT/CONNACK. */
async function rawConnected(clientId: string): Promise<Socket> {
  const socket = connect(broker.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(connectPacket(clientId));
  const connack = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  assert.equal([...connack.subarray(0, 4)], [0x20, 0x02, 0x00, 0x00], 'CONNACK accepted');
  return socket;
}

/** Publishes from the bystander and checks it arrives: the broker is still fine. */
async function bystanderStillWorks(tag: string): Promise<void> {
  const received = nextMessage(bystander, 'vigie/bystander/metrics', { match: (m) => m.payload.toString() === tag });
  await received.subscribed;
  await bystander.publishAsync('vigie/bystander/metrics', tag, { qos: 1 });
  await received;
}

test('a PUBLISH header declaring 10 MB is cut before its body is sent', async () => {
  await bystanderStillWorks('before');
  const socket = await rawConnected('greedy');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // Only the fixed header and a few body bytes: if the broker waited for the
  // body (10 MB that never come), the socket would stay open.
  socket.write(Buffer.concat([Buffer.from([0x30]), varint(10 * 1024 * 1024), Buffer.from([0x00, 0x05, 0x76, 0x69])]));
  await closed;
  assert.is(broker.stats().rejectedOversize, 1);
  await bystanderStillWorks('after');
});

test('a packet of exactly maxPacketSize is relayed; one byte more is refused', async () => {
  const topic = 'vigie/edge/metrics';
  // QoS 0 PUBLISH: 1 type byte + 2 length bytes + 2 + topic + payload (§3.3).
  const payloadAtLimit = LIMIT - 1 - 2 - 2 - topic.length;
  const atLimit = publishPacket(topic, Buffer.alloc(payloadAtLimit, 0x61));
  assert.is(atLimit.length, LIMIT);

  const received = nextMessage(bystander, topic);
  await received.subscribed;
  const socket = await rawConnected('edge');
  socket.write(atLimit);
  assert.is((await received).payload.length, payloadAtLimit);
  assert.not.ok(socket.destroyed);

  const before = broker.stats().rejectedOversize;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(publishPacket(topic, Buffer.alloc(payloadAtLimit + 1, 0x61)));
  await closed;
  assert.is(broker.stats().rejectedOversize, before + 1);
});

test('mqtt.js publishing an oversize payload is disconnected; others carry on', async () => {
  const big = await connectClient(broker.url, { clientId: 'big-publisher' });
  const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
  big.on('error', () => {});
  big.publish('vigie/big/metrics', Buffer.alloc(100 * 1024));
  await closed;
  big.end(true);
  await bystanderStillWorks('after-big');
});

test.run();
