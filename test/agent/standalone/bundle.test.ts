/**
 * The built bundle (dist/agent/vigie-agent.mjs, `npm run build`), copied
 * ALONE into a scratch directory with no node_modules above it, as the
 * install line leaves it: it prints its version, enrolls against a real HTTP
 * server, runs against a real Aedes broker that checks the enrolled
 * credentials, publishes valid status/info/metrics, and stops cleanly on
 * SIGTERM. Also: the build refuses server packages and native addons.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { buildAgentBundle, forbiddenInputs, wideCharacter } from '../../../agent/standalone/build.js';
import type { Authenticator } from '../../../broker/auth.js';
import type { BrokerHandle } from '../../../broker/index.js';
import { VIGIE_VERSION } from '../../../core/version.js';
import { decodePayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../../helpers/mqtt.js';
import { startEnrollServer, VALID_TOKEN } from './enroll-server.js';
import { startTcpTarget } from '../../helpers/check-targets.js';

const BUNDLE = fileURLToPath(new URL('../../../agent/vigie-agent.mjs', import.meta.url));
const MANIFEST = fileURLToPath(new URL('../../../agent/vigie-agent.json', import.meta.url));
const AGENT = { username: 'agent-bundle-host', password: 'a-long-random-password' };
const READER = { username: 'watcher', password: 'watcher-password' };
const INGEST = { username: 'ingest', password: 'ingest-password' };

/** A broker that admits only the enrolled agent (as its host) and a reader. */
function authenticator(): Authenticator {
  return {
    authenticate: (u, p) => (u === AGENT.username && p === AGENT.password ? { kind: 'agent', host: 'bundle-host' } : u === READER.username && p === READER.password ? { kind: 'service', role: 'reader' }
      : u === INGEST.username && p === INGEST.password ? { kind: 'service', role: 'ingest' } : null),
    stamp: (u) => (u === AGENT.username || u === READER.username || u === INGEST.username ? 'v1' : null),
    onChange: () => () => {},
  };
}

/** Node with nothing but PATH: no NODE_PATH, no NODE_OPTIONS to find modules elsewhere. */
const bareEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra });

