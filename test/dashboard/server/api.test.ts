import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HostDetail, HostSummary, SeriesRef } from '../../../ingest/types.js';
import type { HistoryAnswer } from '../../../dashboard/server/api/history.js';
import { waitFor } from '../../helpers/env.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

let s: DashboardStack;
const t0 = Date.now() - 60_000;

async function get<T>(path: string): Promise<{ status: number; body: Env<T>; type: string }> {
  const res = await fetch(`${s.url}${path}`, { headers: { cookie: s.admin.cookieHeader() } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Env<T> };
}

function data<T>(r: { body: Env<T> }): T {
  if (!r.body.ok) throw new Error(`expected ok, got ${JSON.stringify(r.body)}`);
  return r.body.data;
}

function error(r: { body: Env<unknown> }): { code: string; message: string } {
  if (r.body.ok) throw new Error('expected an error envelope');
  return r.body.error;
}

test.before(async () => {
  s = await startDashboardStack();
  await s.publish('mypc', 'status', statusPayload());
  await s.publish('mypc', 'info', infoPayload('MyPC'));
  await s.publish('mypc', 'services', { v: 1, ts: Date.now(), services: [{ name: 'ssh', state: 'running', enabled: true }] });
  // 30 samples, one every 2 s over the last minute, CPU 10, 11, … 39.
  for (let i = 0; i < 30; i++) await s.publish('mypc', 'metrics', metricsPayload(10 + i, t0 + i * 2000));
  // accepted counts a sample a moment before its points are queued: wait for the newest one in the store.
  await waitFor('30 samples stored', async () => {
    await s.ingest.flush();
    const h = await s.ingest.history({ host: 'mypc', metric: 'cpu.usage', key: '', from: t0, to: Date.now() + 1000, step: 1000 });
    return h.points.length === 30;
  });
});

test.after(async () => {
  await s?.close();
});

test('GET /api/health answers ok with the ingest counters', async () => {
  const r = await get<{ status: string; hosts: { total: number }; ingest: { accepted: number } }>('/api/health');
  assert.is(r.status, 200);
  assert.match(r.type, /application\/json/);
  const h = data(r);
  assert.is(h.status, 'ok');
  assert.is(h.hosts.total, 1);
  assert.ok(h.ingest.accepted >= 30);
});

test('GET /api/hosts lists hosts with state and latest values', async () => {
  const hosts = data(await get<HostSummary[]>('/api/hosts'));
  assert.is(hosts.length, 1);
  const h = hosts[0]!;
  assert.is(h.id, 'mypc');
  assert.is(h.presence, 'online');
  assert.ok(['online', 'warning', 'critical'].includes(h.state));
  assert.is(h.latest?.cpu?.usage, 39);
  assert.is(h.info?.hostname, 'MyPC');
});

test('GET /api/hosts/:id normalises the id and includes services', async () => {
  const h = data(await get<HostDetail>('/api/hosts/MyPC'));
  assert.is(h.id, 'mypc');
  assert.is(h.services?.services[0]?.name, 'ssh');
  assert.is(h.info?.cpu.cores, 4);
});

test('GET /api/hosts/:id/series lists the stored metric/key pairs', async () => {
  const series = data(await get<SeriesRef[]>('/api/hosts/mypc/series'));
  const has = (metric: string, key: string) => series.some((x) => x.metric === metric && x.key === key);
  assert.ok(has('cpu.usage', ''), 'cpu.usage');
  assert.ok(has('disk.usedPercent', '/'), 'disk.usedPercent /');
  assert.ok(has('net.rxRate', 'eth0'), 'net.rxRate eth0');
});

test('GET /api/hosts/:id/history returns the points of one metric', async () => {
  const from = t0;
  const to = t0 + 60_000;
  const h = data(await get<HistoryAnswer>(`/api/hosts/mypc/history?metric=cpu.usage&from=${from}&to=${to}&step=10`));
  assert.is(h.metric, 'cpu.usage');
  assert.is(h.from, from);
  assert.is(h.to, to);
  assert.ok(h.points.length >= 5 && h.points.length <= 7, `6 buckets of 10 s, got ${h.points.length}`);
  for (const p of h.points) {
    assert.ok(p.ts >= from - 10_000 && p.ts < to, 'bucket inside the window');
    assert.ok(p.min <= p.avg && p.avg <= p.max);
  }
  const all = h.points.flatMap((p) => [p.min, p.max]);
  assert.is(Math.min(...all), 10);
  assert.is(Math.max(...all), 39);
});

test('history: range shorthand and a keyed metric', async () => {
  const h = data(await get<HistoryAnswer>('/api/hosts/mypc/history?metric=disk.usedPercent&key=%2F&range=15m'));
  assert.is(h.range, '15m');
  assert.is(h.to - h.from, 15 * 60_000);
  assert.ok(h.points.length > 0);
  assert.ok(h.points.every((p) => p.avg === 40));
});

const badRequests: Array<[string, number, string, RegExp]> = [
  ['/api/hosts/mypc/history', 400, 'VIGIE_ERR_BAD_METRIC', /metric: required/],
  ['/api/hosts/mypc/history?metric=cpu.nope', 400, 'VIGIE_ERR_BAD_METRIC', /metric: "cpu.nope" is not a metric; expected one of cpu.usage/],
  ['/api/hosts/mypc/history?metric=cpu.usage&from=abc', 400, 'VIGIE_ERR_BAD_RANGE', /from: expected milliseconds since the Unix epoch/],
  ['/api/hosts/mypc/history?metric=cpu.usage&from=2000&to=1000', 400, 'VIGIE_ERR_BAD_RANGE', /from: must be before to/],
  ['/api/hosts/mypc/history?metric=cpu.usage&range=2h', 400, 'VIGIE_ERR_BAD_RANGE', /range: expected one of 15m, 1h, 24h, 7d, 30d/],
  ['/api/hosts/mypc/history?metric=cpu.usage&range=1h&step=1', 400, 'VIGIE_ERR_BAD_RANGE', /step: 1 s over this window gives 3600 points, more than 1000/],
  ['/api/hosts/mypc/history?metric=cpu.usage&step=0', 400, 'VIGIE_ERR_BAD_RANGE', /step: expected whole seconds/],
  ['/api/hosts/mypc/history?metric=disk.usedPercent', 400, 'VIGIE_ERR_BAD_REQUEST', /key: required for disk.usedPercent/],
  ['/api/hosts/mypc/history?metric=cpu.usage&metric=mem.used', 400, 'VIGIE_ERR_BAD_REQUEST', /metric: expected a single value/],
  ['/api/hosts/%2B%23/history?metric=cpu.usage', 400, 'VIGIE_ERR_BAD_HOST_ID', /id: host id/],
];

test('bad parameters get a 400 envelope naming the parameter', async () => {
  for (const [path, status, code, message] of badRequests) {
    const r = await get(path);
    assert.is(r.status, status, path);
    const e = error(r);
    assert.is(e.code, code, path);
    assert.match(e.message, message, path);
  }
});

test('unknown host and unknown API route get 404 envelopes, never a stack', async () => {
  const host = await get('/api/hosts/nobody');
  assert.is(host.status, 404);
  assert.is(error(host).code, 'VIGIE_ERR_HOST_NOT_FOUND');
  for (const path of ['/api/nope', '/api/hosts/mypc/nope', '/api/hosts/nobody/history?metric=cpu.usage']) {
    const r = await get(path);
    assert.is(r.status, 404, path);
    assert.ok(!JSON.stringify(r.body).includes('at '), 'no stack trace');
  }
  const malformed = await get('/api/hosts/%E0%A4%A');
  assert.is(malformed.status, 400);
  assert.is(error(malformed).code, 'VIGIE_ERR_BAD_REQUEST');
});

test('the web app is served at /', async () => {
  const res = await fetch(`${s.url}/`);
  const body = await res.text();
  if (res.status === 503) assert.match(body, /npm run build/); // dist/web not built in this run
  else {
    assert.is(res.status, 200);
    assert.match(body, /<script type="module" src="app.js">/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  }
});

test('the status: health names the store and its write rate; /api/metrics gives vigie_* counters to admins only', async () => {
  const h = data(await get<{ ingest: { store: { kind: string; written: number; writeRate: number; bufferFill: number; lastError: unknown } } }>('/api/health'));
  assert.is(h.ingest.store.kind, 'sqlite');
  assert.ok(h.ingest.store.written >= 30 * 5, `points written (${h.ingest.store.written})`);
  assert.ok(h.ingest.store.bufferFill >= 0 && h.ingest.store.bufferFill <= 1);
  assert.is(h.ingest.store.lastError, null);
  const res = await fetch(`${s.url}/api/metrics`, { headers: { cookie: s.admin.cookieHeader() } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const written = Number(/^vigie_points_written_total\{store="sqlite"\} (\d+)$/m.exec(text)?.[1]);
  assert.is(written, h.ingest.store.written, 'the same counter as the health answer');
  for (const name of ['vigie_points_retried_total', 'vigie_points_dropped_total', 'vigie_hosts', 'vigie_alerts_firing', 'vigie_process_resident_memory_bytes']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(text, /^vigie_hosts\{presence="online"\} 1$/m);
  assert.is((await fetch(`${s.url}/api/metrics`)).status, 401, 'not for strangers');
});

test("the broker's refusals, cuts and drops are in /api/metrics and /api/health (issue 10, item 6d)", async () => {
  // One refusal the broker counts: a client id with a wildcard (lab-mode broker: anonymous is on).
  const refused = await mqtt.connectAsync(s.broker.url, { clientId: 'bad+id', reconnectPeriod: 0, connectTimeout: 3000 }).then(
    (c) => (c.end(true), 'connected'),
    (e: Error) => e.message,
  );
  assert.match(refused, /Identifier rejected/);
  const text = await (await fetch(`${s.url}/api/metrics`, { headers: { cookie: s.admin.cookieHeader() } })).text();
  assert.match(text, /^vigie_broker_refused_total\{cause="client_id"\} 1$/m);
  for (const [name, causes] of [
    ['vigie_broker_refused_total', ['auth', 'throttled_login', 'invalid_topic']],
    ['vigie_broker_connections_cut_total', ['oversize', 'slow_consumer']],
    ['vigie_broker_retained_refused_total', ['contract', 'quota']],
  ] as const) {
    for (const cause of causes) assert.match(text, new RegExp(`^${name}\\{cause="${cause}"\\} \\d+$`, 'm'), `${name} ${cause}`);
  }
  assert.match(text, /^vigie_broker_session_queue_dropped_total \d+$/m);
  assert.match(text, /^vigie_broker_clients [1-9]\d*$/m);
  const h = data(await get<{ broker: { clientIdRefused: number } }>('/api/health'));
  assert.is(h.broker.clientIdRefused, 1);
});

test.run();
