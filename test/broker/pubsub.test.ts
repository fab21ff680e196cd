import { connect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BrokerHandle } from '../../broker/index.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';

let broker: BrokerHandle;
const clients: MqttClient[] = [];
const client = async (id: string, opts = {}) => {
  const c = await connectClient(broker.url, { clientId: id, ...opts });
  clients.push(c);
  return c;
};

test.before(async () => {
  broker = await startTestBroker();
});
test.after(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
});

test('listens on a free port and reports it', () => {
  assert.ok(broker.port > 0);
  assert.is(broker.url, `mqtt://127.0.0.1:${broker.port}`);
});

test('QoS 0 and QoS 1 messages reach a subscriber over TCP', async () => {
  const sub = await client('sub-qos');
  const pub = await client('pub-qos');
  for (const qos of [0, 1] as const) {
    const topic = `vigie/test-host/qos${qos}`;
    const received = nextMessage(sub, topic, { qos });
    await received.subscribed; // else the PUBLISH, on another socket, may overtake the SUBSCRIBE
    await pub.publishAsync(topic, `hello ${qos}`, { qos });
    const msg = await received;
    assert.is(msg.topic, topic);
    assert.is(msg.payload.toString(), `hello ${qos}`);
    assert.is(msg.retain, false);
  }
  assert.ok(broker.stats().clients >= 2);
});

test('a retained message is delivered to a late subscriber', async () => {
  const pub = await client('pub-retain');
  await pub.publishAsync('vigie/late/status', '{"v":1,"state":"online"}', { qos: 1, retain: true });
  const late = await client('late-sub');
  const msg = await nextMessage(late, 'vigie/+/status');
  assert.is(msg.topic, 'vigie/late/status');
  assert.is(msg.payload.toString(), '{"v":1,"state":"online"}');
  assert.is(msg.retain, true);
});

test('the Last Will is published when a client socket is destroyed', async () => {
  const watcher = await client('will-watcher');
  const will = nextMessage(watcher, 'vigie/dying/status', { match: (m) => m.payload.toString().includes('offline') });
  await will.subscribed; // before the dying client connects, so the will is a live message
  const dying = await client('dying', {
    will: { topic: 'vigie/dying/status', payload: Buffer.from('{"v":1,"state":"offline"}'), qos: 1, retain: true },
  });
  // No DISCONNECT: the socket just goes, as when a host loses power.
  (dying as unknown as { stream: { destroy(): void } }).stream.destroy();
  const msg = await will;
  assert.is(msg.payload.toString(), '{"v":1,"state":"offline"}');
  // Retained: a later subscriber sees the host offline too.
  const later = await client('will-later');
  const retained = await nextMessage(later, 'vigie/dying/status');
  assert.is(retained.retain, true);
  assert.is(retained.payload.toString(), '{"v":1,"state":"offline"}');
});

test('garbage bytes on a TCP connection do not crash the broker', async () => {
  const garbage = [
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0x10, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]), // CONNECT with nonsense
    Buffer.from([0x30, 0x02, 0x00, 0x00]), // PUBLISH before CONNECT
  ];
  for (const bytes of garbage) {
    const socket = connect(broker.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(bytes);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }
  const sub = await client('after-garbage');
  const received = nextMessage(sub, 'vigie/alive/metrics');
  await received.subscribed;
  const pub = await client('after-garbage-pub');
  await pub.publishAsync('vigie/alive/metrics', 'still here', { qos: 1 });
  assert.is((await received).payload.toString(), 'still here');
});

test.run();
