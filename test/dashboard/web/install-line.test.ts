/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * Issue 11's "done when": the install line exactly as the dashboard prints
 * it, run with `sh -c` as an unprivileged user in a scratch directory, with
 * only node and /usr/bin:/bin on PATH (no clone, no node_modules): it
 * downloads the real agent bundle from the box, checks it, enrolls with the
 * one-time token and prints how to run the agent; the agent started that way
 * appears in Chromium under its enrolled name. The same line run again
 * upgrades in place without enrolling; with --reenroll the spent token is
 * refused with the box's message and nothing changes; --uninstall removes it.
 *
 * Needs root (to create the user `vigie-e2e` and switch to it): skipped
 * with a message otherwise, and a failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { IN_CI } from '../../helpers/env.js';
import { adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';

const USER = 'vigie-e2e';
const HOST = 'e2e-vps';
const BUNDLE = new URL('../../../agent/vigie-agent.mjs', import.meta.url);

function canRun(): boolean {
  const why = process.getuid?.() !== 0 ? 'it must run as root (to create the user vigie-e2e and run the line as that user)'
    : !existsSync(BUNDLE) ? 'the agent bundle dist/agent/vigie-agent.mjs is not built (npm run build)'
    : null;
  if (why === null) return true;
  if (IN_CI) throw new Error(`install-line suite: ${why}, and CI=true`);
  console.log(`SKIP: install-line suite: ${why}`);
  return false;
}

interface Ran { status: number | null; stdout: string; stderr: string }

if (haveChromium() && canRun()) {
  let up: TestStack;
  let admin: ApiClient;
  let browser: Browser;
  let page: Page;
  let scratch = '';
  let uid = 0;
  let gid = 0;
  let agent: ChildProcess | null = null;
  let agentOutput = '';
  let line = '';
  const nodeDir = dirname(process.execPath);

  /** `sh -c` as vigie-e2e, with a clean environment: HOME in the scratch dir, PATH = node's dir and /usr/bin:/bin. */
  const asUser = (script: string): ChildProcess =>
    spawn('/usr/bin/setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '/usr/bin/env', '-i', `HOME=${scratch}`, `PATH=${nodeDir}:/usr/bin:/bin`, '/bin/sh', '-c', script], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = (script: string): Promise<Ran> =>
    new Promise((resolve, reject) => {
      const child = asUser(script);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d));
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });

  test.before(async () => {
    if (spawnSync('id', ['-u', USER]).status !== 0) {
      const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' });
      assert.is(made.status, 0, made.stderr);
    }
    uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
    gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
    scratch = mkdtempSync('/tmp/vigie-e2e-');
    chownSync(scratch, uid, gid);
    await buildWeb();
    up = await startTestStack('up');
    admin = await adminClient(up.httpUrl, up.dataDir, 'teacher');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'en-US' })).newPage();
  });

  test.after(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent!.once('exit', r));
    }
    await browser?.close();
    await up?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the no-service line, copied from the page and run as an unprivileged user, brings the host up under its enrolled name', async () => {
    await signInThroughForm(page, up.httpUrl, 'teacher', 'teacher-password-1');
    await page.getByRole('link', { name: 'Hosts & agents' }).click();
    await page.getByTestId('enroll-form').waitFor({ timeout: 10_000 });
    // This stack listens on loopback: the page says other machines could not use it.
    await page.getByTestId('install-warning').filter({ hasText: 'loopback' }).waitFor({ timeout: 10_000 });
    await page.getByTestId('enroll-host').fill(HOST);
    const clicked = Date.now();
    await page.getByTestId('enroll-submit').click();
    line = await page.getByTestId('install-nosvc').innerText({ timeout: 10_000 });
    assert.match(line, /^curl -fsSL 'http:\/\/127\.0\.0\.1:\d+\/install\/agent\.sh' \| sh -s -- --url 'http:\/\/127\.0\.0\.1:\d+' --token 'vge_[\w-]{43}' --dir "\$HOME\/vigie-agent" --no-service$/);
    assert.match(await page.getByTestId('install-expiry').innerText(), /works once, until/);
    await page.locator('[data-testid=pending-row][data-host="e2e-vps"]').waitFor({ timeout: 10_000 });
    await shot(page, 'install-line.png');

    const installed = await run(line);
    assert.is(installed.status, 0, `${installed.stdout}\n${installed.stderr}`);
    assert.match(installed.stdout, /sha256 verified/);
    const runCommand = /Start it with:\n {2}(.+)\n/.exec(installed.stdout)?.[1];
    assert.is(runCommand, `MALLOC_ARENA_MAX=1 ${process.execPath} --lite-mode ${scratch}/vigie-agent/vigie-agent.mjs run --config ${scratch}/vigie-agent/config.json`);
    const config = readFileSync(join(scratch, 'vigie-agent/config.json'), 'utf8');
    assert.match(config, /"host": "e2e-vps"/);

    agent = asUser(`exec env ${runCommand!}`);
    agent.stdout!.on('data', (d: Buffer) => (agentOutput += d));
    agent.stderr!.on('data', (d: Buffer) => (agentOutput += d));
    await page.locator('header nav a[href="#/"]').click();
    const card = page.locator(`.card[data-host="${HOST}"]`);
    await card.waitFor({ timeout: 30_000 }).catch((e: Error) => { throw new Error(`${e.message}\nagent output:\n${agentOutput}`); });
    await page.waitForFunction((host) => /^(online|warning|critical)$/.test((globalThis as any).document.querySelector(`.card[data-host="${host}"]`)?.dataset.state ?? ''), HOST, { timeout: 15_000 });
    const elapsed = Date.now() - clicked;
    assert.is(await card.getByTestId('card-name').innerText(), HOST, 'the card is titled with the enrolled name');
    const info = (await admin.get<{ info: { hostname: string; agent: string } | null }>(`/api/hosts/${HOST}`)).data;
    assert.ok(info.info?.agent, 'the agent reports its version');
    // The OS hostname is secondary information beneath the name (once the info payload reached the page).
    if (info.info?.hostname && info.info.hostname !== HOST) await card.getByTestId('card-hostname').filter({ hasText: info.info.hostname }).waitFor({ timeout: 10_000 });
    console.log(`  install line (click Add → ${HOST} live on the overview, as ${USER}): ${(elapsed / 1000).toFixed(1)} s`);
    await shot(page, 'install-line-overview.png');
  });

  test('the same line again upgrades in place without enrolling; with --reenroll the spent token is refused and nothing changes', async () => {
    assert.ok(line, 'the first test ran the line');
    const configBefore = readFileSync(join(scratch, 'vigie-agent/config.json'), 'utf8');
    const enrolled = async () => (await admin.get<Array<{ type: string }>>(`/api/events?host=${HOST}&type=host.enrolled`)).data.length;
    assert.is(await enrolled(), 1);

    const again = await run(line);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, /config\.json exists: upgrading in place and keeping it; the token is not used/);
    assert.is(readFileSync(join(scratch, 'vigie-agent/config.json'), 'utf8'), configBefore, 'configuration kept');
    assert.is(await enrolled(), 1, 'no second enrollment');

    const forced = await run(`${line} --reenroll`);
    assert.is(forced.status, 1, forced.stdout);
    assert.match(forced.stderr, /this enrollment token was already used on \d{4}-\d\d-\d\d \d\d:\d\d UTC.*make a new one in Hosts & agents/);
    assert.match(forced.stderr, /the existing installation in .* is unchanged/);
    assert.is(readFileSync(join(scratch, 'vigie-agent/config.json'), 'utf8'), configBefore, 'configuration unchanged');
    assert.not.ok(existsSync(join(scratch, 'vigie-agent/config.json.new')), 'no half-written file');
    assert.is(await enrolled(), 1);
    assert.ok(agent && agent.exitCode === null, 'the running agent was not disturbed');
  });

  test('--uninstall --dir removes the directory it filled, and only such a directory', async () => {
    agent!.kill('SIGTERM');
    await new Promise((r) => (agent!.exitCode !== null ? r(null) : agent!.once('exit', r)));
    const script = /^curl -fsSL '([^']+)'/.exec(line)![1]!;
    const notOurs = await run(`mkdir -p "$HOME/photos" && curl -fsSL '${script}' | sh -s -- --uninstall --dir "$HOME/photos"`);
    assert.is(notOurs.status, 1);
    assert.match(notOurs.stderr, /does not look like a Vigie agent install/);
    assert.ok(existsSync(join(scratch, 'photos')));
    const removed = await run(`curl -fsSL '${script}' | sh -s -- --uninstall --dir "$HOME/vigie-agent"`);
    assert.is(removed.status, 0, removed.stderr);
    assert.not.ok(existsSync(join(scratch, 'vigie-agent')), 'removed');
  });

  test.run();
}
