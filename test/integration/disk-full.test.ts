/**
 * Issue 10, item 16: the data directory on a full filesystem (a real small
 * tmpfs). The ingest stops acknowledging instead of dropping, says "full" in
 * /api/health, logs one rate-limited error; signed-in reads keep working; when
 * space returns, every sample the broker acknowledged to its publishers is
 * stored, once. Twice: `vigie server` beside a broker, over MQTT; and
 * `vigie up`, whose ingest holds what its store refused itself (issue 16,
 * ingest.inProcess).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Health } from '../../dashboard/server/api/health.js';
import { createTopics } from '../../protocol/topics.js';
import { ApiClient } from '../helpers/api-client.js';
import { IN_CI, freePort, tempDir, waitFor } from '../helpers/env.js';
import { startIngestProcess } from '../helpers/ingest-process.js';
import { addCredentials, addUser, startTestStack, type TestStack } from '../helpers/stack.js';

const topics = createTopics('vigie');
const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const HOSTS = ['full-a', 'full-b'];
const isRoot = process.getuid?.() === 0;
const mountDir = tempDir('vigie-full-');
const dataDir = join(mountDir.path, 'data');
let mounted = false;
let broker: TestStack;

if (!isRoot) {
  if (IN_CI) throw new Error('the disk-full suite mounts a tmpfs and must run as root under CI=true');
  console.log('SKIP: disk-full suite: not root, cannot mount a tmpfs (run as root or in CI)');
}

test.before(async () => {
  if (!isRoot) return;
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mountDir.path]);
  mounted = true;
  mkdirSync(dataDir);
  broker = await startTestStack('broker');
});
test.after(async () => {
  await broker?.close();
  if (mounted) execFileSync('umount', ['-l', mountDir.path]);
  mountDir.remove();
});

/** Fills the filesystem holding `dir` until it refuses a byte; returns the filler's path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial chunks: leave not one block free.
  const small = openSync(path, 'a');
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(small);
  }
  return path;
}

interface Publisher { host: string; acked: Set<number>; stored: () => number; run(stop: () => boolean): Promise<void>; close(): Promise<void> }

async function publisher(host: string, t0: number, mqttUrl: string, credentialsDir: string): Promise<Publisher> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `vigie-agent-${host}`, ...addCredentials(credentialsDir, { kind: 'agent', host }) });
  let stored = 0;
  client.on('message', (_t, payload) => (stored = Math.max(stored, (JSON.parse(payload.toString()) as { seq: number }).seq)));
  await client.subscribeAsync(topics.stored(host), { qos: 1 });
  const acked = new Set<number>();
  let seq = 0;
  return {
    host, acked, stored: () => stored,
    async run(stop) {
      while (!stop()) {
        seq += 1;
        const s = seq;
        const sample = { v: 1, ts: t0 + s * 10, seq: s, cpu: { usage: s % 100, load1: 1, load5: 1, load15: 1 }, mem: { total: 100, used: 50, available: 50, usedPercent: 50 } };
        await client.publishAsync(topics.host(host, 'metrics'), JSON.stringify(sample), { qos: 1 });
        acked.add(s); // the broker's PUBACK: from here the sample must not be lost
        await new Promise((r) => setTimeout(r, 4));
      }
    },
    close: () => client.endAsync(),
  };
}

/** The server under test: its dashboard URL, its vigie.db's directory, how to stop it and what it printed. */
interface Server { url: string; dataDir: string; mqttUrl: string; credentialsDir: string; stop(): Promise<void>; output(): string }

/**
 * Agents publish, the disk fills, reads go on, space returns: every sample the
 * broker acknowledged is stored once. The store's buffer is small (10 × 20
 * points) so the full disk reaches the "refuse" stage within the test.
 */
