/**
 * infra/install (issue 11): the files the box serves at /install/, and the
 * POSIX install script run for real with /bin/sh against a box serving them:
 * what it says when node is missing or too old, that it refuses a bundle
 * whose checksum does not match and leaves nothing behind, and that the
 * systemd unit it renders passes `systemd-analyze verify` without a warning.
 * (The full install, enrollment, upgrade and --reenroll run in
 * test/dashboard/web/install-line.test.ts, with the real bundle.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInstallRouter } from '../../dashboard/server/install/router.js';
import { requireProgram, tempDir } from '../helpers/env.js';

const SCRIPT = fileURLToPath(new URL('../../../infra/install/agent.sh', import.meta.url));
const scratch = tempDir('vigie-install-');
const agentDir = join(scratch.path, 'agent');
let server: Server;
let url = '';

test.before(async () => {
  mkdirSync(agentDir);
  const app = express();
  app.use('/install', createInstallRouter({ publicUrl: () => url, agentDir }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  scratch.remove();
});

/** Runs agent.sh with /bin/sh, with only `path` on PATH (asynchronously: this process serves its downloads). */
function runScript(args: string[], path: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [SCRIPT, ...args], { env: { PATH: path, HOME: scratch.path, ...env }, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('the box serves the scripts and the unit as they are, never cached; 503 with the reason while the bundle is not built', async () => {
  const sh = await fetch(`${url}/install/agent.sh`);
  assert.is(sh.status, 200);
  assert.is(sh.headers.get('content-type'), 'text/x-shellscript; charset=utf-8');
  assert.is(sh.headers.get('cache-control'), 'no-cache');
  assert.is(await sh.text(), readFileSync(SCRIPT, 'utf8'));
  assert.is((await fetch(`${url}/install/agent.ps1`)).status, 200);
  assert.match(await (await fetch(`${url}/install/vigie-agent.service`)).text(), /ExecStart=@NODE@ --lite-mode @DIR@\/vigie-agent\.mjs run --config @DIR@\/config\.json/);
  for (const file of ['vigie-agent.mjs', 'vigie-agent.json']) {
    const res = await fetch(`${url}/install/${file}`);
    assert.is(res.status, 503, file);
    assert.match(await res.text(), /not built on this box: run `npm run build`/);
  }
  assert.is((await fetch(`${url}/install/../package.json`)).status, 404);

  writeFileSync(join(agentDir, 'vigie-agent.mjs'), 'console.log("0.0.1")\n');
  writeFileSync(join(agentDir, 'vigie-agent.json'), JSON.stringify({ version: '0.0.1', sha256: 'ab'.repeat(32), size: 21 }));
  const manifest = await fetch(`${url}/install/vigie-agent.json`);
  assert.equal(await manifest.json(), { version: '0.0.1', sha256: 'ab'.repeat(32), size: 21, url: `${url}/install/vigie-agent.mjs` });
  const bundle = await fetch(`${url}/install/vigie-agent.mjs`);
  assert.is(bundle.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.is(bundle.headers.get('cache-control'), 'no-cache');
});

test('node too old: the script says what to install and exits 1 before downloading anything', async () => {
  const bin = join(scratch.path, 'old-node');
  mkdirSync(bin);
  writeFileSync(join(bin, 'node'), '#!/bin/sh\necho v18.19.0\n');
  chmodSync(join(bin, 'node'), 0o755);
  const run = await runScript(['--url', url, '--token', 'vge_x', '--dir', join(scratch.path, 'never')], `${bin}:/usr/bin:/bin`);
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stderr, /node v18\.19\.0 is too old/);
  assert.match(run.stderr, /needs Node\.js 20 or newer/);
  assert.match(run.stderr, /sudo apt install nodejs/);
  assert.match(run.stderr, /deb\.nodesource\.com\/setup_22\.x/);
  assert.match(run.stderr, /brew install node/);
  assert.match(run.stderr, /nvm install 22/);
  assert.not.ok(existsSync(join(scratch.path, 'never')), 'nothing installed');
});

test('node missing: the same advice', async () => {
  const empty = join(scratch.path, 'empty-bin');
  mkdirSync(empty);
  const run = await runScript(['--url', url, '--token', 'vge_x', '--no-service'], empty);
  assert.is(run.status, 1);
  assert.match(run.stderr, /node was not found on PATH/);
  assert.match(run.stderr, /needs Node\.js 20 or newer/);
});

test('a bundle whose sha256 does not match the manifest is refused and nothing is left', async () => {
  const dir = join(scratch.path, 'tampered');
  const run = await runScript(['--url', url, '--token', 'vge_x', '--dir', dir, '--no-service'], `${process.execPath.replace(/\/node$/, '')}:/usr/bin:/bin`);
  assert.is(run.status, 1, run.stdout);
  assert.match(run.stderr, /checksum mismatch for vigie-agent\.mjs \(expected (ab){32}, got [0-9a-f]{64}\)/);
  assert.not.ok(existsSync(dir), 'no directory left behind');
});

test('the rendered systemd unit passes systemd-analyze verify with no warning', async () => {
  if (!requireProgram('systemd-analyze', spawnSync('systemd-analyze', ['--version']).status === 0)) return;
  const dir = join(scratch.path, 'unit');
  mkdirSync(dir);
  writeFileSync(join(dir, 'vigie-agent.mjs'), ''); // ExecStart's file must exist for verify
  const run = await runScript(['--url', url, '--dir', dir, '--print-unit'], `${process.execPath.replace(/\/node$/, '')}:/usr/bin:/bin`);
  assert.is(run.status, 0, run.stderr);
  const unit = run.stdout;
  assert.match(unit, new RegExp(`^ExecStart=${process.execPath} --lite-mode ${dir}/vigie-agent\\.mjs run --config ${dir}/config\\.json$`, 'm'));
  for (const line of ['User=vigie-agent', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'ProtectKernelTunables=yes', 'ProtectKernelModules=yes', 'ProtectKernelLogs=yes', 'ProtectControlGroups=yes', 'SystemCallFilter=@system-service', 'CapabilityBoundingSet=', 'Restart=on-failure', 'PrivateDevices=yes', 'LockPersonality=yes', 'RestrictRealtime=yes', 'RestrictSUIDSGID=yes']) {
    assert.ok(unit.split('\n').includes(line), line);
  }
  assert.match(unit, /^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK$/m);
  assert.not.match(unit, /^MemoryDenyWriteExecute/m, 'V8 needs writable+executable memory');
  assert.not.match(unit, /@NODE@|@DIR@/);
  const file = join(dir, 'vigie-agent.service');
  writeFileSync(file, unit);
  const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.is(verify.status, 0, verify.stderr);
  assert.is(`${verify.stdout}${verify.stderr}`.trim(), '', 'no warning');
});

test('as a user other than root, without --no-service, it says how to proceed', async () => {
  // Under root, the script runs as nobody through setpriv.
  const asNobody = process.getuid?.() === 0 ? ['--', '/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const [cmd, ...pre] = asNobody.length ? asNobody.slice(1) : ['/bin/sh'];
    const child = spawn(cmd!, [...pre, ...(asNobody.length ? ['/bin/sh'] : []), SCRIPT, '--url', url, '--token', 'vge_x'], { env: { PATH: `${process.execPath.replace(/\/node$/, '')}:/usr/bin:/bin`, HOME: '/nonexistent' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.once('close', (status) => resolve({ status, stderr }));
  });
  assert.is(run.status, 1, run.stderr);
  assert.match(run.stderr, /needs root: put sudo before sh/);
});

test.run();
