/**
 * GET /metrics (issue 15, item 2) on the real `vigie up` wiring with its real
 * local agent and a real HTTPS check: the host series match the ingest's
 * latest sample, Debian's `promtool check metrics` finds nothing to say, a
 * real Prometheus server scrapes it with the config of docs/prometheus.md
 * (bearer token from a credentials_file), and access is refused without a
 * token (401), below the role (403), and allowed from prometheus.allow;
 * a firing alert is a series; an offline host keeps only vigie_host_up 0 and
 * its last-seen and boot times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTargetCertificate, startHttpTarget, type HttpTarget, type TargetCertificate } from '../helpers/check-targets.js';
import type { ApiClient } from '../helpers/api-client.js';
import { freePort, requireProgram, tempDir, waitFor } from '../helpers/env.js';
import { assertPromtoolClean, parseExposition, seriesValue } from '../helpers/prometheus.js';
import { addUser, adminClient, startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient as Client } from '../helpers/api-client.js';

const PROMETHEUS = '/usr/bin/prometheus';
const data = tempDir();
let stack: TestStack;
let admin: ApiClient;
let token: string;
let host: string;
let cert: TargetCertificate;
let secure: HttpTarget;

const parse = parseExposition;
const value = seriesValue;

const scrape = (headers: Record<string, string> = { authorization: `Bearer ${token}` }) => fetch(`${stack.httpUrl}/metrics`, { headers });

test.before(async () => {
  cert = makeTargetCertificate(30);
  secure = await startHttpTarget(undefined, { cert: cert.cert, key: cert.key });
  stack = await startTestStack('up', { dataDir: data.path });
  host = stack.stack.agent!.hostId;
  admin = await adminClient(stack.httpUrl, data.path);
  const created = await admin.send<{ secret: string }>('POST', '/api/tokens', { name: 'prometheus', scope: 'read' });
  assert.is(created.status, 201);
  token = created.data.secret;
  const check = await admin.send('POST', '/api/checks', { id: 'secure', name: 'Secure site', kind: 'http', target: `${secure.url}/`, interval: 3600, timeout: 5, trace: false });
  assert.is(check.status, 201, JSON.stringify(check.data));
});

test.after(async () => {
  await stack?.close();
  await secure?.close();
  cert?.remove();
  data.remove();
});

test('the host series match the latest stored sample', async () => {
  await waitFor('the agent\'s first sample', () => stack.stack.ingest!.getHost(host)?.latest, 20_000);
  // The agent sends every second: scrape until no sample arrived during the scrape, so the body and the stored sample are the same one.
  const { latest, s } = await waitFor('a scrape between two samples', async () => {
    const before = stack.stack.ingest!.getHost(host)!.latest!;
    const res = await scrape();
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const body = parse(await res.text());
    return stack.stack.ingest!.getHost(host)!.latest!.ts === before.ts ? { latest: before, s: body } : null;
  }, 20_000);
  const h = { host };
  assert.is(value(s, 'vigie_host_up', h), 1);
  assert.is(value(s, 'vigie_host_sample_timestamp_seconds', h), latest.ts / 1000);
  assert.is(value(s, 'vigie_host_cpu_usage_ratio', h), latest.cpu!.usage / 100);
  assert.is(value(s, 'vigie_host_load1', h), latest.cpu!.load1!);
  assert.is(value(s, 'vigie_host_load15', h), latest.cpu!.load15!);
  assert.is(value(s, 'vigie_host_memory_used_bytes', h), latest.mem!.used);
  assert.is(value(s, 'vigie_host_memory_size_bytes', h), latest.mem!.total);
  assert.is(value(s, 'vigie_host_uptime_seconds', h), latest.uptime!);
  assert.ok(latest.disks!.length > 0, 'the agent reports disks');
  for (const d of latest.disks!) {
    assert.is(value(s, 'vigie_host_disk_used_bytes', { host, mount: d.mount }), d.used);
    assert.is(value(s, 'vigie_host_disk_size_bytes', { host, mount: d.mount }), d.total);
  }
  for (const n of latest.net ?? []) assert.is(value(s, 'vigie_host_network_receive_bytes_per_second', { host, iface: n.iface }), n.rxRate);
  const info = stack.stack.ingest!.getHost(host)!.info!;
  assert.is(value(s, 'vigie_host_boot_time_seconds', h), info.bootTime / 1000);
  // Runtime and server metrics are there too.
  assert.ok(value(s, 'process_resident_memory_bytes', {}) > 0);
  assert.ok(s.some((x) => x.name.startsWith('nodejs_')), 'nodejs_* runtime metrics');
  assert.is(value(s, 'vigie_ingest_connected', {}), 1);
  assert.ok(value(s, 'vigie_mqtt_messages_total', { outcome: 'accepted' }) >= 1);
  assert.is(value(s, 'vigie_broker_clients', {}) >= 2, true, 'the ingest and the agent');
});

test('an HTTPS check: success, duration and seconds to its certificate\'s expiry', async () => {
  const result = await waitFor('the check\'s first result', () => stack.stack.ingest!.checks!.latest('secure')[0], 30_000);
  const s = parse(await (await scrape()).text());
  const c = { check: 'secure', runner: result.runner };
  assert.is(value(s, 'vigie_check_success', c), result.result.state === 'up' ? 1 : 0);
  if (result.result.latency === null) assert.not.ok(s.some((x) => x.name === 'vigie_check_duration_seconds' && x.labels.check === 'secure'), 'no duration when the run did not get that far');
  else assert.is(value(s, 'vigie_check_duration_seconds', c), result.result.latency);
  const left = value(s, 'vigie_check_certificate_expiry_seconds', c);
  const expected = (cert.notAfter.getTime() - Date.now()) / 1000;
  assert.ok(Math.abs(left - expected) < 60, `${left} s left, about ${expected} expected`);
  assert.ok(left > 29 * 86400 && left <= 30 * 86400, 'about 30 days');
});

test('promtool check metrics finds nothing to say', async () => {
  assertPromtoolClean(await (await scrape()).text());
});

test('401 without a token, 403 for a role below prometheus.role, the same body on /api/metrics', async () => {
  const none = await scrape({});
  assert.is(none.status, 401);
  const body = (await none.json()) as { ok: boolean; error: { code: string; message: string } };
  assert.equal([body.ok, body.error.code], [false, 'VIGIE_ERR_UNAUTHENTICATED']);
  assert.match(body.error.message, /prometheus\.allow/);
  assert.is((await scrape({ authorization: 'Bearer vgt_not-a-token' })).status, 401);
  const viewer = await addUser(data.path, 'watcher', 'viewer');
  const asViewer = await Client.signIn(stack.httpUrl, viewer.name, viewer.password);
  const vt = await asViewer.send<{ secret: string }>('POST', '/api/tokens', { name: 'scraper', scope: 'read' });
  const refused = await scrape({ authorization: `Bearer ${vt.data.secret}` });
  assert.is(refused.status, 403);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /admin role/);
  const legacy = await fetch(`${stack.httpUrl}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.is(legacy.status, 200);
  assert.ok(parse(await legacy.text()).some((x) => x.name === 'vigie_host_up' && x.labels.host === host));
});

test('an address in prometheus.allow scrapes without a token; a bad entry stops the start naming it', async () => {
  const open = await startTestStack('server', { set: { 'prometheus.allow': '10.0.0.0/8,127.0.0.1/32' } });
  try {
    const res = await fetch(`${open.httpUrl}/metrics`);
    assert.is(res.status, 200);
    assert.match(await res.text(), /^vigie_ingest_connected \d/m);
  } finally {
    await open.close();
  }
  const other = await startTestStack('server', { set: { 'prometheus.allow': '10.0.0.0/8' } });
  try {
    assert.is((await fetch(`${other.httpUrl}/metrics`)).status, 401, '127.0.0.1 is not in 10.0.0.0/8');
  } finally {
    await other.close();
  }
  const refused = (allow: string) => startTestStack('server', { set: { 'prometheus.allow': allow } }).then(async (s) => { await s.close(); return null; }, (e: Error) => e);
  // The form, with the other config errors; an address that has the form but is none, when the dashboard starts.
  assert.match((await refused('10.0.0.0/33'))?.message ?? 'started', /prometheus\.allow\.0: .*CIDR block such as 10\.0\.0\.0\/8/);
  assert.match((await refused('127.0.0.1,999.0.0.1/8'))?.message ?? 'started', /prometheus\.allow\[1\]: expected an IP address or a CIDR block .*got "999\.0\.0\.1\/8"/);
});

test('a real Prometheus server scrapes it with the documented config and sees vigie_host_up == 1', async () => {
  if (!requireProgram(`prometheus (${PROMETHEUS}, Debian's prometheus package)`, existsSync(PROMETHEUS))) return;
  const dir = tempDir('vigie-prometheus-');
  const port = await freePort();
  const tokenFile = join(dir.path, 'vigie.token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  // The scrape config of docs/prometheus.md, with a 1 s interval for the test.
  writeFileSync(join(dir.path, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: vigie',
    '    metrics_path: /metrics',
    '    authorization:',
    '      type: Bearer',
    `      credentials_file: ${tokenFile}`,
    '    static_configs:',
    `      - targets: ['${new URL(stack.httpUrl).host}']`,
    '',
  ].join('\n'));
  let prom: ChildProcess | undefined;
  let log = '';
  try {
    prom = spawn(PROMETHEUS, [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout!.on('data', (d: Buffer) => (log += d));
    prom.stderr!.on('data', (d: Buffer) => (log += d));
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
    };
    const up = await waitFor(`Prometheus to store vigie_host_up{host="${host}"} (log: ${log.slice(-300)})`, async () => (await query(`vigie_host_up{host="${host}"}`))[0], 30_000, 250);
    assert.is(up.value[1], '1');
    assert.is(up.metric.job, 'vigie');
    // Its own view of the target: up, no scrape error.
    const target = await query('up{job="vigie"}');
    assert.is(target[0]?.value[1], '1');
  } finally {
    if (prom) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    dir.remove();
  }
});

test('a firing alert is a vigie_alert_firing series with its host, rule and severity', async () => {
  // Memory use is always ≥ 0 % and never 100 %: one warning that fires and stays.
  const set = await admin.send('PUT', '/api/alert-settings', { defaults: {}, hosts: { [host]: { mem: { warning: 0, critical: 100, for: 0 } } } });
  assert.is(set.status, 200, JSON.stringify(set.data));
  const s = await waitFor('the mem alert in a scrape', async () => {
    const series = parse(await (await scrape()).text());
    return series.some((x) => x.name === 'vigie_alert_firing' && x.labels.host === host && x.labels.rule === 'mem') ? series : null;
  }, 20_000, 200);
  assert.is(value(s, 'vigie_alert_firing', { host, rule: 'mem', severity: 'warning' }), 1);
  assert.ok(value(s, 'vigie_alerts_firing', { severity: 'warning' }) >= 1);
});

test('an offline host keeps vigie_host_up 0 and loses its sample series', async () => {
  await stack.stack.agent!.close();
  const s = await waitFor('the host offline in a scrape', async () => {
    const series = parse(await (await scrape()).text());
    return series.some((x) => x.name === 'vigie_host_up' && x.labels.host === host && x.value === 0) ? series : null;
  }, 20_000, 200);
  assert.ok(value(s, 'vigie_host_last_seen_timestamp_seconds', { host }) > 0);
  assert.ok(value(s, 'vigie_host_boot_time_seconds', { host }) > 0);
  for (const name of ['vigie_host_cpu_usage_ratio', 'vigie_host_memory_used_bytes', 'vigie_host_disk_used_bytes']) {
    assert.not.ok(s.some((x) => x.name === name && x.labels.host === host), `no ${name} for an offline host`);
  }
});

test.run();
