/**
 * Issue 15, item 5: history export as CSV and JSON, from the API
 * (GET /api/hosts/:id/export, /history?format=csv) and the CLI (`vigie
 * history export`), against the real stack: the exported samples are the
 * stored ones, and a hostile mount name (commas, quotes, CR LF, non-ASCII)
 * survives CSV quoting — read back by Python's csv module, an independent
 * RFC 4180 reader, when python3 is here.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { csvRecord } from '../../core/csv.js';
import { parseCsv } from '../helpers/csv.js';
import { IN_CI, tempDir, waitFor } from '../helpers/env.js';
import { adminClient, addUser, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from '../helpers/api-client.js';
import { loadPublisher, vigie } from '../backup/helpers.js';

const HOST = 'export-a';
const HOSTILE = '/mnt/a,"b"\r\nc ü; =1+1';
const N = 30;
const t0 = Date.now() - 3_600_000;
const from = t0;
const to = t0 + (N + 1) * 100;
let stack: TestStack;
let admin: ApiClient;
const out = tempDir('vigie-export-');
const havePython = (() => {
  try {
    execFileSync('python3', ['-c', 'import csv'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePython) {
  if (IN_CI) throw new Error('the export suite reads CSV with python3 under CI=true');
  console.log('SKIP: reading the CSV with Python\'s csv module: python3 is not installed (the built-in reader is used)');
}

interface Row { time: string; ts: number; host: string; metric: string; key: string; value: number }

/** The stored samples of HOST, read straight from vigie.db, in the export's order. */
function stored(): Row[] {
  const db = new BetterSqlite3(join(stack.dataDir, 'vigie.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT p.ts, s.metric, s.key, p.value FROM points_raw p JOIN series s ON s.id = p.series_id
      WHERE s.host = ? AND p.ts >= ? AND p.ts < ? ORDER BY s.metric, s.key, p.ts`).all(HOST, from, to) as Omit<Row, 'time' | 'host'>[])
      .map((r) => ({ time: new Date(r.ts).toISOString(), ts: r.ts, host: HOST, metric: r.metric, key: r.key, value: r.value }));
  } finally {
    db.close();
  }
}

/** CSV records as Python's csv module reads them (RFC 4180 dialect: excel). */
function pythonCsv(text: string): string[][] {
  const script = 'import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' })) as string[][];
}
const readCsv = (text: string): string[][] => (havePython ? pythonCsv(text) : parseCsv(text));
const asRecords = (rows: Row[]): string[][] => rows.map((r) => [r.time, String(r.ts), r.host, r.metric, r.key, String(r.value)]);

test.before(async () => {
  stack = await startTestStack('up');
  const pub = await loadPublisher(stack.mqttUrl, stack.dataDir, HOST, t0, HOSTILE);
  await pub.run(() => pub.published() >= N);
  await waitFor('every sample stored', () => pub.stored() >= N, 20_000);
  await pub.close();
  admin = await adminClient(stack.httpUrl, stack.dataDir);
});
test.after(async () => {
  await stack?.close();
  out.remove();
});

test('the stored samples include the hostile mount', () => {
  const rows = stored();
  assert.ok(rows.some((r) => r.key === HOSTILE), 'the mount is stored as sent');
  assert.is(new Set(rows.map((r) => r.ts)).size, N);
});

test('GET /api/hosts/:id/export?format=csv: a CSV file of exactly the stored samples, hostile names quoted', async () => {
  const res = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?from=${from}&to=${to}&format=csv`, { headers: { cookie: admin.cookieHeader() } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
  assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`^attachment; filename="vigie-${HOST}-[0-9TZ-]+-[0-9TZ-]+\\.csv"$`));
  const text = await res.text();
  assert.ok(text.startsWith('time,ts,host,metric,key,value\r\n'), 'header row, CRLF');
  assert.ok(text.includes(`"/mnt/a,""b""\r\nc ü; =1+1"`), 'the hostile mount quoted as RFC 4180 says');
  const records = readCsv(text);
  assert.equal(records[0], ['time', 'ts', 'host', 'metric', 'key', 'value']);
  assert.equal(records.slice(1), asRecords(stored()));
});

test('GET /api/hosts/:id/export (JSON, the default): the stored samples', async () => {
  const res = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?from=${from}&to=${to}`, { headers: { cookie: admin.cookieHeader() } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /\.json"$/);
  const body = (await res.json()) as { host: string; from: number; to: number; samples: Row[] };
  assert.is(body.host, HOST);
  assert.is(body.from, from);
  assert.is(body.to, to);
  assert.equal(body.samples, stored());
  // One metric and key.
  const one = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?from=${from}&to=${to}&metric=disk.usedPercent&key=${encodeURIComponent(HOSTILE)}`, { headers: { cookie: admin.cookieHeader() } });
  const only = ((await one.json()) as { samples: Row[] }).samples;
  assert.is(only.length, N);
  assert.ok(only.every((r) => r.metric === 'disk.usedPercent' && r.key === HOSTILE));
});

