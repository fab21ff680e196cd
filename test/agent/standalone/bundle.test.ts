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
import { createServer as createHttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { build } from 'esbuild';
import { BUNDLE_RESOLUTION, buildAgentBundle, forbiddenInputs, wideCharacter } from '../../../agent/standalone/build.js';
import { PACKED_PACKAGES, packPackages } from '../../../agent/standalone/bundle-plugins.js';
import type { Authenticator } from '../../../broker/auth.js';
import type { BrokerHandle } from '../../../broker/index.js';
import { VIGIE_VERSION } from '../../../core/version.js';
import { decodePayload } from '../../../protocol/payloads.js';
import { tempDir } from '../../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../../helpers/mqtt.js';
import { startEnrollServer, VALID_TOKEN } from './enroll-server.js';
import { makeTestCertificates } from '../../helpers/certs.js';
import { makeTargetCertificate, startHttpTarget, startTcpTarget } from '../../helpers/check-targets.js';

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

/**
 * Node flags that make the bundle write, when it exits, the built-in modules
 * it loaded (`process.moduleLoadList`, one `NativeModule name` a line) to
 * `file`: what a process loads stays in its memory.
 */
function recordModules(dir: string, file: string): string[] {
  const preload = join(dir, 'record-modules.mjs');
  writeFileSync(preload, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(file)}, process.moduleLoadList.join('\\n')));\n`);
  return ['--import', `file://${preload}`];
}
const builtins = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('NativeModule ')).map((l) => l.slice('NativeModule '.length));

