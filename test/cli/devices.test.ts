/**
 * `vigie devices` on a real data directory: add (v2c from stdin, v3 from
 * the environment), list, show (redacted), remove; no secret taken on the
 * command line; errors name the option; agent ids refused; `vigie
 * credentials add --host` refuses a device's id; a device added while the
 * server runs reaches its poller's config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentialsMain } from '../../cli/credentials-command.js';
import { devicesMain } from '../../cli/devices-command.js';
import { DeviceStore } from '../../devices/store.js';
import { decodePayload } from '../../protocol/payloads.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { connectClient } from '../helpers/mqtt.js';
import { addCredentials, startTestStack } from '../helpers/stack.js';

interface Run { code: number; out: string; err: string }

async function run(dataDir: string, args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  const code = await devicesMain([...args, '--data-dir', dataDir], { out, err, stdin, env: opts.env ?? {} });
  return { code, out: o, err: e };
}

const data = tempDir();
const COMMUNITY = 'cli-community-42';
const AUTH = 'cli-auth-pass-1';
const PRIV = 'cli-priv-pass-2';

test.after(() => data.remove());

test('add from stdin and from the environment; list and show never print a secret; devices.db holds none', async () => {
  addCredentials(data.path, { kind: 'agent', host: 'poller-1' });
  const v2 = await run(data.path, ['add', 'sw-1', '--address', '192.0.2.10', '--poller', 'poller-1', '--label', 'Core switch', '--community-stdin'], { stdin: `${COMMUNITY}\n` });
  assert.is(v2.code, 0, v2.err);
  assert.match(v2.out, /Added device sw-1 \(192\.0\.2\.10:161\), polled by poller-1 every 60 s/);
  const v3 = await run(data.path, ['add', 'fw-1', '--address', 'fw.lan', '--poller', 'poller-1', '--v3-user', 'vigie', '--interval', '30'], { env: { VIGIE_SNMP_AUTH_KEY: AUTH, VIGIE_SNMP_PRIV_KEY: PRIV } });
  assert.is(v3.code, 0, v3.err);
  const list = await run(data.path, ['list']);
  assert.is(list.code, 0);
  assert.match(list.out, /fw-1\s+fw\.lan:161\s+poller-1\s+v3 authPriv\s+30s\s+polled/);
  assert.match(list.out, /sw-1\s+192\.0\.2\.10:161\s+poller-1\s+v2c\s+60s\s+polled\s+Core switch/);
  const show = await run(data.path, ['show', 'fw-1']);
  const shown = JSON.parse(show.out) as { snmp: Record<string, string> };
  assert.equal(shown.snmp, { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: '********', privProtocol: 'aes', privKey: '********' });
  for (const text of [list.out, show.out, v2.out, v3.out]) for (const secret of [COMMUNITY, AUTH, PRIV]) assert.not.ok(text.includes(secret));
  const bytes = Buffer.concat(['devices.db', 'devices.db-wal'].map((f) => join(data.path, f)).filter(existsSync).map((p) => readFileSync(p)));
  for (const secret of [COMMUNITY, AUTH, PRIV]) assert.is(bytes.indexOf(secret), -1);
  const store = DeviceStore.open(data.path);
  try {
    assert.equal(store.get('sw-1')!.snmp, { version: '2c', community: COMMUNITY }, 'the store opens it');
  } finally {
    store.close();
  }
});

test('no secret on the command line; missing or wrong input: a clear error naming the option', async () => {
  const leaked = await run(data.path, ['add', 'x', '--address', 'x.lan', '--community', 'oops-secret']);
  assert.is(leaked.code, 2);
  assert.match(leaked.err, /--community: no secret on the command line/);
  assert.not.ok(leaked.err.includes('oops-secret'));
  const cases: Array<[string[], RegExp, Run['code']?]> = [
    [['add', 'x', '--address', 'x.lan', '--poller', 'poller-1'], /the community is missing: pipe it with --community-stdin/],
    [['add', 'x', '--poller', 'poller-1', '--community-stdin'], /--address is required/],
    [['add', 'x', '--address', 'http://x', '--poller', 'poller-1', '--community-stdin'], /--address: expected a host name or an IP address/, 1],
    [['add', 'x', '--address', 'x.lan', '--poller', 'poller-1', '--community-stdin', '--port', 'abc'], /--port: expected a whole number/],
    [['add', 'x', '--address', 'x.lan', '--poller', 'poller-1', '--v3-user', 'u', '--level', 'noAuth', '--keys-stdin'], /--level: expected authNoPriv or authPriv/, 1],
    [['add', 'x', '--address', 'x.lan', '--poller', 'nobody', '--community-stdin'], /poller: nobody is not an agent this server knows/, 1],
    [['add', 'poller-1', '--address', 'x.lan', '--community-stdin'], /id: poller-1 is an agent host/, 1],
    [['add', 'sw-1', '--address', 'x.lan', '--poller', 'poller-1', '--community-stdin'], /a device with id sw-1 already exists/, 1],
    [['show', 'nope'], /no device with id nope/, 1],
    [['frobnicate', 'x'], /unknown action "frobnicate"/],
  ];
  for (const [args, message, code] of cases) {
    const r = await run(data.path, args, { stdin: `${COMMUNITY}\nshort\n` });
    assert.is(r.code, code ?? 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message, args.join(' '));
    assert.not.ok(r.err.includes(COMMUNITY), 'the secret is not echoed');
  }
  const short = await run(data.path, ['add', 'x', '--address', 'x.lan', '--poller', 'poller-1', '--v3-user', 'u', '--level', 'authNoPriv', '--keys-stdin'], { stdin: 'short\n' });
  assert.is(short.code, 1);
  assert.match(short.err, /auth key \(--keys-stdin line 1 \/ VIGIE_SNMP_AUTH_KEY\): .*\(got 5 characters\)/);
});

test('`vigie credentials add --host` refuses a device\'s id', () => {
  const out = new PassThrough();
  const err = new PassThrough();
  let e = '';
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = credentialsMain(['add', '--host', 'sw-1', '--data-dir', data.path], out, err);
  assert.is(code, 2);
  assert.match(e, /sw-1 is an SNMP device/);
});

test('remove: the device goes, its host removal is queued for the server', async () => {
  const r = await run(data.path, ['remove', 'fw-1']);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /Removed device fw-1/);
  const store = DeviceStore.open(data.path);
  try {
    assert.equal(store.list().map((d) => d.id), ['sw-1']);
    assert.equal(store.pendingRemovals(), ['fw-1']);
  } finally {
    store.close();
  }
  assert.is((await run(data.path, ['remove', 'fw-1'])).code, 1);
});

test('the real binary: `vigie devices --help` and a secret option refused', () => {
  const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  const help = spawnSync(process.execPath, [main, 'devices', '--help'], { encoding: 'utf8' });
  assert.is(help.status, 0);
  assert.match(help.stdout, /vigie devices add ID --address A/);
  const refused = spawnSync(process.execPath, [main, 'devices', 'add', 'x', '--auth-key=abcdefgh', '--data-dir', data.path], { encoding: 'utf8' });
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /--auth-key: no secret on the command line/);
});

test('a device added while the server runs reaches its poller\'s config', async () => {
  const s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
  try {
    const creds = addCredentials(s.dataDir, { kind: 'agent', host: 'poller-9' });
    const client = await connectClient(s.mqttUrl, { ...creds, clientId: 'poller-9' });
    const heard: string[] = [];
    client.on('message', (_t, payload) => heard.push(payload.toString()));
    await new Promise<void>((resolve, reject) => client.subscribe('vigie/poller-9/config', { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    try {
      const added = await run(s.dataDir, ['add', 'ups', '--address', '192.0.2.60', '--poller', 'poller-9', '--community-stdin'], { stdin: 'ups-community\n' });
      assert.is(added.code, 0, added.err);
      await waitFor('poller-9 is told to poll ups', () => heard.some((p) => {
        const d = decodePayload('agentConfig', p);
        return d.ok && d.value.devices?.[0]?.snmp.version === '2c' && d.value.devices[0].snmp.community === 'ups-community';
      }) || null);
    } finally {
      client.end(true);
    }
  } finally {
    await s.close();
  }
});

test.run();
