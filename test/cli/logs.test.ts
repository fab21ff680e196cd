/**
 * Logs for people and for machines (issue 15, item 7), on the real
 * `vigie up` (dist/cli/main.js) as a child process:
 * - stderr to a pipe: every line is JSON, and the banner is one record with
 *   the URLs as fields, while stdout carries the plain banner;
 * - log.format=pretty: no JSON line, level names and components instead;
 * - a terminal (util-linux `script` gives the child a pseudo-terminal):
 *   pretty coloured lines under `auto`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireProgram, tempDir, waitFor } from '../helpers/env.js';

const main = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const SCRIPT = '/usr/bin/script';

/** Runs `vigie up` until `done(stdout, stderr)` holds, then stops it with Ctrl-C; returns both streams. */
async function runUp(extra: string[], done: (out: string, err: string) => boolean): Promise<{ out: string; err: string; code: number | null }> {
  const data = tempDir();
  const child = spawn(process.execPath, [main, 'up', '--data-dir', data.path, '--http-port', '0', '--mqtt-port', '0', '--bind', '127.0.0.1', '--log-level', 'info', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIGIE_CONFIG: '', NO_COLOR: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor('vigie up started', () => done(out, err), 30_000);
  } finally {
    child.kill('SIGINT');
  }
  const code = await exited;
  data.remove();
  return { out, err, code };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const isJson = (line: string): boolean => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

test('stderr to a pipe: JSON lines only; the banner is plain on stdout and one record with the URLs on stderr', async () => {
  const { out, err, code } = await runUp([], (o, e) => /Press Ctrl-C/.test(o) && /"banner"/.test(e));
  assert.is(code, 0);
  const records = lines(err).map((l) => {
    assert.ok(isJson(l), `a JSON line: ${l}`);
    return JSON.parse(l) as { level: number; msg: string; component?: string; banner?: Record<string, string> };
  });
  assert.ok(records.length >= 3, 'the stack logged');
  assert.ok(records.some((r) => r.component === 'broker'), 'with components');
  const url = /^Dashboard: (http:\/\/\S+)$/m.exec(out)?.[1];
  assert.ok(url, 'stdout has the plain banner');
  assert.not.ok(lines(out).some(isJson), 'no JSON on stdout');
  const started = records.find((r) => r.banner);
  assert.ok(started, 'the banner as a record');
  assert.is(started!.banner!.dashboard, url);
  assert.match(started!.banner!.mqtt ?? '', /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.match(started!.msg, /started/);
});

test('log.format=pretty: readable lines with level names, no JSON', async () => {
  const { out, err, code } = await runUp(['--set', 'log.format=pretty'], (o, e) => /Press Ctrl-C/.test(o) && /dashboard ready/.test(e));
  assert.is(code, 0);
  const all = lines(err);
  assert.ok(all.length >= 3, 'the stack logged');
  for (const l of all) assert.not.ok(isJson(l), `not JSON: ${l}`);
  assert.ok(all.some((l) => /^\d\d:\d\d:\d\d INFO: broker: /.test(l)), `a line like "12:00:00 INFO: broker: …" in:\n${all.slice(0, 5).join('\n')}`);
  assert.not.ok(/\u001b\[/.test(err), 'no colour codes into a pipe');
  assert.not.ok(/"banner"/.test(err), 'the banner is not repeated as a record in pretty mode');
  assert.match(out, /^Dashboard: http:\/\//m);
});

test('at a terminal, auto gives coloured pretty lines (script(1) gives a pseudo-terminal)', () => {
  if (!requireProgram(`script (${SCRIPT}, util-linux)`, existsSync(SCRIPT))) return;
  const dir = tempDir();
  try {
    const logger = fileURLToPath(new URL('../../core/logger.js', import.meta.url));
    const format = fileURLToPath(new URL('../../core/log-format.js', import.meta.url));
    const prog = join(dir.path, 'tty.mjs');
    writeFileSync(prog, [
      `import { createLogger } from ${JSON.stringify(logger)};`,
      `import { setLogFormat } from ${JSON.stringify(format)};`,
      `const chosen = await setLogFormat('auto');`,
      `createLogger('broker').warn({ port: 1883 }, 'hello from a terminal');`,
      `process.stdout.write('chosen=' + chosen + '\\n');`,
    ].join('\n'));
    const r = spawnSync(SCRIPT, ['-qec', `${process.execPath} ${prog}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', TERM: 'xterm' } });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /chosen=pretty/);
    assert.match(r.stdout, /\u001b\[\d+m/, 'colour codes');
    const plain = r.stdout.replace(/\u001b\[\d+m/g, '');
    assert.match(plain, /\d\d:\d\d:\d\d WARN: broker: hello from a terminal \{"port":1883\}/);
  } finally {
    dir.remove();
  }
});

test.run();