/** Built-in modules a plain agent (MQTT over TCP, a TCP check) has no use for, loaded by the features that need them. */
const LAZY_BUILTINS = ['tls', 'http', 'https', 'zlib', 'dns', 'dns/promises', 'vm'];

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
    const modules = join(s.dir, 'modules.txt');
    agent = spawn(process.execPath, [...recordModules(s.dir, modules), s.bundle, 'run', '--config', configFile], { cwd: s.dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
    const loaded = builtins(modules);
    assert.ok(loaded.includes('net') && loaded.includes('child_process'), `the record lists built-in modules: ${loaded.join(' ')}`);
    assert.equal(LAZY_BUILTINS.filter((m) => loaded.includes(m)), [], 'built-in modules a plain agent does not use are not loaded');
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

test('alone, over MQTT/WebSocket with pretty logs and an HTTPS check with a JSON condition: what loads lazily loads when used', async () => {
  const s = scratchAlone();
  const cert = makeTargetCertificate(30);
  const http = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  let broker: BrokerHandle | undefined;
  let agent: ChildProcess | undefined;
  let watcher: MqttClient | undefined;
  const target = await startHttpTarget((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', checks: [{ ok: true }] }));
  }, cert);
  try {
    broker = await startTestBroker({}, { httpServer: http });
    const wsUrl = `ws://127.0.0.1:${(http.address() as { port: number }).port}/mqtt`;
    copyFileSync(cert.ca, join(s.dir, 'checks-ca.pem'));
    const configFile = join(s.dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({
      log: { level: 'info', format: 'pretty' },
      agent: { broker: wsUrl, host: 'ws-host', interval: 0.5, serverWait: 0, checks: { ca: join(s.dir, 'checks-ca.pem') } },
    }));
    watcher = await connectClient(broker.url);
    const check = nextMessage(watcher, 'vigie/ws-host/checks/api', { timeoutMs: 30_000 });
    const metrics = nextMessage(watcher, 'vigie/ws-host/metrics', { timeoutMs: 20_000 });
    await Promise.all([check.subscribed, metrics.subscribed]);
    await watcher.publishAsync('vigie/ws-host/config', JSON.stringify({
      v: 1, ts: Date.now(), checks: [{ id: 'api', kind: 'http', target: `${target.url}/health`, interval: 600, timeout: 5, trace: false, http: { json: { path: '$.checks[0].ok', op: '==', value: true } } }],
    }), { qos: 1, retain: true });

    const modules = join(s.dir, 'modules.txt');
    let stderr = '';
    agent = spawn(process.execPath, [...recordModules(s.dir, modules), s.bundle, 'run', '--config', configFile], { cwd: s.dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stderr!.on('data', (d: Buffer) => { stderr += d; });
    assert.ok(decodePayload('metrics', (await metrics).payload).ok, 'metrics over WebSocket (ws, packed)');
    const result = decodePayload('checkResult', (await check).payload);
    assert.ok(result.ok && result.value.state === 'up', `${result.ok ? result.value.message : result.error}\n${stderr}`);
    if (result.ok) {
      assert.ok(result.value.cert?.chainValid, 'the certificate chains to agent.checks.ca (added to the system CAs)');
      assert.ok(result.value.phases?.tls !== null && result.value.phases?.tls !== undefined, 'the TLS phase is measured');
    }
    agent.kill('SIGTERM');
    assert.is(await exitOf(agent), 0, stderr);
    // pino-pretty (packed): one line per record, "HH:MM:ss INFO: agent: …", no JSON.
    const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('expose_wasm'));
    assert.ok(lines.length > 0, 'the agent logged at info');
    for (const line of lines) assert.not.ok(line.startsWith('{'), `a pretty line, not JSON: ${line}`);
    assert.match(stderr, /^\d\d:\d\d:\d\d INFO: agent/m);
    const loaded = builtins(modules);
    for (const m of ['tls', 'http', 'https', 'zlib']) assert.ok(loaded.includes(m), `${m} loaded once used (${loaded.join(' ')})`);
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await watcher?.endAsync();
    await broker?.close();
    await new Promise((resolve) => http.close(resolve));
    await target.close();
    cert.remove();
    s.remove();
  }
});

test('alone, over mqtts:// with a pinned CA: the TLS transport loads on first use, and nothing of WebSocket\'s; a broker restart and kill -9 (Last Will) through it', async () => {
  const s = scratchAlone();
  const certs = makeTestCertificates();
  let broker: BrokerHandle | undefined;
  let agent: ChildProcess | undefined;
  let watcher: MqttClient | undefined;
  try {
    broker = await startTestBroker({ tls: { host: '127.0.0.1', port: 0, cert: certs.cert, key: certs.key } });
    copyFileSync(certs.ca, join(s.dir, 'box-ca.pem'));
    const configFile = join(s.dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({
      log: { level: 'warn' },
      agent: { broker: `mqtts://127.0.0.1:${broker.tlsPort}`, ca: join(s.dir, 'box-ca.pem'), host: 'tls-host', interval: 0.5, serverWait: 0 },
    }));
    watcher = await connectClient(broker.url);
    const metrics = nextMessage(watcher, 'vigie/tls-host/metrics', { timeoutMs: 20_000 });
    await metrics.subscribed;
    const modules = join(s.dir, 'modules.txt');
    let stderr = '';
    agent = spawn(process.execPath, [...recordModules(s.dir, modules), s.bundle, 'run', '--config', configFile], { cwd: s.dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stderr!.on('data', (d: Buffer) => { stderr += d; });
    assert.ok(decodePayload('metrics', (await metrics).payload).ok, `metrics over TLS\n${stderr}`);
    // The broker restarts on the same TLS port: the agent reconnects through the same lazily loaded transport.
    const tlsPort = broker.tlsPort!;
    await watcher.endAsync();
    await broker.close();
    broker = await startTestBroker({ tls: { host: '127.0.0.1', port: tlsPort, cert: certs.cert, key: certs.key } });
    watcher = await connectClient(broker.url);
    const again = nextMessage(watcher, 'vigie/tls-host/metrics', { timeoutMs: 30_000 });
    await again.subscribed;
    assert.ok(decodePayload('metrics', (await again).payload).ok, `metrics after the broker restarted\n${stderr}`);
    // kill -9: the broker publishes the Last Will the agent left over TLS.
    const will = nextMessage(watcher, 'vigie/tls-host/status', { timeoutMs: 20_000, match: (m) => JSON.parse(String(m.payload)).state === 'offline' });
    await will.subscribed;
    agent.kill('SIGKILL');
    await exitOf(agent);
    const off = decodePayload('status', (await will).payload);
    assert.ok(off.ok && off.value.reason !== 'stopped', `the Last Will, not a planned stop: ${String((await will).payload)}`);
    // A process killed with -9 writes nothing at exit: the modules are read from a clean run below.
    agent = spawn(process.execPath, [...recordModules(s.dir, modules), s.bundle, 'run', '--config', configFile], { cwd: s.dir, env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const third = nextMessage(watcher, 'vigie/tls-host/metrics', { timeoutMs: 20_000 });
    await third.subscribed;
    await third;
    agent.kill('SIGTERM');
    assert.is(await exitOf(agent), 0, stderr);
    const loaded = builtins(modules);
    assert.ok(loaded.includes('tls'), `tls loaded for mqtts:// (${loaded.join(' ')})`);
    assert.equal(['http', 'https', 'zlib'].filter((m) => loaded.includes(m)), [], 'the WebSocket transport (ws, node:http, https, zlib) stays unloaded');
  } finally {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await watcher?.endAsync();
    await broker?.close();
    certs.remove();
    s.remove();
  }
});

test('packed packages unpack on first use and work: systeminformation, net-snmp, socks, ws, pino-pretty, jsonpath-plus', async () => {
  const s = scratchAlone();
  try {
    // A program of its own importing each packed package, built with the bundle's plugin and run alone.
    const packed = packPackages(PACKED_PACKAGES, BUNDLE_RESOLUTION);
    const file = join(s.dir, 'packed.mjs');
    await build({
      ...BUNDLE_RESOLUTION,
      stdin: {
        resolveDir: BUNDLE_RESOLUTION.absWorkingDir,
        loader: 'js',
        contents: `
          import dgram from 'node:dgram';
          import si from 'systeminformation';
          import snmp from 'net-snmp';
          import { SocksClient } from 'socks';
          import WebSocket, { WebSocketServer } from 'ws';
          import { prettyFactory } from 'pino-pretty';
          import { JSONPath } from 'jsonpath-plus';
          const out = {};
          out.memTotal = (await si.mem()).total;
          // A UDP socket that never answers: the request must time out, whatever else listens on this machine.
          const sink = dgram.createSocket('udp4');
          await new Promise((resolve) => sink.bind(0, '127.0.0.1', resolve));
          const session = snmp.createSession('127.0.0.1', 'public', { port: sink.address().port, timeout: 200, retries: 0 });
          out.snmp = await new Promise((resolve) => session.get(['1.3.6.1.2.1.1.1.0'], (error) => resolve(error ? error.name : 'answered')));
          session.close();
          sink.close();
          out.socks = await SocksClient.createConnection({ proxy: { host: '127.0.0.1', port: 1, type: 5 }, command: 'connect', destination: { host: '127.0.0.1', port: 2 }, timeout: 500 }).then(() => 'connected', (e) => e.message);
          const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
          await new Promise((resolve) => wss.once('listening', resolve));
          wss.once('connection', (c) => c.send('hi'));
          const client = new WebSocket('ws://127.0.0.1:' + wss.address().port);
          out.ws = await new Promise((resolve) => client.once('message', (m) => resolve(String(m))));
          client.close();
          wss.close();
          out.pretty = prettyFactory({ colorize: false })(JSON.stringify({ level: 30, time: 0, msg: 'hello' }));
          out.json = JSONPath({ path: '$.a[1]', json: { a: [1, 2] }, eval: 'safe', wrap: false });
          out.zlib = process.moduleLoadList.includes('NativeModule zlib');
          console.log(JSON.stringify(out));
        `,
      },
      outfile: file,
      bundle: true,
      format: 'esm',
      platform: 'node',
      plugins: [packed.plugin],
      banner: { js: 'import { createRequire as __vigieCreateRequire } from "node:module"; const require = __vigieCreateRequire(import.meta.url);' },
      logLevel: 'warning',
    });
    const text = readFileSync(file, 'latin1');
    for (const name of ['systeminformation', 'net-snmp', 'socks', 'ws', 'pino-pretty', 'jsonpath-plus']) {
      assert.ok(text.includes(`("${name}", "`), `${name} is packed`);
    }
    assert.not.ok(text.includes('function SocksClient') || text.includes('class SocksClient'), 'socks\'s code is not in the file in clear');
    const ran = spawnSync(process.execPath, [file], { cwd: s.dir, env: bareEnv(), encoding: 'utf8', timeout: 60_000 });
    assert.is(ran.status, 0, ran.stderr);
    const out = JSON.parse(ran.stdout) as Record<string, unknown>;
    assert.ok(typeof out.memTotal === 'number' && out.memTotal > 0, `systeminformation read /proc/meminfo: ${out.memTotal}`);
    assert.is(out.snmp, 'RequestTimedOutError', 'net-snmp sent a request over UDP and timed out (nothing answers)');
    assert.match(String(out.socks), /ECONNREFUSED/, 'socks tried the proxy and failed');
    assert.is(out.ws, 'hi', 'a ws server and client exchanged a message');
    assert.match(String(out.pretty), /INFO.*hello/);
    assert.is(out.json, 2);
    assert.is(out.zlib, true, 'unpacking loads node:zlib');
  } finally {
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