function scratchAlone(): { dir: string; bundle: string; remove: () => void } {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`);
  const scratch = tempDir('vigie-agent-alone-');
  for (let d = scratch.path; ; d = dirname(d)) {
    assert.not.ok(existsSync(join(d, 'node_modules')), `${d}/node_modules exists: the bundle would not be tested alone`);
    if (dirname(d) === d) break;
  }
  const bundle = join(scratch.path, 'vigie-agent.mjs');
  copyFileSync(BUNDLE, bundle);
  return { dir: scratch.path, bundle, remove: scratch.remove };
}

/** Runs the bundle to its end without blocking this process (which serves the HTTP side). */
function runBundle(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

test('the manifest gives the bundle\'s version, sha256 and size', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const bytes = readFileSync(BUNDLE);
  assert.equal(manifest, { version: VIGIE_VERSION, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
  assert.ok(bytes.subarray(0, 20).toString().startsWith('#!/usr/bin/env node\n'));
});

test('alone in a scratch directory: --version prints the embedded version', () => {
  const s = scratchAlone();
  try {
    const r = spawnSync(process.execPath, [s.bundle, '--version'], { cwd: s.dir, env: bareEnv(), encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `${VIGIE_VERSION}\n`);
    assert.equal(readdirSync(s.dir), ['vigie-agent.mjs']);
  } finally {
    s.remove();
  }
});

test('alone: enroll, then run against a real broker with the enrolled credentials; SIGTERM stops it cleanly', async () => {
  const s = scratchAlone();
  let broker: BrokerHandle | undefined;
  let watcher: MqttClient | undefined;
  let agent: ChildProcess | undefined;
  let tcp: Awaited<ReturnType<typeof startTcpTarget>> | undefined;
  const server = await (async () => {
    broker = await startTestBroker({ allowAnonymous: false }, { authenticator: authenticator() });
    return startEnrollServer({ host: 'bundle-host', broker: broker.url, ...AGENT, ca: null });
  })();
  try {
    const configFile = join(s.dir, 'etc', 'agent.json');
    const enrolled = await runBundle([s.bundle, 'enroll', '--url', server.url, '--config', configFile], { cwd: s.dir, env: bareEnv({ VIGIE_ENROLL_TOKEN: VALID_TOKEN }) });
    assert.is(enrolled.status, 0, enrolled.stderr);
    assert.is(enrolled.stdout, `enrolled as bundle-host; broker ${broker!.url}\n`);
    // Faster than the 5 s default so the test is short; no ingest behind this broker to wait for.
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    writeFileSync(configFile, JSON.stringify({ ...config, log: { level: 'warn' }, agent: { ...config.agent, interval: 0.5, serverWait: 0 } }));

    watcher = await connectClient(broker!.url, READER);
    const status = nextMessage(watcher, 'vigie/bundle-host/status', { timeoutMs: 20_000, match: (m) => decodePayload('status', m.payload).ok && JSON.parse(String(m.payload)).state === 'online' });
    const info = nextMessage(watcher, 'vigie/bundle-host/info', { timeoutMs: 20_000 });
    const metrics = nextMessage(watcher, 'vigie/bundle-host/metrics', { timeoutMs: 20_000 });
    // A network check (issue 12), configured retained by the "server" before the agent starts; first run within 10 s.
    const check = nextMessage(watcher, 'vigie/bundle-host/checks/port', { timeoutMs: 30_000 });
    await Promise.all([status.subscribed, info.subscribed, metrics.subscribed, check.subscribed]);
    tcp = await startTcpTarget();
    const ingest = await connectClient(broker!.url, INGEST);
    await ingest.publishAsync('vigie/bundle-host/config', JSON.stringify({
      v: 1, ts: Date.now(), checks: [{ id: 'port', kind: 'tcp', target: '127.0.0.1', port: tcp.port, interval: 600, timeout: 5, trace: false }],
    }), { qos: 1, retain: true });
    await ingest.endAsync();

    let stderr = '';
    agent = spawn(process.execPath, [s.bundle, 'run', '--config', configFile], { cwd: s.dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stderr!.on('data', (d: Buffer) => { stderr += d; });
    const [st, inf, met] = await Promise.all([status, info, metrics]);
    const decoded = { status: decodePayload('status', st.payload), info: decodePayload('info', inf.payload), metrics: decodePayload('metrics', met.payload) };
    for (const [kind, d] of Object.entries(decoded)) assert.ok(d.ok, `${kind}: ${d.ok ? '' : d.error}`);
    if (decoded.status.ok) assert.is(decoded.status.value.agent, VIGIE_VERSION, 'the embedded version, not 0.0.0');
    if (decoded.info.ok) assert.is(decoded.info.value.agent, VIGIE_VERSION);
    const result = decodePayload('checkResult', (await check).payload);
    assert.ok(result.ok && result.value.state === 'up', result.ok ? result.value.message : result.error);

    const stopped = nextMessage(watcher, 'vigie/bundle-host/status', { timeoutMs: 10_000, match: (m) => JSON.parse(String(m.payload)).state === 'offline' });
    await stopped.subscribed;
    agent.kill('SIGTERM');
    assert.is(await exitOf(agent), 0, stderr);
    const off = decodePayload('status', (await stopped).payload);
    assert.ok(off.ok);
    if (off.ok) assert.is(off.value.reason, 'stopped', 'a planned stop, not the Last Will');
    assert.ok(existsSync(join(s.dir, 'etc', 'data', 'agent', 'bundle-host')), 'the buffer lives in the data directory enroll chose');
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await watcher?.endAsync();
    await server.close();
    await broker?.close();
    await tcp?.close();
    s.remove();
  }
});

test('the build: no server package nor native addon in the bundle, and it fails when one gets in', async () => {
  const out = tempDir('vigie-agent-build-');
  try {
    const built = await buildAgentBundle(out.path);
    const packages = built.packages.map(([name]) => name);
    for (const banned of ['better-sqlite3', 'express', 'socket.io', 'aedes', 'i2c-bus', 'nodemailer', '@influxdata/influxdb-client']) {
      assert.not.ok(packages.includes(banned), `${banned} is in the bundle`);
    }
    assert.ok(packages.includes('mqtt'), 'the metafile lists the bundled packages');
    assert.not.ok(packages.includes('readable-stream'), 'mqtt.js streams through node:stream, not a bundled copy');
    assert.is(wideCharacter(readFileSync(built.file, 'utf8')), undefined);
  } finally {
    out.remove();
  }
  assert.equal(forbiddenInputs({ inputs: { 'agent/index.ts': { bytes: 1, imports: [] } } }), []);
  const problems = forbiddenInputs({
    inputs: {
      'node_modules/better-sqlite3/lib/database.js': { bytes: 1, imports: [] },
      'node_modules/@influxdata/influxdb-client/dist/index.js': { bytes: 1, imports: [] },
      'node_modules/i2c-bus/build/Release/i2c.node': { bytes: 1, imports: [] },
      'node_modules/socket.io-client/build/index.js': { bytes: 1, imports: [] },
    },
  });
  assert.is(problems.length, 4, problems.join('\n')); // i2c.node twice: a native addon, of a banned package
  assert.match(problems.join('\n'), 'native addon node_modules/i2c-bus/build/Release/i2c.node');
  assert.match(problems.join('\n'), 'server package better-sqlite3');
  assert.match(problems.join('\n'), 'server package @influxdata/influxdb-client');
  assert.is(wideCharacter('abc°é'), undefined, 'Latin-1 is fine');
  assert.match(wideCharacter('x = /[●]/') ?? '', 'U+25CF');
});

test.run();
