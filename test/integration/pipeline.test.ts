/**
 * End to end through the real wiring: a real agent publishes this machine's
 * metrics to the broker, the ingest stores them in SQLite, the REST API and
 * Socket.IO serve them. Run twice: `vigie up` with the embedded Aedes broker,
 * and `vigie server` with a real Mosquitto on the files `vigie mosquitto`
 * writes (issue 15).
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validatePayload } from '../../protocol/payloads.js';
import { waitFor } from '../helpers/env.js';
import { ApiClient } from '../helpers/api-client.js';
import { startBrokerStack, type BrokerKind } from '../helpers/mosquitto.js';
import { adminClient, getJson, type TestStack } from '../helpers/stack.js';

for (const kind of ['aedes', 'mosquitto'] as BrokerKind[]) {
  const test = suite(kind);
  let up: TestStack | null;
  let admin: ApiClient;
  let socket: Socket | undefined;

  test.before(async () => {
    up = await startBrokerStack(kind);
    if (up) admin = await adminClient(up!.httpUrl, up.dataDir);
  });
  test.after(async () => {
    socket?.close();
    await up?.close();
  });

  type Api<T> = { ok: boolean; data: T };
  interface HostRow { id: string; state: string; presence: string; latest: { ts: number; cpu?: { usage: number } } | null; info: { hostname: string } | null }

  test('the local agent appears in GET /api/hosts with its latest values and state', async () => {
    if (!up) return;
    const hostId = up!.stack.agent!.hostId;
    const host = await waitFor('the local host in /api/hosts', async () => {
      const { body } = await getJson<Api<HostRow[]>>(`${up!.httpUrl}/api/hosts`, admin);
      return body.data.find((h) => h.id === hostId && h.latest && h.info);
    });
    assert.is(host.presence, 'online');
    assert.ok(['online', 'warning', 'critical'].includes(host.state), host.state);
    assert.ok(validatePayload('metrics', host.latest).ok, 'latest values are a valid metrics payload');
    assert.type(host.latest!.cpu?.usage, 'number');
    assert.ok(host.info!.hostname.length > 0);
  });

  test('its history is stored and served by the history endpoint', async () => {
    if (!up) return;
    const hostId = up!.stack.agent!.hostId;
    const history = await waitFor('two CPU points in the history', async () => {
      const { body } = await getJson<Api<{ points: Array<{ ts: number; avg: number }> }>>(
        `${up!.httpUrl}/api/hosts/${hostId}/history?metric=cpu.usage&range=15m`,
        admin,
      );
      return body.ok && body.data.points.length >= 2 ? body.data : null;
    }, 15_000);
    for (const p of history.points) {
      assert.ok(p.avg >= 0 && p.avg <= 100);
      assert.ok(Math.abs(p.ts - Date.now()) < 15 * 60_000);
    }
  });

  test('live samples reach a Socket.IO client in the host room', async () => {
    if (!up) return;
    const hostId = up!.stack.agent!.hostId;
    socket = connectSocket(up!.httpUrl, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: admin.cookieHeader() } });
    const received: Array<{ host: string; metrics: { ts: number } }> = [];
    socket.on('sample', (s: { host: string; metrics: { ts: number } }) => received.push(s));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect_error', reject);
      socket!.emit('subscribe', { host: hostId }, (ack: { ok: boolean }) => (ack.ok ? resolve() : reject(new Error('subscribe refused'))));
    });
    const sample = await waitFor('a live sample', () => received[0], 5000);
    assert.is(sample.host, hostId);
    assert.ok(Date.now() - sample.metrics.ts < 5000, 'the sample is fresh');
  });

  test.run();
}