async function fullDisk(server: Server, users: { admin: { name: string; password: string }; viewer: { name: string; password: string } }, hosts: string[]): Promise<void> {
  const { url, dataDir } = server;
  const { admin, viewer } = users;
  const t0 = Date.now() - 30 * 60_000;
  const pubs = await Promise.all(hosts.map((h) => publisher(h, t0, server.mqttUrl, server.credentialsDir)));
  let stop = false;
  const load = Promise.all(pubs.map((p) => p.run(() => stop)));
  let filler: string | undefined;
  try {
    const adminApi = await ApiClient.signIn(url, admin.name, admin.password);
    const viewerApi = await ApiClient.signIn(url, viewer.name, viewer.password);
    await waitFor('samples flow and are acknowledged', () => pubs.every((p) => p.stored() > 10), 15_000);
    // Sessions last used over a minute ago: resolving them writes last_seen, which the full disk refuses.
    const accounts = new BetterSqlite3(join(dataDir, 'accounts.db'));
    accounts.prepare('UPDATE sessions SET last_seen_at = last_seen_at - 120000').run();
    accounts.close();

    filler = fillDisk(mountDir.path);
    const health = async (): Promise<Health> => (await adminApi.get<Health>('/api/health')).data;
    await waitFor('health says storage full', async () => (await health()).ingest?.storage === 'full', 20_000);
    await waitFor('samples left unacknowledged once the buffer is full', async () => (await health()).ingest!.deferred > 0, 20_000);
    const during = await health();
    assert.is(during.ingest!.dropped, 0, 'nothing dropped');
    // What Uptime Kuma or a load balancer watches: not ready while the store cannot write, alive all along.
    const readyz = await fetch(`${url}/readyz`);
    const readyBody = (await readyz.json()) as { checks: { store: { state: string } } };
    assert.is(readyz.status, 503, JSON.stringify(readyBody));
    assert.is(readyBody.checks.store.state, 'full');
    assert.is((await fetch(`${url}/livez`)).status, 200);

    // Reads keep working for signed-in users, whose session touch cannot be written.
    const listed = await viewerApi.get<Array<{ id: string }>>('/api/hosts');
    assert.is(listed.status, 200, JSON.stringify(listed.body));
    const events = await adminApi.get('/api/events?limit=5');
    assert.is(events.status, 200, JSON.stringify(events.body));
    // Signing in may be refused (its session cannot be saved), but clearly, never a 500.
    const login = await ApiClient.anonymous(url).send('POST', '/api/session', { name: viewer.name, password: viewer.password });
    assert.ok(login.status === 200 || (login.status === 503 && !login.body.ok && /storage full/i.test(login.body.error.message)), `${login.status} ${JSON.stringify(login.body)}`);

    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;
    rmSync(filler);
    filler = undefined;
    for (const p of pubs) {
      const last = Math.max(...p.acked);
      await waitFor(`stored of ${p.host} to reach ${last} (at ${p.stored()})`, () => p.stored() >= last, 40_000);
    }
    const after = await health();
    assert.is(after.ingest!.storage, 'ok');
    assert.is((await fetch(`${url}/readyz`)).status, 200, 'ready again once space returns');
  } finally {
    stop = true;
    if (filler) rmSync(filler, { force: true });
    await load.catch(() => undefined);
    await server.stop();
    await Promise.all(pubs.map((p) => p.close()));
  }
  const db = new BetterSqlite3(join(dataDir, 'vigie.db'), { readonly: true });
  try {
    for (const p of pubs) {
      const rows = db
        .prepare("SELECT p.ts AS ts FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND s.metric = 'cpu.usage'")
        .all(p.host) as Array<{ ts: number }>;
      const seqs = new Set(rows.map((r) => (r.ts - t0) / 10));
      const lost = [...p.acked].filter((s) => !seqs.has(s));
      assert.equal(lost.slice(0, 20), [], `${p.host}: ${lost.length} of ${p.acked.size} acknowledged samples lost`);
      assert.is(seqs.size, rows.length, 'none stored twice');
    }
  } finally {
    db.close();
  }
  const failures = server.output().split('\n').filter((l) => l.includes('write batch failed')).length;
  assert.ok(failures >= 1 && failures <= 2, `the write failure is logged once a minute, not per batch (${failures} lines)`);
}

const SMALL_STORE = { 'ingest.flushSize': '20', 'ingest.flushInterval': '0.2' };

test('a full disk: no acknowledged sample lost, reads keep answering, one error line, "full" shown, recovery when space returns', async () => {
  if (!isRoot) return;
  const port = await freePort();
  const users = { admin: await addUser(dataDir, 'full-admin', 'admin'), viewer: await addUser(dataDir, 'full-viewer', 'viewer') };
  const ingest = await startIngestProcess({ brokerUrl: broker.mqttUrl, brokerDataDir: broker.dataDir, dataDir, set: { 'http.port': String(port), ...SMALL_STORE } });
  await fullDisk({
    url: `http://127.0.0.1:${port}`, dataDir, mqttUrl: broker.mqttUrl, credentialsDir: broker.dataDir, output: ingest.output,
    stop: async () => {
      ingest.child.kill('SIGTERM');
      await ingest.exited;
    },
  }, users, HOSTS);
});

test('the same in `vigie up`, whose ingest takes messages from the broker in its process (ingest.inProcess)', async () => {
  if (!isRoot) return;
  const upDir = join(mountDir.path, 'up');
  mkdirSync(upDir);
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const users = { admin: await addUser(upDir, 'up-admin', 'admin'), viewer: await addUser(upDir, 'up-viewer', 'viewer') };
  const set = { dataDir: upDir, 'http.host': '127.0.0.1', 'http.port': String(httpPort), 'broker.host': '127.0.0.1', 'broker.port': String(mqttPort), 'log.level': 'warn', ...SMALL_STORE };
  const child = spawn(process.execPath, [MAIN, 'up', ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIE_CONFIG: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor(`vigie up to answer (${out.slice(-500)})`, async () => (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)), 30_000, 200);
    await fullDisk({
      url, dataDir: upDir, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, credentialsDir: upDir, output: () => out,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    }, users, HOSTS.map((h) => `${h}-up`));
  } finally {
    child.kill('SIGKILL');
  }
});

test.run();
