/**
 * The host page's Containers panel (issue 15) in headless Chromium against the
 * real dashboard stack: rows from the metrics' `containers` group, state
 * colours, health, restarts, CPU, memory and network; updated live by the next
 * sample over Socket.IO without reloading; French; usable at 390 px (the table
 * scrolls inside its panel, the page does not). Screenshots in
 * test-output/screenshots/containers-*.png.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { ContainerMetrics, MetricsPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { haveChromium, launchChromium, shot, SHOTS, signInThroughForm } from './browser-helpers.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
const ADMIN = { name: 'admin', password: 'admin-password-1' };
const HOST = 'docker-1';

const CONTAINERS: ContainerMetrics[] = [
  { id: '0123456789ab', name: 'web', image: 'nginx:1.25', state: 'running', health: 'healthy', restarts: 0, startedAt: Date.now() - 3_600_000, cpu: 12.5, memUsed: 52_428_800, memLimit: 268_435_456, rxRate: 2048, txRate: 10_240 },
  { id: '1123456789ab', name: 'db', image: 'postgres:16', state: 'running', health: 'unhealthy', restarts: 1, cpu: 3.2, memUsed: 104_857_600 },
  { id: '2123456789ab', name: 'worker-a.long_name-with-many-characters-to-wrap', image: 'registry.example.org:5000/team/worker:2024.06.1', state: 'exited', health: 'none', restarts: 7, exitCode: 137 },
  { id: '3123456789ab', name: 'cache', image: 'redis:7', state: 'restarting', health: 'none', restarts: 42, exitCode: 1 },
];

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sample = (containers: ContainerMetrics[]): Promise<void> => s.publish(HOST, 'metrics', { ...metricsPayload(10), containers } satisfies MetricsPayload);

  const open = async (width: number, locale = 'en-US'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 860 }, locale });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/host/${HOST}`);
    await page.getByTestId('containers').waitFor({ timeout: 10_000 });
    return page;
  };

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2 });
    await s.publish(HOST, 'status', { ...statusPayload(), interval: 60 });
    await s.publish(HOST, 'info', infoPayload(HOST));
    await sample(CONTAINERS);
    await waitFor('the host in the ingest', () => s.ingest.getHost(HOST)?.latest?.containers);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the table lists every container, problems first, with state colours, health, restarts, CPU, memory and rates', async () => {
    const page = await open(1280);
    const rows = page.locator('[data-testid=containers] tbody tr');
    assert.is(await rows.count(), 4);
    assert.equal(await rows.evaluateAll((trs) => trs.map((tr) => (tr as any).dataset.name)), ['db', 'worker-a.long_name-with-many-characters-to-wrap', 'cache', 'web']);
    const web = page.locator('tr[data-name=web]');
    const text = (await web.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /nginx:1\.25/);
    assert.match(text, /running/);
    assert.match(text, /healthy/);
    assert.match(text, /12\.5\s?%/);
    assert.match(text, /50(\.0)? MiB \/ 256(\.0)? MiB/);
    const colour = (name: string) => page.locator(`tr[data-name="${name}"] .dot`).evaluate((d) => (globalThis as any).getComputedStyle(d).backgroundColor);
    assert.is.not(await colour('web'), await colour('worker-a.long_name-with-many-characters-to-wrap'), 'running and exited differ in colour');
    assert.match(await page.locator('tr[data-name^=worker] ').innerText(), /exit code 137/);
    assert.is(await page.locator('tr[data-name=db] .ctr-health').evaluate((d) => (globalThis as any).getComputedStyle(d).fontWeight), '600', 'unhealthy stands out');
    assert.match(await page.getByTestId('containers-summary').innerText(), /2 running of 4/);
    await shot(page, 'containers-desktop.png');
  });

  test('live: the next sample over Socket.IO changes the rows without a reload', async () => {
    const page = await open(1280);
    await page.evaluate(() => { (globalThis as any).__marker = 1; });
    await sample([{ ...CONTAINERS[0]!, state: 'exited', exitCode: 2, cpu: undefined as any }, CONTAINERS[1]!]);
    await page.locator('tr[data-name=web][data-state=exited]').waitFor({ timeout: 10_000 });
    assert.is(await page.locator('[data-testid=containers] tbody tr').count(), 2);
    assert.is(await page.evaluate(() => (globalThis as any).__marker), 1, 'same page, not reloaded');
    await sample(CONTAINERS);
    await page.locator('tr[data-name=web][data-state=running]').waitFor({ timeout: 10_000 });
  });

  test('French, and usable at 390 px: the table scrolls inside its panel, the page does not', async () => {
    const page = await open(390, 'fr-FR');
    await page.evaluate(() => (globalThis as any).localStorage.setItem('vigie.lang', 'fr'));
    await page.reload();
    await page.getByTestId('containers').waitFor({ timeout: 10_000 });
    const head = await page.locator('[data-testid=containers] h3').innerText();
    if (head !== 'Conteneurs') {
      // The language switch lives in the header: use it as a person would.
      await page.locator('[data-testid=lang-switch], select[name=lang]').first().selectOption('fr').catch(() => undefined);
    }
    await waitFor('French headings', async () => (await page.locator('[data-testid=containers] h3').innerText()) === 'Conteneurs', 10_000);
    assert.match(await page.locator('tr[data-name=web]').innerText(), /en marche/);
    assert.match(await page.locator('tr[data-name=db]').innerText(), /en mauvaise santé/);
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow} px`);
    await shot(page, 'containers-390-fr.png');
    await page.getByTestId('containers').screenshot({ path: new URL('containers-390-fr-panel.png', SHOTS).pathname });
  });
  test('English at 390 px, French on a desktop; the container rule in the alert defaults, both languages', async () => {
    const phone = await open(390);
    assert.is(await phone.locator('[data-testid=containers] h3').innerText(), 'Containers');
    await shot(phone, 'containers-390-en.png');
    const desk = await open(1280, 'fr-FR');
    await desk.evaluate(() => (globalThis as any).localStorage.setItem('vigie.lang', 'fr'));
    await desk.reload();
    await waitFor('French headings', async () => (await desk.locator('[data-testid=containers] h3').innerText()) === 'Conteneurs', 10_000);
    await shot(desk, 'containers-desktop-fr.png');
    for (const [page, label, file] of [[phone, 'Restarts that make a loop', 'containers-rule-390-en.png'], [desk, 'Redémarrages qui font une boucle', 'containers-rule-desktop-fr.png']] as const) {
      await page.goto(`${s.url}/#/admin/alert-defaults`);
      const group = page.locator('fieldset[data-rule=containers]');
      await group.waitFor({ timeout: 10_000 });
      assert.match(await group.innerText(), new RegExp(label));
      assert.is(await group.locator('input[type=number], input[inputmode]').count(), 3, 'for, restarts, within');
      await group.scrollIntoViewIfNeeded();
      await group.screenshot({ path: new URL(file, SHOTS).pathname });
    }
  });
}

test.run();
