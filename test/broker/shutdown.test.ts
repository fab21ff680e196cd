import { createServer } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Value } from '@sinclair/typebox/value';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/index.js';
import { waitFor } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { connectPacket, subscribePacket } from './mqtt-bytes.js';

/** True if a TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('close() is idempotent and returns before its deadline with clients and a backlog', async () => {
  const closeTimeout = 2;
  // drainTimeout far beyond closeTimeout: only shutdown can end the frozen client.
  const broker = await startTestBroker({ closeTimeout, drainTimeout: 600 });

  const frozen = connect(broker.port, '127.0.0.1');
  frozen.on('error', () => {});
  frozen.write(Buffer.concat([connectPacket('frozen'), subscribePacket('vigie/#', 1)]));
  await waitFor('frozen registered', () => broker.stats().clients === 1);
  frozen.pause();
  const frozenClosed = new Promise<void>((resolve) => frozen.once('close', () => resolve()));

  const normal = await connectClient(broker.url, { clientId: 'normal' });
  await normal.subscribeAsync('vigie/#', { qos: 1 });
  const normalClosed = new Promise<void>((resolve) => normal.once('close', () => resolve()));
  const publisher = await connectClient(broker.url, { clientId: 'publisher' });
  publisher.on('error', () => {});
  const payload = Buffer.alloc(32 * 1024, 0x62);
  for (let i = 0; i < 3000; i++) publisher.publish(`vigie/h${i % 13}/metrics`, payload, { qos: 1 });
  let received = 0;
  normal.on('message', () => received++);
  // Broker side, the frozen client's stream is full: writes wait for a drain that never comes.
  const clients = (broker.aedes as unknown as { clients: Record<string, { conn: { writableNeedDrain: boolean } }> }).clients;
  await waitFor('a backlog to form behind the frozen client', () => received > 0 && clients['frozen']?.conn.writableNeedDrain);

  const started = Date.now();
  const first = broker.close();
  const second = broker.close();
  assert.is(first, second, 'one close, shared');
  await first;
  const elapsed = Date.now() - started;
  await broker.close(); // and again once closed

  assert.ok(elapsed < closeTimeout * 1000 + 500, `close took ${elapsed} ms, deadline ${closeTimeout * 1000} ms`);
  assert.ok(broker.aedes.closed);
  assert.is(broker.stats().clients, 0);
  await normalClosed;
  frozen.resume(); // let it see the end it was sent
  await frozenClosed;
  assert.ok(await refused(broker.port), 'TCP listener closed');
  normal.end(true);
  publisher.end(true);
});

test('close() stops MQTT over WebSocket but leaves the HTTP server to its owner', async () => {
  const http = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  const broker = await startBroker(Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true }) as BrokerConfig, { httpServer: http });
  const ws = await connectClient(`ws://${base}/mqtt`, { clientId: 'ws' });
  const wsClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await broker.close();
  await wsClosed;
  assert.is(http.listenerCount('upgrade'), 0, 'upgrade handler removed');
  const res = await fetch(`http://${base}/`);
  assert.is(await res.text(), 'ok');
  ws.end(true);
  await new Promise<void>((r) => http.close(() => r()));
});

test('a broker with no clients closes at once, and its port is free again', async () => {
  const broker = await startTestBroker();
  await broker.close();
  assert.ok(await refused(broker.port));
});

test.run();
