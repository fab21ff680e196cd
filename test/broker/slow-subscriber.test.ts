/**
 * A subscriber that stops reading hurts only itself (issue 10, item 12): a
 * raw socket subscribes to the flood and never reads again, while a normal
 * subscriber must keep receiving and the frozen one must be cut.
 */
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from 'aedes';
import type { BrokerHandle } from '../../broker/index.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { connectPacket, subscribePacket } from './mqtt-bytes.js';

const MESSAGES = 400;
const PAYLOAD = 60 * 1024; // under the default 64 KiB limit; 400 of them outgrow any socket buffer

/** Subscribes a raw socket to `filter`, then stops reading it for good. */
async function frozenSubscriber(broker: BrokerHandle, filter: string): Promise<Socket> {
  const frozen = connect(broker.port, '127.0.0.1');
  frozen.on('error', () => {});
  frozen.write(Buffer.concat([connectPacket('frozen'), subscribePacket(filter, 0)]));
  // CONNACK (4 bytes) then SUBACK (5 bytes): after that the subscription is in place.
  let acks = Buffer.alloc(0);
  await waitFor('CONNACK and SUBACK', () => {
    const bytes: Buffer | null = frozen.read();
    if (bytes) acks = Buffer.concat([acks, bytes]);
    return acks.length >= 9;
  });
  assert.equal([...acks.subarray(4, 9)], [0x90, 0x03, 0x00, 0x01, 0x00], 'SUBACK granted QoS 0');
  frozen.pause();
  return frozen;
}

async function flood(broker: BrokerHandle): Promise<void> {
  const publisher = await connectClient(broker.url, { clientId: 'publisher' });
  const payload = Buffer.alloc(PAYLOAD, 0x61);
  await Promise.all(Array.from({ length: MESSAGES }, (_, i) => publisher.publishAsync(`vigie/flood/${i % 7}`, payload, { qos: 1 })));
  publisher.end(true);
}

test('the others keep receiving while a frozen subscriber is still connected; it is cut by drainTimeout', async () => {
  // A backlog bound too large to matter here: only drainTimeout can cut it.
  const broker = await startTestBroker({ drainTimeout: 4, maxClientBacklog: 256 * 1024 * 1024 });
  const errors = new Map<string, string>();
  broker.aedes.on('clientError', (client: Client, error: Error) => errors.set(client.id, errors.get(client.id) ?? error.message));
  const disconnected = new Set<string>();
  broker.aedes.on('clientDisconnect', (client: Client) => disconnected.add(client.id));
  const frozen = await frozenSubscriber(broker, 'vigie/flood/#');

  const normal = await connectClient(broker.url, { clientId: 'normal' });
  let received = 0;
  let receivedWhenFrozenCut: number | undefined;
  normal.on('message', () => received++);
  broker.aedes.on('clientDisconnect', (client: Client) => {
    if (client.id === 'frozen') receivedWhenFrozenCut = received;
  });
  await normal.subscribeAsync('vigie/flood/#', { qos: 1 });

  await flood(broker);
  // Before, every delivery waited for the frozen socket: nothing more reached
  // anyone until drainTimeout cut it. Now all of it arrives meanwhile.
  await waitFor(`normal subscriber to get ${MESSAGES} messages`, () => received === MESSAGES, 60_000);
  assert.not.ok(disconnected.has('frozen'), 'the normal subscriber got everything while the frozen one was still connected');
  await waitFor('frozen subscriber to be disconnected', () => disconnected.has('frozen'), 20_000);
  assert.is(receivedWhenFrozenCut, MESSAGES);
  assert.is(errors.get('frozen'), 'drain timeout');
  assert.is(broker.stats().slowClientsCut, 1);
  assert.not.ok(disconnected.has('normal'));

  frozen.destroy();
  normal.end(true);
  await broker.close();
});

test('a frozen subscriber whose backlog passes maxClientBacklog is cut at once, long before drainTimeout', async () => {
  const broker = await startTestBroker({ drainTimeout: 300, maxClientBacklog: 1024 * 1024 });
  const disconnected = new Set<string>();
  broker.aedes.on('clientDisconnect', (client: Client) => disconnected.add(client.id));
  const frozen = await frozenSubscriber(broker, 'vigie/flood/#');
  const normal = await connectClient(broker.url, { clientId: 'normal' });
  let received = 0;
  normal.on('message', () => received++);
  await normal.subscribeAsync('vigie/flood/#', { qos: 1 });

  await flood(broker);
  await waitFor('frozen subscriber to be cut', () => disconnected.has('frozen'), 20_000);
  await waitFor(`normal subscriber to get ${MESSAGES} messages`, () => received === MESSAGES, 60_000);
  assert.is(broker.stats().slowClientsCut, 1);
  assert.not.ok(disconnected.has('normal'));

  frozen.destroy();
  normal.end(true);
  await broker.close();
});

test.run();
