/**
 * GET /livez and GET /readyz (issue 15, item 3) on the real `vigie broker` +
 * `vigie server` wiring: /readyz answers 503 naming the reason while the
 * broker is down (the ingest is disconnected), 200 once it is back; /livez
 * answers 200 throughout. A failing store is injected into the probe router
 * (the real one, over HTTP) with the storage states the ingest reports.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProbeRouter, readiness } from '../../dashboard/server/api/health.js';
import type { IngestHandle, IngestStats } from '../../ingest/types.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';

const data = tempDir();
let broker: TestStack | undefined;
let server: TestStack;
let brokerPort: number;

const startBroker = (port: number) => startTestStack('broker', { dataDir: data.path, set: { 'broker.port': String(port) } });

interface Probe {
  status: number;
  body: { ok: boolean; data?: { status: string }; error?: { code: string; message: string }; checks?: Record<string, { ok: boolean; state: string }> };
}

const probe = async (base: string, path: string): Promise<Probe> => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Probe['body'] };
};

test.before(async () => {
  broker = await startBroker(0);
  brokerPort = broker.stack.broker!.port;
  const ingest = addCredentials(data.path, { kind: 'service', role: 'ingest' });
  server = await startTestStack('server', {
    dataDir: data.path,
    set: { 'ingest.broker': `mqtt://127.0.0.1:${brokerPort}`, 'ingest.username': ingest.username, 'ingest.password': ingest.password },
  });
});

test.after(async () => {
  await server?.close();
  await broker?.close();
  data.remove();
});

test('/readyz is 503 while the broker is down and 200 once it is back; /livez stays 200', async () => {
  const base = server.httpUrl;
  const ready = await waitFor('ready', async () => ((await probe(base, '/readyz')).status === 200 ? probe(base, '/readyz') : null), 15_000);
  assert.equal(ready.body.ok, true);
  assert.equal(ready.body.data?.status, 'ready');

  await broker!.close();
  broker = undefined;
  const down = await waitFor('not ready', async () => {
    const p = await probe(base, '/readyz');
    return p.status === 503 ? p : null;
  }, 15_000);
  assert.is(down.body.ok, false);
  assert.is(down.body.error?.code, 'VIGIE_ERR_UNAVAILABLE');
  assert.match(down.body.error!.message, /not connected to the MQTT broker/);
  assert.equal(down.body.checks?.mqtt, { ok: false, state: 'disconnected' });
  assert.equal(down.body.checks?.store, { ok: true, state: 'ok' });
  const live = await probe(base, '/livez');
  assert.is(live.status, 200, 'alive while not ready');
  assert.is(live.body.data?.status, 'live');
  assert.is((await fetch(`${base}/api/health`)).status, 200, '/api/health is kept');

  broker = await startBroker(brokerPort);
  const back = await waitFor('ready again', async () => {
    const p = await probe(base, '/readyz');
    return p.status === 200 ? p : null;
  }, 30_000, 200);
  assert.equal(back.body.data?.status, 'ready');
});

test('/readyz is 503 while the store is full or failing', async () => {
  let stats: Pick<IngestStats, 'connected' | 'storage'> = { connected: true, storage: 'ok' };
  const app = express();
  app.use(createProbeRouter({ ingest: { stats: () => stats } as unknown as IngestHandle }));
  const srv = app.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    assert.is((await probe(base, '/readyz')).status, 200);
    stats = { connected: true, storage: 'full' };
    const full = await probe(base, '/readyz');
    assert.is(full.status, 503);
    assert.match(full.body.error!.message, /store is full/);
    assert.equal(full.body.checks?.store, { ok: false, state: 'full' });
    stats = { connected: false, storage: 'failing' };
    const both = await probe(base, '/readyz');
    assert.is(both.status, 503);
    assert.match(both.body.error!.message, /not connected to the MQTT broker; store writes are failing/);
    assert.is((await probe(base, '/livez')).status, 200);
    stats = { connected: true, storage: 'ok' };
    assert.is((await probe(base, '/readyz')).status, 200, 'ready again');
  } finally {
    await new Promise((r) => srv.close(r));
  }
  assert.equal(readiness({ connected: true, storage: 'ok' }).reasons, []);
});

test.run();
