/**
 * `vigie credentials` as an admin uses it, against a running `vigie up` in
 * another process: make an enrollment token, trade it as the installed agent
 * does, start an agent, see the host in the API, revoke, see it cut off.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers/env.js';
import { ApiClient } from '../helpers/api-client.js';
import { getJson } from '../helpers/stack.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const data = tempDir();
const children: ChildProcess[] = [];
const env = { ...process.env, VIGIE_CONFIG: '' };
const cli = (...args: string[]) => spawnSync(process.execPath, [main, 'credentials', ...args, '--data-dir', data.path], { encoding: 'utf8', env });
const start = (args: string[], extraEnv: Record<string, string> = {}) => {
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...extraEnv } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  children.push(child);
  return { child, output: () => out };
};
let dashboard = '';
let mqttUrl = '';
let admin: ApiClient;

test.before(async () => {
  const up = start(['up', '--data-dir', data.path, '--http-port', '0', '--mqtt-port', '0', '--bind', '127.0.0.1', '--log-level', 'warn']);
  dashboard = await waitFor('dashboard URL', () => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(up.output())?.[1], 20_000);
  mqttUrl = await waitFor('MQTT URL', () => /MQTT: +(mqtt:\/\/\S+)/.exec(up.output())?.[1], 5000);
  // The first admin, made with `vigie user add` while the server runs.
  const made = spawnSync(process.execPath, [main, 'user', 'add', 'teacher', '--admin', '--password-stdin', '--data-dir', data.path], { encoding: 'utf8', env, input: 'a long teacher password\n' });
  assert.is(made.status, 0, made.stderr);
  admin = await ApiClient.signIn(dashboard, 'teacher', 'a long teacher password');
});
test.after(async () => {
  for (const c of children) c.kill('SIGINT');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  data.remove();
});

/** Trades the token printed in an install line at the box, as the installed agent does. */
async function useToken(output: string): Promise<{ username: string; password: string }> {
  const token = /--token '(vge_[\w-]{43})'/.exec(output)?.[1];
  assert.ok(token, `a token in: ${output}`);
  // cli() blocks the event loop (spawnSync) for seconds on a busy box: long enough for the server to close the idle
  // keep-alive socket of the previous request. One turn of the loop lets fetch see that close before it picks a socket.
  await new Promise((resolve) => setImmediate(resolve));
  const res = await fetch(`${dashboard}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = (await res.json()) as { ok: boolean; data: { username: string; password: string } };
  assert.is(res.status, 200, JSON.stringify(body));
  return body.data;
}

test('add --host prints the install lines with a one-time token; the agent it enrolls appears on the dashboard', async () => {
  const added = cli('add', '--host', 'Student-PC', '--ttl', '2h');
  assert.is(added.status, 0, added.stderr);
  assert.match(added.stdout, /Enrollment token for student-pc: single use, valid until \S+Z/);
  assert.match(added.stdout, /curl -fsSL 'http:\/\/\S+\/install\/agent\.sh' \| sh -s -- --url 'http:\/\/\S+' --token 'vge_[\w-]{43}'\n/);
  assert.match(added.stdout, / --dir "\$HOME\/vigie-agent" --no-service\n/);
  assert.match(added.stdout, /& \(\[scriptblock\]::Create\(\(irm 'http:\/\/\S+\/install\/agent\.ps1'\)\)\) -Url 'http:\/\/\S+' -Token 'vge_/);
  assert.not.match(added.stdout, /password/i, 'no password printed');
  const { username, password } = await useToken(added.stdout);
  assert.is(username, 'agent-student-pc');
  start(['agent', '--broker', mqttUrl, '--host', 'student-pc', '--log-level', 'warn'], { VIGIE_AGENT_USERNAME: username, VIGIE_AGENT_PASSWORD: password });
  const host = await waitFor('student-pc in /api/hosts', async () => {
    const { body } = await getJson<{ data: Array<{ id: string; latest: unknown }> }>(`${dashboard}/api/hosts`, admin);
    return body.data.find((h) => h.id === 'student-pc' && h.latest);
  }, 20_000);
  assert.ok(host);
  const bad = cli('add', '--host', 'x', '--ttl', '3 weeks');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--ttl: "3 weeks" is not a duration \(expected minutes, or 30m, 2h, 1d\)/);
});

test('list shows the credentials without their secret; revoke cuts the agent off within seconds', async () => {
  const { password } = await useToken(cli('add', '--host', 'laptop').stdout);
  const client = await mqtt.connectAsync(mqttUrl, { username: 'agent-laptop', password, reconnectPeriod: 0 });
  const cut = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const listed = cli('list');
  assert.match(listed.stdout, /agent-laptop +host laptop .* active/);
  assert.not.match(listed.stdout, new RegExp(password));
  const revoked = cli('revoke', 'agent-laptop');
  assert.is(revoked.status, 0, revoked.stderr);
  await Promise.race([cut, new Promise((_, reject) => setTimeout(() => reject(new Error('not disconnected within 5 s')), 5000))]);
  assert.match(cli('list').stdout, /agent-laptop .* revoked/);
  assert.is(cli('revoke', 'agent-laptop').status, 1, 'revoking twice says there is nothing to revoke');
});

test('bad requests exit 2 with a message naming what is expected', () => {
  const bad = cli('add', '--service', 'admin');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--service: "admin" is not a service \(expected ingest or reader\)/);
  assert.is(cli('add').status, 2);
  assert.match(cli('frobnicate').stderr, /unknown action/);
});

test.run();
