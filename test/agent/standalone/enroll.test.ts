/**
 * `vigie-agent enroll` (agent/standalone/main.ts) against a real HTTP
 * server speaking the box's envelope: credentials land in a 0600 file, a
 * refused token or an unreachable box writes nothing, a token never comes
 * from the command line.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../../agent/standalone/main.js';
import { loadStandaloneConfig } from '../../../agent/standalone/config-file.js';
import { VIGIE_VERSION } from '../../../core/version.js';
import { freePort, tempDir } from '../../helpers/env.js';
import { SPENT_TOKEN, startEnrollServer, VALID_TOKEN } from './enroll-server.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const ANSWER = { host: 'student-pc', broker: 'mqtts://box.example:8883', username: 'agent-student-pc', password: 's3cret-password', ca: CA };

/** Runs the CLI in-process; captures what it prints. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _e, cb) { append(String(chunk)); cb(); } });
  const code = await main(argv, { env, stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }) });
  return { code, out, err };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

test('a valid token: credentials and CA written 0600 in a 0700 directory, the request carries token, version and hostname', async () => {
  const server = await startEnrollServer(ANSWER);
  const dir = tempDir();
  try {
    const file = join(dir.path, 'etc', 'agent.json');
    const r = await run(['enroll', '--url', `${server.url}/`, '--config', file], { VIGIE_ENROLL_TOKEN: ` ${VALID_TOKEN}\n` });
    assert.is(r.code, 0, r.err);
    assert.is(r.out, 'enrolled as student-pc; broker mqtts://box.example:8883\n');
    assert.equal(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.is(req.method, 'POST');
    assert.is(req.url, '/api/enroll');
    assert.match(req.contentType, /^application\/json/);
    assert.equal(req.body, { token: VALID_TOKEN, agentVersion: VIGIE_VERSION, hostname: hostname() });

    assert.is(mode(join(dir.path, 'etc')), 0o700);
    assert.is(mode(file), 0o600);
    const caFile = join(dir.path, 'etc', 'ca.pem');
    assert.is(mode(caFile), 0o600);
    assert.is(readFileSync(caFile, 'utf8'), CA);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(written, {
      dataDir: join(dir.path, 'etc', 'data'),
      agent: {
        broker: ANSWER.broker, host: 'student-pc', username: ANSWER.username, password: ANSWER.password, ca: caFile,
        checks: { allow: ['0.0.0.0/0', '::/0'], deny: ['169.254.0.0/16', 'fe80::/10'] },
      },
    });
    assert.equal(readdirSync(join(dir.path, 'etc')).sort(), ['agent.json', 'ca.pem'], 'no temporary file left behind');

    // The file is one `vigie agent -c FILE` accepts, so the standalone runner loads it too.
    const loaded = loadStandaloneConfig(file, {});
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
    if (loaded.ok) {
      assert.is(loaded.value.agent.username, ANSWER.username);
      assert.is(loaded.value.agent.interval, 5, 'defaults come from the AgentConfig schema');
      assert.is(loaded.value.dataDir, join(dir.path, 'etc', 'data'));
    }
  } finally {
    await server.close();
    dir.remove();
  }
});

test('the standalone loader: the server\'s blocks are skipped unread, the agent\'s and common keys checked, log.format returned', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'vigie.json');
    // A server's whole file, with server keys the agent cannot judge (a wrong port type, an unknown notify key).
    writeFileSync(file, JSON.stringify({ log: { format: 'pretty' }, http: { port: 'eighty' }, notify: { nosuch: 1 }, ingest: { storedInterval: -4 }, agent: { broker: 'mqtt://box:1883', host: 'pc-1' } }));
    const loaded = loadStandaloneConfig(file, { VIGIE_HTTP_PORT: 'also-not-a-port' }, dir.path);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
    if (loaded.ok) {
      assert.is(loaded.value.logFormat, 'pretty');
      assert.is(loaded.value.logLevel, 'info');
      assert.is(loaded.value.agent.host, 'pc-1');
    }
    writeFileSync(file, JSON.stringify({ brokr: {}, log: { format: 'fancy' }, agent: { broker: 'mqtt://box:1883', interval: 'often' } }));
    const bad = loadStandaloneConfig(file, { VIGIE_AGENT_RESEND_DELAY: 'soon' }, dir.path);
    assert.not.ok(bad.ok);
    if (!bad.ok) {
      assert.match(bad.error, /^brokr: unknown key \(expected one of dataDir, mqtt, log, agent\)/m);
      assert.match(bad.error, /^log\.format: /m);
      assert.match(bad.error, /^agent\.interval: /m);
      assert.match(bad.error, /^agent\.resendDelay: /m, 'environment overrides of the agent\'s keys are read and checked');
    }
  } finally {
    dir.remove();
  }
});

test('an existing file keeps its other keys; --data-dir and a null CA are honoured; the token may come from --token-file', async () => {
  const server = await startEnrollServer({ ...ANSWER, ca: null, broker: 'mqtt://192.168.1.10:1883' });
  const dir = tempDir();
  try {
    const file = join(dir.path, 'agent.json');
    writeFileSync(file, JSON.stringify({ log: { level: 'debug' }, agent: { interval: 10, host: 'old-name', username: 'old', password: 'old', ca: '/old/ca.pem' } }));
    const tokenFile = join(dir.path, 'token');
    writeFileSync(tokenFile, `${VALID_TOKEN}\n`);
    const r = await run(['enroll', '--url', server.url, '--config', file, '--data-dir', join(dir.path, 'state'), '--token-file', tokenFile]);
    assert.is(r.code, 0, r.err);
    assert.is(mode(file), 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')), {
      log: { level: 'debug' },
      dataDir: join(dir.path, 'state'),
      agent: {
        interval: 10, broker: 'mqtt://192.168.1.10:1883', host: 'student-pc', username: ANSWER.username, password: ANSWER.password,
        checks: { allow: ['0.0.0.0/0', '::/0'], deny: ['169.254.0.0/16', 'fe80::/10'] },
      },
    });
    assert.not.ok(existsSync(join(dir.path, 'ca.pem')));
  } finally {
    await server.close();
    dir.remove();
  }
});

test('a spent (410) or unknown (401) token: the server\'s message, exit 1, nothing written', async () => {
  const server = await startEnrollServer(ANSWER);
  const dir = tempDir();
  try {
    const file = join(dir.path, 'cfg', 'agent.json');
    const spent = await run(['enroll', '--url', server.url, '--config', file], { VIGIE_ENROLL_TOKEN: SPENT_TOKEN });
    assert.is(spent.code, 1);
    assert.match(spent.err, 'this enrollment token was already used; create a new one in the dashboard');
    assert.match(spent.err, 'VIGIE_ERR_ENROLL_TOKEN_USED');
    const unknown = await run(['enroll', '--url', server.url, '--config', file], { VIGIE_ENROLL_TOKEN: 'vgt_nope' });
    assert.is(unknown.code, 1);
    assert.match(unknown.err, 'unknown or expired enrollment token');
    assert.not.ok(existsSync(join(dir.path, 'cfg')), 'no directory, no file');

    // An existing file is left exactly as it was.
    mkdirSync(join(dir.path, 'cfg'));
    writeFileSync(file, '{"agent":{"username":"kept"}}');
    await run(['enroll', '--url', server.url, '--config', file], { VIGIE_ENROLL_TOKEN: SPENT_TOKEN });
    assert.is(readFileSync(file, 'utf8'), '{"agent":{"username":"kept"}}');
    assert.equal(readdirSync(join(dir.path, 'cfg')), ['agent.json']);
  } finally {
    await server.close();
    dir.remove();
  }
});

test('an unreachable box or one that is not Vigie: an error naming the URL, exit 1, nothing written', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'agent.json');
    const port = await freePort();
    const r = await run(['enroll', '--url', `http://127.0.0.1:${port}`, '--config', file], { VIGIE_ENROLL_TOKEN: VALID_TOKEN });
    assert.is(r.code, 1);
    assert.match(r.err, `cannot reach http://127.0.0.1:${port}/api/enroll: ECONNREFUSED`);
    assert.not.ok(existsSync(file));

    const server = await startEnrollServer({ ...ANSWER, broker: 'http://not-a-broker' });
    try {
      const bad = await run(['enroll', '--url', server.url, '--config', file], { VIGIE_ENROLL_TOKEN: VALID_TOKEN });
      assert.is(bad.code, 1);
      assert.match(bad.err, 'data.broker: expected an mqtt://, mqtts://, ws:// or wss:// URL');
      const notVigie = await run(['enroll', '--url', `${server.url}/elsewhere`, '--config', file], { VIGIE_ENROLL_TOKEN: VALID_TOKEN });
      assert.is(notVigie.code, 1);
      assert.match(notVigie.err, `${server.url}/elsewhere/api/enroll answered HTTP 404`);
    } finally {
      await server.close();
    }
    assert.not.ok(existsSync(file));
    const notJson = join(dir.path, 'broken.json');
    writeFileSync(notJson, '{ broken');
    const broken = await run(['enroll', '--url', 'http://127.0.0.1:9', '--config', notJson], { VIGIE_ENROLL_TOKEN: VALID_TOKEN });
    assert.is(broken.code, 1);
    assert.match(broken.err, 'exists but is not a JSON object', 'checked before the token is spent');
  } finally {
    dir.remove();
  }
});

test('usage errors exit 2: no token, a token on the command line, a bad --url, a missing --config', async () => {
  const noToken = await run(['enroll', '--url', 'http://127.0.0.1:9', '--config', '/tmp/x.json']);
  assert.is(noToken.code, 2);
  assert.match(noToken.err, 'set VIGIE_ENROLL_TOKEN');
  const argvToken = await run(['enroll', '--url', 'http://127.0.0.1:9', '--config', '/tmp/x.json', '--token', VALID_TOKEN]);
  assert.is(argvToken.code, 2);
  assert.match(argvToken.err, 'never from the command line');
  const badUrl = await run(['enroll', '--url', 'box.local', '--config', '/tmp/x.json'], { VIGIE_ENROLL_TOKEN: VALID_TOKEN });
  assert.is(badUrl.code, 2);
  assert.match(badUrl.err, '--url: expected the box\'s http:// or https:// address');
  const noConfig = await run(['enroll', '--url', 'http://127.0.0.1:9']);
  assert.is(noConfig.code, 2);
  assert.match(noConfig.err, '--config FILE is required');
  const noRunConfig = await run(['run']);
  assert.is(noRunConfig.code, 2);
  const version = await run(['--version']);
  assert.is(version.out, `${VIGIE_VERSION}\n`);
});

test('run: an invalid configuration names the key and exits 2', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'agent.json');
    writeFileSync(file, JSON.stringify({ agent: { interval: 'often', brokr: 'x' } }));
    const r = await run(['run', '--config', file]);
    assert.is(r.code, 2);
    assert.match(r.err, 'agent.interval:');
    assert.match(r.err, 'agent.brokr: unknown key');
  } finally {
    dir.remove();
  }
});

test.run();
