/**
 * The built-in actions' bodies, run for real by /bin/sh as an agent runs
 * them (`execFile(sh, [file, ...argv])`), with stand-in commands first on
 * PATH that record their argv: values arrive quoted and after `--`, sudo is
 * `sudo -n --` when not root (a stand-in `id` says which), a missing tool or
 * a bad value is a clear error with exit 3, and kill-process really kills.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkScriptArgs } from '../../protocol/script-args.js';
import { BUILTIN_SCRIPTS } from '../../scripts/builtins.js';
import { tempDir, waitFor } from '../helpers/env.js';

const dir = tempDir('vigie-builtins-');
const calls = join(dir.path, 'calls.log');

/** A directory of stand-in commands: each logs `name args…` to calls.log; `extra` is its shell body after that. */
function fakeBin(name: string, tools: Record<string, string>): string {
  const bin = join(dir.path, name);
  mkdirSync(bin, { recursive: true });
  for (const [tool, extra] of Object.entries(tools)) {
    const path = join(bin, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n${extra}\n`);
    chmodSync(path, 0o755);
  }
  return bin;
}

/** `sudo -n -- cmd args` runs `cmd args` (what a sudoers line would allow). */
const SUDO = 'shift 2; exec "$@"';
const asUser = (uid: number): string => `echo ${uid}`;

interface Ran { code: number; stdout: string; stderr: string; calls: string[] }

/** Runs a built-in the way the agent does: its params checked, argv in declaration order, env scrubbed to PATH. */
function runBuiltin(id: string, args: Record<string, string | number>, path: string): Promise<Ran> {
  const script = BUILTIN_SCRIPTS.find((b) => b.id === id)!;
  const checked = checkScriptArgs(script.params, args);
  if (!checked.ok) throw new Error(checked.message);
  const file = join(dir.path, `${id}.sh`);
  writeFileSync(file, script.body, { mode: 0o700 });
  writeFileSync(calls, '');
  return new Promise((resolve) => {
    execFile('/bin/sh', [file, ...checked.argv], { env: { PATH: path, LANG: 'C.UTF-8' }, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) });
    });
  });
}

test.after(() => dir.remove());

test('every body is valid sh (sh -n)', async () => {
  for (const b of BUILTIN_SCRIPTS) {
    const file = join(dir.path, `${b.id}.syntax.sh`);
    writeFileSync(file, b.body);
    await new Promise<void>((resolve, reject) => execFile('/bin/sh', ['-n', file], (error, _o, stderr) => (error ? reject(new Error(`${b.id}: ${stderr}`)) : resolve())));
    assert.is(b.interpreter, 'sh');
    assert.ok(b.id.startsWith('vigie.'));
  }
});

test('service-restart, not root: sudo -n -- systemctl <mode> -- <service>, then its state; failing when it does not come up', async () => {
  const bin = fakeBin('restart', { id: asUser(1000), sudo: SUDO, systemctl: 'case "$1" in is-active) echo active ;; esac' });
  const ok = await runBuiltin('vigie.service-restart', { service: 'nginx.service' }, bin);
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(ok.calls, ['id -u', 'sudo -n -- systemctl restart -- nginx.service', 'systemctl restart -- nginx.service', 'systemctl is-active -- nginx.service']);
  assert.match(ok.stdout, /nginx.service is active/);
  const start = await runBuiltin('vigie.service-restart', { service: 'postgresql@15-main.service', mode: 'start' }, bin);
  assert.ok(start.calls.includes('systemctl start -- postgresql@15-main.service'), start.calls.join('\n'));
  const down = fakeBin('restart-down', { id: asUser(0), systemctl: 'case "$1" in is-active) echo failed; exit 3 ;; esac' });
  const failed = await runBuiltin('vigie.service-restart', { service: 'nginx.service' }, down);
  assert.is(failed.code, 1, 'the unit did not come up: the run fails');
  assert.ok(failed.calls.includes('systemctl restart -- nginx.service'), 'root: no sudo');
  assert.not.ok(failed.calls.some((c) => c.startsWith('sudo')));
  const nosystemd = fakeBin('no-systemd', { id: asUser(0) });
  const missing = await runBuiltin('vigie.service-restart', { service: 'nginx.service' }, nosystemd);
  assert.is(missing.code, 3);
  assert.match(missing.stderr, /systemctl not found on this host: this action needs systemd/);
});

test('journal-vacuum: journalctl --vacuum-size=<n>M, as root without sudo', async () => {
  const bin = fakeBin('journal', { id: asUser(0), journalctl: 'echo "Archived and active journals take up 1.0G"' });
  const r = await runBuiltin('vigie.journal-vacuum', { size: 200 }, bin);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.calls.filter((c) => c.startsWith('journalctl')), ['journalctl --disk-usage', 'journalctl --vacuum-size=200M', 'journalctl --disk-usage']);
  const small = checkScriptArgs(BUILTIN_SCRIPTS.find((b) => b.id === 'vigie.journal-vacuum')!.params, { size: 8 });
  assert.equal(small.ok ? null : small.field, 'args.size', 'below 16 MiB never reaches the script');
});

test('package-clean: the first package manager there is, or a clear error', async () => {
  const apt = await runBuiltin('vigie.package-clean', {}, fakeBin('apt', { id: asUser(1000), sudo: SUDO, 'apt-get': '', dnf: '' }));
  assert.is(apt.code, 0, apt.stderr);
  assert.ok(apt.calls.includes('sudo -n -- apt-get clean'), apt.calls.join('\n'));
  assert.not.ok(apt.calls.some((c) => c.startsWith('dnf')));
  const dnf = await runBuiltin('vigie.package-clean', {}, fakeBin('dnf', { id: asUser(0), dnf: '' }));
  assert.ok(dnf.calls.includes('dnf clean all'));
  const apk = await runBuiltin('vigie.package-clean', {}, fakeBin('apk', { id: asUser(0), apk: '' }));
  assert.ok(apk.calls.includes('apk cache clean'));
  const none = await runBuiltin('vigie.package-clean', {}, fakeBin('none', { id: asUser(0) }));
  assert.is(none.code, 3);
  assert.match(none.stderr, /no known package manager/);
});

test('kill-process: really sends the signal to the pid; refuses a pid that is gone', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, signal) => resolve(signal)));
  const path = '/usr/local/bin:/usr/bin:/bin';
  const r = await runBuiltin('vigie.kill-process', { pid: child.pid!, signal: 'TERM' }, path);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`sending SIGTERM to ${child.pid} \\(sleep\\)`));
  assert.is(await exited, 'SIGTERM');
  await waitFor('the process is gone', () => !existsSync(`/proc/${child.pid}`));
  const gone = await runBuiltin('vigie.kill-process', { pid: child.pid!, signal: 'KILL' }, path);
  assert.is(gone.code, 2);
  assert.match(gone.stderr, /no process/);
  const params = BUILTIN_SCRIPTS.find((b) => b.id === 'vigie.kill-process')!.params;
  const one = checkScriptArgs(params, { pid: 1 });
  assert.equal(one.ok ? null : one.field, 'args.pid', 'pid 1 never reaches the script');
});

test.run();
