import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Value } from '@sinclair/typebox/value';
import { InfluxConfig } from '../../../../ingest/config.js';
import { startInfluxMetricStore, type InfluxMetricStore } from '../../../../ingest/store/influx/influx-metric-store.js';
import { parseRetryAfter } from '../../../../ingest/store/influx/send.js';
import { waitFor } from '../../../helpers/env.js';

/**
 * The v2 code path, at the HTTP level: no InfluxDB 2 server can be installed
 * here (Debian ships 1.6), so a local node:http server plays it and checks
 * each request is exactly what InfluxDB 2 expects (API reference: POST
 * /api/v2/write, GET|POST /query v1 compatibility, POST /api/v2/delete).
 */
interface Seen { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; body: Buffer; at: number }
type Reply = (req: Seen, res: ServerResponse) => void;

let server: Server;
let url = '';
const seen: Seen[] = [];
let reply: Reply = (_req, res) => res.writeHead(204).end();

test.before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const s: Seen = { method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));
test.before.each(() => {
  seen.length = 0;
  reply = (_req, res) => res.writeHead(204).end();
});

const retention = { raw: 48 * 3600, minute: 30 * 86_400, hour: 400 * 86_400 };
function store(o: Partial<InfluxConfig> = {}): InfluxMetricStore {
  const influx = Value.Default(InfluxConfig, {
    api: 'v2', url: `${url}/`, token: 's3cr=t token', org: 'my org', bucket: 'vigie/autogen', flushInterval: 0.05, retryDelay: 0.02, maxRetryDelay: 0.05, ...o,
  }) as InfluxConfig;
  return startInfluxMetricStore({ influx, retention });
}
const writes = () => seen.filter((s) => s.path === '/api/v2/write');
const lines = (s: Seen) => gunzipSync(s.body).toString('utf8').split('\n');

test('a write is POST /api/v2/write?org&bucket&precision=ms with the token, gzip and line protocol', async () => {
  const s = store();
  const ts = 1_735_787_045_678;
  s.write('alpha', ts, [
    { metric: 'cpu.usage', key: '', value: 12.5 }, { metric: 'cpu.load1', key: '', value: 1 },
    { metric: 'disk.used', key: '/mnt/a b', value: 4e10 }, { metric: 'temperature.cpu', key: '', value: 51 },
  ]);
  s.writeEvent({ host: 'alpha', ts, kind: 'service', name: 'nginx', state: 'failed' });
  await s.flush();
  const [w] = writes();
  assert.ok(w);
  assert.is(w.method, 'POST');
  assert.equal(Object.fromEntries(w.query), { org: 'my org', bucket: 'vigie/autogen', precision: 'ms' });
  assert.is(w.headers.authorization, 'Token s3cr=t token');
  assert.is(w.headers['content-encoding'], 'gzip');
  assert.match(String(w.headers['content-type']), /^text\/plain/);
  assert.equal(lines(w), [ // the client library's Point sorts fields and tags by name
    `cpu,host=alpha load1=1,usage=12.5 ${ts}`,
    `disk,host=alpha,mount=/mnt/a\\ b used=40000000000 ${ts}`,
    `temp,host=alpha cpu=51 ${ts}`,
    `events,host=alpha,kind=service,service=nginx name="nginx",state="failed" ${ts}`,
  ]);
  assert.is(s.details().written, 4);
  await s.close();
});

test('5xx and 429 are retried with the same batch first (order kept); Retry-After is honoured', async () => {
  const s = store({ batchSize: 2 });
  let n = 0;
  reply = (_req, res) => {
    n += 1;
    if (n === 1) res.writeHead(503).end('{"code":"unavailable"}');
    else if (n === 2) res.writeHead(429, { 'retry-after': '1' }).end();
    else res.writeHead(204).end();
  };
  for (let i = 0; i < 5; i++) s.write('h', 1000 + i, [{ metric: 'uptime', key: '', value: i }]);
  await waitFor('all written', () => s.details().written === 5, 10_000);
  const w = writes();
  assert.equal(w.map((x) => lines(x).map((l) => l.split(' ')[1])), [
    ['uptime=0', 'uptime=1'], ['uptime=0', 'uptime=1'], ['uptime=0', 'uptime=1'], ['uptime=2', 'uptime=3'], ['uptime=4'],
  ]);
  assert.ok((w[2] as Seen).at - (w[1] as Seen).at >= 950, `waited ${(w[2] as Seen).at - (w[1] as Seen).at} ms after Retry-After: 1 (max backoff 50 ms)`);
  const d = s.details();
  assert.is(d.retried, 4);
  assert.is(d.rejected, 0);
  assert.is(d.lastError?.message, 'InfluxDB answered 429');
  await s.close();
});

