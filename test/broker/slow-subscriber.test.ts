import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from 'aedes';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { connectPacket, subscribePacket } from './mqtt-bytes.js';

const MESSAGES = 400;
const PAYLOAD = 60 * 1024; // under the default 64 KiB limit; 400 of them outgrow any socket buffer

test('a frozen subscriber neither stops a normal one nor stays connected past drainTimeout', async () => {
  const broker = await startTestBroker({ drainTimeout: 1 });
  const errors = new Map<string, string>();
  broker.aedes.on('clientError', (client: Client, error: Error) => errors.set(client.id, error.message));
  const disconnected = new Set<string>();
  broker.aedes.on('clientDisconnect', (client: Client) => disconnected.add(client.id));

  // The frozen one: subscribes, then never reads another byte.
  const frozen = connect(broker.port, '127.0.0.1');
  frozen.on('error', () => {});
  frozen.write(Buffer.concat([connectPacket('frozen'), subscribePacket('vigie/flood/#', 0)]));
  // CONNACK (4 bytes) then SUBACK (5 bytes): after that the subscription is in place.
  let acks = Buffer.alloc(0);
  await waitFor('CONNACK and SUBACK', () => {
    const bytes: Buffer | null = frozen.read();
    if (bytes) acks = Buffer.concat([acks, bytes]);
    return acks.length >= 9;
  });
  assert.equal([...acks.subarray(4, 9)], [0x90, 0x03, 0x00, 0x01, 0x00], 'SUBACK granted QoS 0');
  frozen.pause();

  const normal = await connectClient(broker.url, { clientId: 'normal' });
  let received = 0;
  normal.on('message', () => received++);
  await normal.subscribeAsync('vigie/flood/#', { qos: 1 });

  const publisher = await connectClient(broker.url, { clientId: 'publisher' });
  const payload = Buffer.alloc(PAYLOAD, 0x61);
  await Promise.all(Array.from({ length: MESSAGES }, (_, i) => publisher.publishAsync(`vigie/flood/${i % 7}`, payload, { qos: 1 })));

  await waitFor(`normal subscriber to get ${MESSAGES} messages`, () => received === MESSAGES, 60_000);
  await waitFor('frozen subscriber to be disconnected', () => disconnected.has('frozen'), 30_000);
  assert.is(errors.get('frozen'), 'drain timeout');
  assert.is(received, MESSAGES);
  assert.not.ok(disconnected.has('normal'));
  assert.is(broker.stats().clients, 2);

  frozen.destroy();
  normal.end(true);
  publisher.end(true);
  await broker.close();
});

test.run();