test('the export follows the history endpoint\'s access rules and validates its parameters', async () => {
  const anon = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export`);
  assert.is(anon.status, 401);
  const viewer = await addUser(stack.dataDir, 'export-viewer', 'viewer');
  const v = await ApiClient.signIn(stack.httpUrl, viewer.name, viewer.password);
  const hidden = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?format=csv`, { headers: { cookie: v.cookieHeader() } });
  assert.is(hidden.status, 404, 'a viewer without access to the host does not see it');
  for (const [query, message] of [['format=xml', /format: expected csv or json/], ['metric=nope', /metric: "nope" is not a metric/], [`from=${to}&to=${from}`, /from: must be before to/], ['key=/', /key: give metric with key/]] as const) {
    const res = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?${query}`, { headers: { cookie: admin.cookieHeader() } });
    assert.is(res.status, 400, query);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, message);
  }
});

test('GET /api/hosts/:id/history?format=csv: the buckets as CSV', async () => {
  const res = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/history?metric=cpu.usage&from=${from}&to=${to}&step=1&format=csv`, { headers: { cookie: admin.cookieHeader() } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename=".*\.csv"$/);
  const records = readCsv(await res.text());
  assert.equal(records[0], ['time', 'ts', 'metric', 'key', 'avg', 'min', 'max']);
  const json = await admin.get<{ points: { ts: number; avg: number; min: number; max: number }[] }>(`/api/hosts/${HOST}/history?metric=cpu.usage&from=${from}&to=${to}&step=1`);
  assert.equal(records.slice(1), json.data.points.map((p) => [new Date(p.ts).toISOString(), String(p.ts), 'cpu.usage', '', String(p.avg), String(p.min), String(p.max)]));
  assert.ok(records.length >= 4, 'header and the buckets of 3 s of samples');
});

test('vigie history export (CLI, its own process, server running): the same bytes as the API, CSV and JSON', async () => {
  for (const format of ['csv', 'json'] as const) {
    const file = join(out.path, `export.${format}`);
    const r = await vigie(['history', 'export', HOST, '--data-dir', stack.dataDir, '--from', new Date(from).toISOString(), '--to', String(to), '--format', format, '--out', file]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^${stored().length} samples of ${HOST}`));
    assert.is(statSync(file).mode & 0o777, 0o600);
    const api = await fetch(`${stack.httpUrl}/api/hosts/${HOST}/export?from=${from}&to=${to}&format=${format}`, { headers: { cookie: admin.cookieHeader() } });
    assert.is(readFileSync(file, 'utf8'), await api.text(), `${format}: CLI and API agree`);
  }
  const bad = await vigie(['history', 'export', HOST, '--data-dir', stack.dataDir, '--format', 'xml']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--format: expected csv or json/);
  // A date that does not parse is refused, not taken for "now" or "a day ago".
  for (const flag of ['--to', '--from']) {
    const wrong = await vigie(['history', 'export', HOST, '--data-dir', stack.dataDir, flag, 'yesterday-ish']);
    assert.is(wrong.code, 2, flag);
    assert.match(wrong.stderr, new RegExp(`${flag}: expected an ISO date`));
  }
  // An existing world-readable file is made 0600 before the history goes in.
  const loose = join(out.path, 'loose.csv');
  writeFileSync(loose, 'old', { mode: 0o644 });
  chmodSync(loose, 0o644);
  const into = await vigie(['history', 'export', HOST, '--data-dir', stack.dataDir, '--from', String(from), '--to', String(to), '--out', loose]);
  assert.is(into.code, 0, into.stderr);
  assert.is(statSync(loose).mode & 0o777, 0o600);
  assert.match(readFileSync(loose, 'utf8'), /^time,ts,host,metric,key,value\r\n/);
});

test('csvRecord / parseCsv round-trip hostile fields', () => {
  const fields = ['plain', 'a,b', 'say "hi"', 'line\r\nbreak', 'lf\nonly', '', ' spaced ', '"', ',', 'ü😀'];
  const text = csvRecord(fields) + csvRecord(['x', '1']);
  assert.equal(parseCsv(text), [fields, ['x', '1']]);
  if (havePython) assert.equal(pythonCsv(text), [fields, ['x', '1']]);
  assert.is(csvRecord(['a"b']), '"a""b"\r\n');
});

test.run();
