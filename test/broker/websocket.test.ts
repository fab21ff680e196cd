import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { Server as SocketIoServer } from 'socket.io';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { startBroker, type BrokerHandle } from '../../broker/index.js';
import { connectClient, nextMessage } from '../helpers/mqtt.js';
import { Value } from '@sinclair/typebox/value';
import { BrokerConfig } from '../../broker/config.js';
import { varint } from './mqtt-bytes.js';

let http: Server;
let sio: SocketIoServer;
let broker: BrokerHandle;
let base: string;
const mqttClients: MqttClient[] = [];
const ioClients: IoSocket[] = [];

test.before(async () => {
  http = createServer((_req, res) => res.end('ok'));
  // Socket.IO first: its engine.io 'upgrade' listener then sees every upgrade,
  // including /mqtt, which it must leave alone.
  sio = new SocketIoServer(http);
  sio.on('connection', (socket) => socket.emit('hello', { v: 1 }));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  const config = Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true }) as BrokerConfig;
  broker = await startBroker(config, { httpServer: http });
});

test.after(async () => {
  for (const c of mqttClients) c.end(true);
  for (const c of ioClients) c.disconnect();
  await broker.close();
  await new Promise<void>((r) => sio.close(() => r()));
});

test('MQTT over WebSocket and Socket.IO work side by side on one HTTP server', async () => {
  const sub = await connectClient(`ws://${base}/mqtt`, { clientId: 'ws-sub' });
  mqttClients.push(sub);
  const io = ioClient(`http://${base}`, { transports: ['websocket'], reconnection: false });
  ioClients.push(io);
  const hello = new Promise<unknown>((resolve, reject) => {
    io.once('hello', resolve);
    io.once('connect_error', reject);
  });
  const received = nextMessage(sub, 'vigie/ws-host/metrics');
  await received.subscribed;
  const pub = await connectClient(`ws://${base}/mqtt?x=1`, { clientId: 'ws-pub' }); // query strings are fine
  mqttClients.push(pub);
  await pub.publishAsync('vigie/ws-host/metrics', '{"v":1}', { qos: 1 });
  assert.is((await received).payload.toString(), '{"v":1}');
  assert.equal(await hello, { v: 1 });
  // Long-polling Socket.IO (plain HTTP requests) still works too.
  const polling = ioClient(`http://${base}`, { transports: ['polling'], reconnection: false });
  ioClients.push(polling);
  assert.equal(await new Promise((resolve) => polling.once('hello', resolve)), { v: 1 });
});

test('WS and TCP clients share one broker', async () => {
  const tcp = await connectClient(broker.url, { clientId: 'tcp-sub' });
  mqttClients.push(tcp);
  const received = nextMessage(tcp, 'vigie/mixed/status');
  await received.subscribed;
  const ws = await connectClient(`ws://${base}/mqtt`, { clientId: 'ws-pub-2' });
  mqttClients.push(ws);
  await ws.publishAsync('vigie/mixed/status', 'from ws', { qos: 1 });
  assert.is((await received).payload.toString(), 'from ws');
});

test('an upgrade to another path is not taken by the broker', async () => {
  const socket = new WebSocket(`ws://${base}/elsewhere`);
  const outcome = await new Promise<string>((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('error', () => resolve('refused'));
  });
  assert.is(outcome, 'refused');
});

test('an oversize packet over WebSocket cuts that connection only', async () => {
  const before = broker.stats().rejectedOversize;
  const raw = new WebSocket(`ws://${base}/mqtt`, 'mqtt');
  await new Promise((resolve, reject) => {
    raw.once('open', resolve);
    raw.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
  raw.on('error', () => {});
  // A PUBLISH header declaring 10 MB and a few body bytes, in one frame.
  raw.send(Buffer.concat([Buffer.from([0x30]), varint(10 * 1024 * 1024), Buffer.alloc(8)]));
  await closed;
  assert.is(broker.stats().rejectedOversize, before + 1);
  const still = await connectClient(`ws://${base}/mqtt`, { clientId: 'ws-after' });
  mqttClients.push(still);
  assert.ok(still.connected);
});

test.run();
