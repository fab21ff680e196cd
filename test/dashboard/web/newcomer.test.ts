import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { startTestStack, type TestStack } from '../../helpers/stack.js';
import { haveChromium, launchChromium, shot } from './browser-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * Issue 3's "done when", as a newcomer lives it on a fresh `vigie up` (the
 * real wiring, MQTT authentication on, no user yet): setup code → first
 * admin → add a host → run the printed agent command → the host shows up
 * live; then revoking it from the dashboard cuts the agent off.
 */
const main = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));

if (haveChromium()) {
  let up: TestStack;
  let browser: Browser;
  let page: Page;
  const children: ChildProcess[] = [];
  let agentOutput = '';
  let credentials = { username: '', password: '' };

  test.before(async () => {
    await buildWeb();
    up = await startTestStack('up');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' })).newPage();
  });

  test.after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await browser?.close();
    await up?.close();
  });

  test('setup code → admin → add a host → its agent command → the host appears live', async () => {
    const started = Date.now();
    await page.goto(up.httpUrl);
    await page.getByTestId('setup-form').waitFor({ timeout: 10_000 });
    await shot(page, 'setup.png');
    // What the server printed in its log and start banner.
    const code = up.stack.dashboard!.setupCode();
    assert.type(code, 'string', 'a fresh server has a setup code');
    await page.getByTestId('setup-code').fill(code!);
    await page.getByTestId('setup-name').fill('teacher');
    await page.getByTestId('setup-password').fill('a long teacher password');
    await page.getByTestId('setup-password2').fill('a long teacher password');
    await page.locator('[data-testid=setup-form] button[type=submit]').click();
    await page.locator('header [data-testid=user-name]').filter({ hasText: 'teacher' }).waitFor({ timeout: 10_000 });
    assert.is(up.stack.dashboard!.setupCode(), null, 'the code is spent');

    await page.getByRole('link', { name: 'Hosts & agents' }).click();
    await page.getByTestId('enroll-form').waitFor({ timeout: 10_000 });
    await page.getByTestId('enroll-host').fill('student-pc');
    assert.is(await page.getByTestId('enroll-owner').inputValue(), '', 'nobody owns it');
    await page.locator('[data-testid=enroll-form] button[type=submit]').click();
    const command = await page.getByTestId('install-linux').innerText({ timeout: 10_000 });
    const token = /--token '(vge_[\w-]{43})'$/.exec(command)?.[1];
    assert.ok(token, command);
    assert.ok((await page.getByTestId('install-windows').innerText()).includes(`-Token '${token}'`), 'the Windows line has the same token');
    // What the install script's enrollment does (test/dashboard/web/install-line.test.ts runs the real line).
    const res = await fetch(`${up.httpUrl}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    const { data: { username, password } } = (await res.json()) as { data: { username: string; password: string } };
    assert.is(username, 'agent-student-pc');
    credentials = { username: username!, password: password! };

    await page.locator('header nav a[href="#/"]').click();
    await page.locator('.conn[data-conn=live]').waitFor({ timeout: 10_000 });
    await page.evaluate(() => { (globalThis as any).marker = 'no reload'; });
    // The printed address is the box's LAN one; this stack's broker is on loopback.
    const agent = spawn(process.execPath, [main, 'agent', '--broker', up.mqttUrl, '--host', 'student-pc', '--interval', '1', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VIGIE_CONFIG: '', VIGIE_AGENT_USERNAME: username!, VIGIE_AGENT_PASSWORD: password! },
    });
    children.push(agent);
    agent.stdout!.on('data', (d: Buffer) => (agentOutput += d));
    agent.stderr!.on('data', (d: Buffer) => (agentOutput += d));

    const card = page.locator('.card[data-host="student-pc"]');
    await card.waitFor({ timeout: 20_000 }).catch((e: Error) => { throw new Error(`${e.message}\nagent output:\n${agentOutput}`); });
    await page.waitForFunction(() => /^(online|warning|critical)$/.test((globalThis as any).document.querySelector('.card[data-host="student-pc"]')?.dataset.state ?? ''), undefined, { timeout: 10_000 });
    const elapsed = Date.now() - started;
    assert.is(await page.evaluate(() => (globalThis as any).marker), 'no reload', 'the card came over the live socket');
    console.log(`  newcomer path in the browser (setup page → student-pc live on the overview): ${(elapsed / 1000).toFixed(1)} s`);
    await shot(page, 'newcomer-overview.png');
  });

  test('revoking the host from the Hosts page cuts its agent off', async () => {
    assert.ok(credentials.password, 'the first test enrolled the host');
    // The credentials work before (so the refusal below is the revocation's doing).
    const before = await mqtt.connectAsync(up.mqttUrl, { ...credentials, reconnectPeriod: 0, connectTimeout: 5000 });
    await before.endAsync();

    await page.getByRole('link', { name: 'Hosts & agents' }).click();
    const row = page.locator('[data-testid=access-row][data-host="student-pc"]');
    await page.locator('[data-testid=access-row][data-host="student-pc"][data-cred=active]').waitFor({ timeout: 10_000 });
    await row.getByTestId('access-revoke').click();
    await row.getByTestId('confirm-yes').click();
    await page.locator('[data-testid=access-row][data-host="student-pc"][data-cred=revoked]').waitFor({ timeout: 10_000 });
    await shot(page, 'newcomer-revoked.png');

    const refused = await mqtt.connectAsync(up.mqttUrl, { ...credentials, reconnectPeriod: 0, connectTimeout: 5000 }).then(
      async (client) => { await client.endAsync(); return null; },
      (error: Error) => error,
    );
    assert.ok(refused, 'a new connection with the revoked credentials is refused');
    assert.match(refused!.message, /not authori[sz]ed|bad user ?name or password/i);

    // The running agent was cut at once: its card goes offline on the overview.
    await page.locator('header nav a[href="#/"]').click();
    await page.locator('.card[data-host="student-pc"][data-state=offline]').waitFor({ timeout: 15_000 });
    await shot(page, 'newcomer-offline.png');
  });

  test.run();
}
