/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * The README's new-user path, timed: in a fresh clone (after `npm ci`), run
 * `npm start`, take the setup code it prints, become the first admin in
 * Chromium, add a host, copy the no-root install line from the page, run it
 * as an unprivileged user in a scratch directory (only node and
 * /usr/bin:/bin on PATH: no clone, no node_modules), start the agent with the
 * command the line printed, and wait for the host's card under its enrolled
 * name. Prints the time of each step. The browser steps run at machine
 * speed: a person adds reading and typing time.
 *
 * Usage (as root, which creates the user vigie-newcomer):
 *   git clone REPO /tmp/fresh && (cd /tmp/fresh && npm ci)
 *   node dist/bench/newcomer/first-host.js --clone /tmp/fresh [--http-port 18080] [--mqtt-port 11883]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { markdownTable } from '../lib/proc-stats.js';

const { values } = parseArgs({
  options: {
    clone: { type: 'string' },
    'http-port': { type: 'string', default: '18080' },
    'mqtt-port': { type: 'string', default: '11883' },
  },
});
if (!values.clone) {
  process.stderr.write('first-host: --clone DIR (a fresh clone after npm ci) is required\n');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('first-host: run as root (it creates the user vigie-newcomer to run the install line as)\n');
  process.exit(2);
}

const USER = 'vigie-newcomer';
const HOST = 'student-pc';
const steps: Array<[string, number]> = [];
const started = Date.now();
let last = started;
const mark = (step: string): void => {
  const now = Date.now();
  steps.push([step, (now - last) / 1000]);
  last = now;
};

/** Resolves with the first match of `re` in the child's stdout. */
function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

if (spawnSync('id', ['-u', USER]).status !== 0) spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
const gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
const scratch = mkdtempSync('/tmp/vigie-newcomer-');
chownSync(scratch, uid, gid);
const asUser = (script: string): ChildProcess =>
  spawn('/usr/bin/setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '/usr/bin/env', '-i', `HOME=${scratch}`, `PATH=${dirname(process.execPath)}:/usr/bin:/bin`, '/bin/sh', '-c', script], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });

const box = spawn('npm', ['start', '--', '--http-port', values['http-port']!, '--mqtt-port', values['mqtt-port']!, '--data-dir', `${scratch}/box-data`], { cwd: values.clone, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
let agent: ChildProcess | null = null;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const code = (await waitForOutput(box, /setup code (\S+)/, 300_000))[1]!;
  const url = `http://127.0.0.1:${values['http-port']}`;
  mark('npm start: build, then broker, ingest, dashboard and local agent up');

  const page = await (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
  await page.goto(url);
  await page.getByTestId('setup-code').fill(code);
  await page.getByTestId('setup-name').fill('teacher');
  await page.getByTestId('setup-password').fill('a long teacher password');
  await page.getByTestId('setup-password2').fill('a long teacher password');
  await page.locator('[data-testid=setup-form] button[type=submit]').click();
  await page.locator('header [data-testid=user-name]').filter({ hasText: 'teacher' }).waitFor({ timeout: 30_000 });
  mark('setup code entered: first admin signed in');

  await page.getByRole('link', { name: 'Hosts & agents' }).click();
  await page.getByTestId('enroll-host').fill(HOST);
  await page.getByTestId('enroll-submit').click();
  const line = await page.getByTestId('install-nosvc').innerText({ timeout: 30_000 });
  mark('Hosts & agents → Add a host: install line shown');

  const installed = await new Promise<string>((resolve, reject) => {
    const child = asUser(line);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('close', (status) => (status === 0 ? resolve(out) : reject(new Error(`install line exited ${status}:\n${out}`))));
  });
  const runCommand = /Start it with:\n {2}(.+)\n/.exec(installed)?.[1];
  if (!runCommand) throw new Error(`the install line printed no run command:\n${installed}`);
  mark('install line run on the other machine (download, sha256, enroll)');

  agent = asUser(`exec ${runCommand}`);
  await page.locator('header nav a[href="#/"]').click();
  await page.waitForFunction((host) => /^(online|warning|critical)$/.test((globalThis as any).document.querySelector(`.card[data-host="${host}"]`)?.dataset.state ?? ''), HOST, { timeout: 60_000 });
  mark(`agent started: "${HOST}" live on the overview`);
  steps.push(['total', (Date.now() - started) / 1000]);
  console.log(markdownTable(['step', 'seconds'], steps.map(([s, t]) => [s, t.toFixed(1)])));
} finally {
  agent?.kill('SIGTERM');
  await browser.close();
  try {
    process.kill(-box.pid!, 'SIGINT');
  } catch {
    // already gone
  }
  await new Promise((r) => setTimeout(r, 2000));
  rmSync(scratch, { recursive: true, force: true });
}