test('a 400 drops the batch and counts it; the next batch goes on', async () => {
  const s = store({ batchSize: 1 });
  let n = 0;
  reply = (_req, res) => {
    n += 1;
    if (n === 1) res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"invalid","message":"unable to parse"}');
    else res.writeHead(204).end();
  };
  s.write('h', 1, [{ metric: 'uptime', key: '', value: 1 }]);
  s.write('h', 2, [{ metric: 'uptime', key: '', value: 2 }]);
  await s.flush();
  assert.is(writes().length, 2);
  assert.equal(s.stats(), { written: 1, pending: 0, refused: 0, dropped: 1 });
  assert.is(s.details().rejected, 1);
  assert.match(s.details().lastError?.message ?? '', /400: .*unable to parse/);
  await s.close();
});

test('history reads the 1.x-compatible /query with the token and db = bucket, and maps the answer', async () => {
  const s = store();
  const t0 = Date.now() - 600_000;
  const b0 = t0 - (t0 % 10_000);
  reply = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      results: [{ statement_id: 0, series: [{ name: 'net', columns: ['time', 'mean', 'min', 'max'], values: [[b0, 2, 1, 3], [b0 + 20_000, 5, 5, 5]] }] }],
    }));
  };
  const h = await s.history({ host: "o'brien", metric: 'net.rxRate', key: 'eth0', from: t0, to: t0 + 60_000, step: 10_000 });
  assert.equal(h, { tier: 'raw', step: 10_000, points: [{ ts: b0, avg: 2, min: 1, max: 3 }, { ts: b0 + 20_000, avg: 5, min: 5, max: 5 }] });
  const [q] = seen;
  assert.ok(q);
  assert.is(q.path, '/query');
  assert.is(q.headers.authorization, 'Token s3cr=t token');
  assert.equal(Object.fromEntries(q.query), { db: 'vigie/autogen', epoch: 'ms' });
  assert.is(new URLSearchParams(q.body.toString()).get('q'),
    `SELECT mean("rxRate"), min("rxRate"), max("rxRate") FROM "net" WHERE "host" = 'o\\'brien' AND "iface" = 'eth0'`
    + ` AND time >= ${b0}ms AND time < ${t0 + 60_000}ms GROUP BY time(10000ms) fill(none)`);
  await s.close();
});

test('an error answer from /query becomes VIGIE_ERR_UNAVAILABLE naming the server', async () => {
  const s = store();
  reply = (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthorized","message":"unauthorized access"}');
  const error = (await s.history({ host: 'h', metric: 'uptime', key: '', from: 0, to: 1000, step: 100 }).catch((e: unknown) => e)) as { code: string; message: string };
  assert.is(error.code, 'VIGIE_ERR_UNAVAILABLE');
  assert.match(error.message, /v2, org my org, bucket vigie\/autogen.*401/);
  assert.not.match(error.message, /s3cr/);
  await s.close();
});

test('deleteHost counts with /query, then deletes through POST /api/v2/delete with a host predicate', async () => {
  const s = store();
  reply = (req, res) => {
    if (req.path === '/query') {
      res.writeHead(200).end(JSON.stringify({ results: [{ statement_id: 0, series: [
        { name: 'cpu', columns: ['time', 'count_usage', 'count_load1'], values: [[0, 10, 10]] },
        { name: 'disk', columns: ['time', 'count_used'], values: [[0, 4]] },
      ] }] }));
    } else res.writeHead(204).end();
  };
  assert.is(await s.deleteHost('web "1"'), 24);
  const del = seen.find((x) => x.path === '/api/v2/delete');
  assert.ok(del);
  assert.equal(Object.fromEntries(del.query), { org: 'my org', bucket: 'vigie/autogen' });
  assert.is(del.headers.authorization, 'Token s3cr=t token');
  assert.equal(JSON.parse(del.body.toString()), { start: '1970-01-01T00:00:00Z', stop: '2262-04-11T00:00:00Z', predicate: 'host="web \\"1\\""' });
  await s.close();
});

test('Retry-After is read as seconds or an HTTP date, and bounded', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  assert.is(parseRetryAfter('7', now), 7000);
  assert.is(parseRetryAfter('Wed, 01 Jan 2025 12:00:30 GMT', now), 30_000);
  assert.is(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now), 0, 'a date in the past: retry now');
  assert.is(parseRetryAfter('999999', now), 600_000, 'at most 10 minutes');
  assert.is(parseRetryAfter('soon', now), undefined);
  assert.is(parseRetryAfter(null, now), undefined);
});

test('api v2 without token, org or bucket is refused at start, naming the key', () => {
  assert.throws(() => store({ token: undefined }), /ingest\.influx\.token: required/);
  assert.throws(() => store({ bucket: undefined }), /ingest\.influx\.bucket: required/);
});

test.run();
