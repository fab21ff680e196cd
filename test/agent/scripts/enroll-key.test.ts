/**
 * Enrollment pins the box's script signing key (issue 14): `enroll` writes
 * the answer's `serverKey` as `agent.serverKey`, `--server-key` makes a
 * different answer fail with nothing written, and an answer without a key
 * (a box older than issue 14) leaves a pinned one in place. Also: the agent
 * refuses to start, naming the key, on a bad `agent.serverKey` or
 * `agent.scriptsUser`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Value } from '@sinclair/typebox/value';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent } from '../../../agent/index.js';
import { lookupUser, scriptsOwner } from '../../../agent/scripts/user.js';
import { main } from '../../../agent/standalone/main.js';
import { loadConfig } from '../../../cli/config.js';
import { keyFingerprint } from '../../../core/signing.js';
import { tempDir } from '../../helpers/env.js';
import { startEnrollServer, VALID_TOKEN } from '../standalone/enroll-server.js';
import { makeSigner } from './fixtures.js';

const ANSWER = { host: 'web1', broker: 'mqtt://box.example:1883', username: 'agent-web1', password: 'pw', ca: null };

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _e, cb) { append(String(chunk)); cb(); } });
  const code = await main(argv, { env: { VIGIE_ENROLL_TOKEN: VALID_TOKEN }, stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }) });
  return { code, out, err };
}

test('the answer\'s serverKey is pinned as agent.serverKey, and its fingerprint printed', async () => {
  const box = makeSigner();
  const server = await startEnrollServer({ ...ANSWER, serverKey: box.publicKey });
  const dir = tempDir();
  try {
    const file = join(dir.path, 'agent.json');
    const r = await run(['enroll', '--url', server.url, '--config', file]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, `enrolled as web1; broker mqtt://box.example:1883; box key ${box.fingerprint}\n`);
    assert.is(JSON.parse(readFileSync(file, 'utf8')).agent.serverKey, box.publicKey);
    // The file loads: the key fits agent.serverKey.
    const loaded = loadConfig({ file, env: {} });
    assert.ok(loaded.ok && loaded.value.agent.serverKey === box.publicKey, loaded.ok ? '' : loaded.error);

    // The same box again with --server-key: fine. Another key expected: nothing written.
    assert.is((await run(['enroll', '--url', server.url, '--config', file, '--server-key', box.publicKey])).code, 0);
    const other = makeSigner();
    writeFileSync(file, '{"agent":{"host":"kept"}}');
    const refused = await run(['enroll', '--url', server.url, '--config', file, '--server-key', other.publicKey]);
    assert.is(refused.code, 1);
    assert.match(refused.err, `answered with box key ${keyFingerprint(box.publicKey)}, not the expected ${other.fingerprint}`);
    assert.is(readFileSync(file, 'utf8'), '{"agent":{"host":"kept"}}');
    const bad = await run(['enroll', '--url', server.url, '--config', file, '--server-key', 'not-a-key']);
    assert.is(bad.code, 1);
    assert.match(bad.err, '--server-key: expected');
  } finally {
    await server.close();
    dir.remove();
  }
});

test('an answer without serverKey keeps a pinned one; one with a malformed key is refused, nothing written', async () => {
  const box = makeSigner();
  const old = await startEnrollServer(ANSWER);
  const dir = tempDir();
  try {
    const file = join(dir.path, 'agent.json');
    writeFileSync(file, JSON.stringify({ agent: { serverKey: box.publicKey } }));
    assert.is((await run(['enroll', '--url', old.url, '--config', file])).code, 0);
    assert.is(JSON.parse(readFileSync(file, 'utf8')).agent.serverKey, box.publicKey);
  } finally {
    await old.close();
  }
  const broken = await startEnrollServer({ ...ANSWER, serverKey: 'AAAA' });
  try {
    const file = join(dir.path, 'new.json');
    const r = await run(['enroll', '--url', broken.url, '--config', file]);
    assert.is(r.code, 1);
    assert.match(r.err, 'data.serverKey: expected');
    assert.not.ok(existsSync(file));
  } finally {
    await broken.close();
    dir.remove();
  }
});

test('the agent refuses to start on a bad agent.serverKey or a missing agent.scriptsUser, naming the key', async () => {
  const config = Value.Default(AgentConfig, { host: 'web1', broker: 'mqtt://127.0.0.1:1', serverKey: 'A'.repeat(43) + '=' }) as AgentConfig;
  await startAgent(config, { prefix: 'vigie', services: false, collectors: [] }).then(
    () => assert.unreachable('started'),
    (e: Error) => assert.match(e.message, /^agent\.serverKey: expected the box's ed25519 public key/),
  );
  assert.throws(() => scriptsOwner({ scriptsUser: 'no-such-user-here', scriptsAsRoot: false }, true), /^agent\.scriptsUser: no user "no-such-user-here"/);
  assert.is(scriptsOwner({ scriptsAsRoot: true }, true), undefined, 'scriptsAsRoot keeps root');
  assert.is(scriptsOwner({ scriptsUser: 'no-such-user-here', scriptsAsRoot: false }, false), undefined, 'not root: scripts run as the agent');
  assert.equal(scriptsOwner({ scriptsAsRoot: false }, true), lookupUser('nobody')!, 'nobody by default');
  const loaded = loadConfig({ env: { VIGIE_AGENT_SCRIPTS: 'yes' }, cwd: '/' });
  assert.match(loaded.ok ? '' : loaded.error, /^agent\.scripts: /m);
});

test.run();
