/** The `vigie` command as a user runs it: help, config errors, start and a clean Ctrl-C. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir, waitFor } from '../helpers/env.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, VIGIE_CONFIG: '' } });
const data = tempDir();
test.after(() => data.remove());

test('--help everywhere', () => {
  const top = run('--help');
  assert.is(top.status, 0);
  assert.match(top.stdout, /Commands:/);
  for (const command of ['up', 'broker', 'server', 'agent']) {
    const r = run(command, '--help');
    assert.is(r.status, 0, command);
    assert.match(r.stdout, new RegExp(`Usage: vigie ${command}`));
  }
  assert.match(run('--version').stdout, /^\d+\.\d+\.\d+/);
});

test('an unknown command or flag exits non-zero with a message', () => {
  const r = run('launch');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown command "launch"/);
  const f = run('up', '--colour');
  assert.is(f.status, 2);
  assert.match(f.stderr, /--colour/);
});

test('a bad config exits 2 naming the key and the expected form', () => {
  const r = run('up', '--http-port', 'eighty', '--set', 'agent.interval=0');
  assert.is(r.status, 2);
  assert.match(r.stderr, /http\.port: Expected integer \(got "eighty"\)/);
  assert.match(r.stderr, /agent\.interval: /);
  const set = run('up', '--set', 'nonsense');
  assert.is(set.status, 2);
  assert.match(set.stderr, /--set expects KEY=VALUE/);
});

test('vigie up prints the dashboard URL, serves it, and stops cleanly on Ctrl-C', async () => {
  const child = spawn(process.execPath, [main, 'up', '--data-dir', data.path, '--http-port', '0', '--mqtt-port', '0', '--bind', '127.0.0.1', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errOut = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (errOut += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await waitFor('the dashboard URL', () => /Dashboard: (http:\/\/\S+?)\/?$/m.exec(out)?.[1], 20_000);
    const res = await fetch(`${url}/api/health`);
    assert.is(res.status, 200);
    const page = await fetch(`${url}/`);
    assert.match(await page.text(), /<html/i);
    assert.match(out, /MQTT: +mqtt:\/\/127\.0\.0\.1:\d+/);
  } finally {
    child.kill('SIGINT');
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.is(code, 0, `exit code (stderr: ${errOut.slice(0, 500)})`);
  assert.ok(existsSync(join(data.path, 'vigie.db')), 'the SQLite store is in the data dir');
});

test.run();
