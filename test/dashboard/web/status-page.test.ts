import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { buildWeb } from '../../../dashboard/web/build.js';
import { encodePayload } from '../../../protocol/payloads.js';
import type { CheckResultPayload } from '../../../protocol/schemas/check.js';
import { createTopics } from '../../../protocol/topics.js';
import { DAY_MS, HOUR_MS } from '../../../core/time.js';
import { waitFor } from '../../helpers/env.js';
import { CPU, HOST, HOST_IP, HOST_LABEL, startStatusFixture, type StatusFixture } from '../../status-page/fixture.js';
import { statusPayload } from '../stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';

/**
 * The public status page (issue 12, item 7) in headless Chromium WITHOUT a
 * session, on the real `vigie up` wiring: a check of the group with results
 * published by its runner over MQTT (some days down), a host with a known
 * address and metrics, a maintenance window and notes. The page shows the
 * chosen check and host with their state and 90 bars, and none of the
 * secrets (address, target, metric values, user names) unless targets are
 * chosen; French by ?lang=fr at phone width. Then the admin view.
 */

const TARGET = 'https://moodle.lab.internal/login';
const LATENCY = 0.4321;
const MESSAGE = `refused by ${HOST_IP}`;

if (haveChromium()) {
  let f: StatusFixture;
  let browser: Browser;
  let pageId: number;
  const contexts: BrowserContext[] = [];

  const newPage = async (locale: string, width = 1280, height = 900): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height }, locale });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    (page as Page & { problems: string[] }).problems = problems;
    return page;
  };
  const problemsOf = (page: Page): string[] => (page as Page & { problems: string[] }).problems;

  /** A result as web-1's agent would publish it, at `ts`. */
  const sendResult = (agent: MqttClient, prefix: string, state: 'up' | 'down', ts: number): Promise<void> => {
    const payload: CheckResultPayload = { v: 1, ts, kind: 'http', state, latency: state === 'up' ? LATENCY : null, message: state === 'up' ? '200 OK' : MESSAGE, status: state === 'up' ? 200 : 503 };
    return new Promise((resolve, reject) => {
      agent.publish(createTopics(prefix).checkResult(HOST, 'moodle'), encodePayload('checkResult', payload), { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve()));
    });
  };

  test.before(async () => {
    try { await setup(); } catch (error) { console.error('setup failed', error); throw error; }
  });

  const setup = async (): Promise<void> => {
    await buildWeb();
    // Raw samples kept 10 days: the runner's results of the last days are accepted.
    f = await startStatusFixture({ 'ingest.retention.raw': String(10 * 86_400) });
    const now = Date.now();
    await f.admin.send('POST', '/api/checks', { id: 'moodle', kind: 'http', target: TARGET, name: 'Moodle', groupId: f.groupId, runners: [HOST] }).then((a) => a.data);
    // History from the runner: up 5 and 4 days ago, down 3 days ago, up since.
    const prefix = f.up.config.mqtt.prefix;
    for (const [days, state] of [[5, 'up'], [4, 'up'], [3, 'down'], [2, 'up'], [1, 'up']] as const) await sendResult(f.agent, prefix, state, now - days * DAY_MS);
    await sendResult(f.agent, prefix, 'up', now);
    await waitFor('the latest result in the ingest', () => f.up.stack.ingest!.checks?.latest('moodle').find((r) => r.result.ts === now));
    await waitFor('results stored (daily bars)', async () => {
      const bars = await f.up.stack.ingest!.checks!.daily({ check: 'moodle', runners: [HOST], days: 90 });
      return bars.filter((b) => b.percent !== null).length >= 4;
    }, 15_000);
    await f.admin.send('POST', '/api/maintenance', { name: 'Router upgrade', scope: { kind: 'group', groupId: f.groupId }, schedule: { kind: 'once', start: now + 2 * HOUR_MS, end: now + 3 * HOUR_MS } }).then((a) => a.data);
    const created = await f.admin.send<{ id: number }>('POST', '/api/status-pages', { groupId: f.groupId, slug: 'lab', title: 'Lab services', description: 'Services of the computer lab', hosts: [HOST], checks: ['moodle'], enabled: true });
    pageId = created.data.id;
    await f.operator.send('POST', `/api/status-pages/${pageId}/incidents`, { title: 'Moodle was slow', body: 'The database was restarted.\nAll good now.', state: 'resolved' }).then((a) => a.data);
    await f.operator.send('POST', `/api/status-pages/${pageId}/incidents`, { title: 'Wi-Fi in room B12', body: 'Some laptops cannot connect; we are on it.', state: 'identified' }).then((a) => a.data);
    browser = await launchChromium();
  };

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await f?.close();
  });

  const secrets = (): string[] => [HOST_IP, HOST, String(CPU), String(LATENCY), MESSAGE, 'moodle.lab.internal', 'olga', 'oscar', 'victor', 'admin', '"id"'];

  test('without a session: the check and the host with their state, 90 bars, maintenance, notes; no internal detail', async () => {
    const page = await newPage('en-GB');
    const res = await page.goto(`${f.url}/status/lab`);
    assert.is(res?.status(), 200);
    assert.is(res?.headers()['cache-control'], 'public, max-age=30');
    await page.locator('.sp-check').waitFor();
    assert.is(await page.locator('h1').textContent(), 'Lab services');
    assert.is((await page.locator('#overall').textContent())?.trim(), 'All systems operational');
    const check = page.locator('.sp-check');
    assert.is(await check.count(), 1);
    assert.is(await check.getAttribute('data-state'), 'up');
    assert.is(await check.locator('.sp-name').textContent(), 'Moodle');
    assert.is(await check.locator('.sp-state').textContent(), 'Up');
    assert.is(await check.locator('.sp-bar').count(), 90);
    assert.is(await check.locator('.sp-bar-down').count(), 1, 'the day it was down');
    assert.ok((await check.locator('.sp-bar-up').count()) >= 4);
    assert.ok((await check.locator('.sp-bar-none').count()) >= 80, 'days without data show as such');
    assert.match((await check.locator('.sp-bar').first().getAttribute('title')) ?? '', /no data/);
    assert.match((await check.locator('.sp-avail').textContent()) ?? '', /% available over 90 days/);
    const host = page.locator('.sp-host');
    assert.is(await host.locator('.sp-name').textContent(), HOST_LABEL);
    assert.is(await host.locator('.sp-state').textContent(), 'Online');
    assert.match((await page.locator('.sp-maintenance').textContent()) ?? '', /Router upgrade/);
    assert.match((await page.locator('.sp-open').textContent()) ?? '', /Wi-Fi in room B12/);
    assert.match((await page.locator('.sp-past').textContent()) ?? '', /Moodle was slow/);
    // The stylesheet applied (CSP allows it; no inline style needed).
    const overallBg = await page.locator('#overall').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    assert.is(overallBg, 'rgb(46, 157, 87)');
    assert.equal(problemsOf(page), [], 'no console errors (CSP refusals would show here)');
    await shot(page, 'status-page-desktop-en.png');

    const html = await page.content();
    const json = await (await fetch(`${f.url}/status/lab.json`)).text();
    for (const secret of secrets()) {
      assert.not.ok(html.includes(secret), `the page leaks ${secret}`);
      assert.not.ok(json.includes(secret), `the JSON leaks ${secret}`);
    }
    const twin = JSON.parse(json) as { data: { checks: Array<{ name: string; state: string; days: unknown[]; availability90: number | null }>; hosts: Array<{ label: string; state: string }>; maintenance: Array<{ name: string; active: boolean }> } };
    assert.is(twin.data.checks[0]?.name, 'Moodle');
    assert.is(twin.data.checks[0]?.state, 'up');
    assert.is(twin.data.checks[0]?.days.length, 90);
    assert.ok(twin.data.checks[0]!.availability90! > 50 && twin.data.checks[0]!.availability90! < 100, `90-day % ${twin.data.checks[0]?.availability90}`);
    assert.equal(twin.data.hosts, [{ label: HOST_LABEL, state: 'online', stateText: 'Online' }]);
    assert.equal(twin.data.maintenance.map((m) => [m.name, m.active]), [['Router upgrade', false]]);
  });

  test('in French by ?lang=fr, at phone width', async () => {
    const page = await newPage('en-GB', 390, 844);
    await page.goto(`${f.url}/status/lab?lang=fr`);
    await page.locator('.sp-check').waitFor();
    assert.is(await page.locator('html').getAttribute('lang'), 'fr');
    assert.is((await page.locator('#overall').textContent())?.trim(), 'Tous les systèmes fonctionnent');
    assert.is(await page.locator('.sp-check .sp-state').textContent(), 'Disponible');
    assert.is(await page.locator('.sp-host .sp-state').textContent(), 'En ligne');
    assert.match((await page.locator('.sp-avail').textContent()) ?? '', /de disponibilité sur 90 jours/);
    assert.is(await page.locator('.sp-check .sp-bar').count(), 90);
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scroll on a phone (${width}px)`);
    await shot(page, 'status-page-phone-fr.png');
  });

  test('targets show only when chosen; the runner going down turns the page to an outage', async () => {
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { showTargets: true }).then((a) => a.data);
    let json = await (await fetch(`${f.url}/status/lab.json`)).text();
    assert.ok(json.includes(TARGET), 'the target, once chosen');
    assert.not.ok(json.includes(HOST_IP), 'still no host address');
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { showTargets: false }).then((a) => a.data);

    await sendResult(f.agent, f.up.config.mqtt.prefix, 'down', Date.now());
    await waitFor('the down result in the ingest', () => f.up.stack.ingest!.checks?.latest('moodle').find((r) => r.result.state === 'down'));
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { title: 'Lab services' }).then((a) => a.data); // drops the cache
    json = await (await fetch(`${f.url}/status/lab.json`)).text();
    const data = (JSON.parse(json) as { data: { overall: string; checks: Array<{ state: string }> } }).data;
    assert.is(data.checks[0]?.state, 'down');
    assert.is(data.overall, 'partial', 'one of two parts down');
    assert.not.ok(json.includes(MESSAGE), 'the failure message stays internal');

    // The host's agent stops too: everything shown is down.
    await f.publish('status', statusPayload('offline'));
    await waitFor('web-1 offline', () => f.up.stack.ingest!.listHosts().find((h) => h.id === HOST && h.presence === 'offline'));
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { title: 'Lab services' }).then((a) => a.data);
    const page = await newPage('en-GB');
    await page.goto(`${f.url}/status/lab`);
    assert.is((await page.locator('#overall').textContent())?.trim(), 'Major outage');
    assert.is(await page.locator('.sp-host .sp-state').textContent(), 'Offline');
    assert.is(await page.locator('.sp-check').getAttribute('data-state'), 'down');
  });

  test('a page turned off is the same 404 as an unknown one, in the browser too', async () => {
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { enabled: false }).then((a) => a.data);
    const page = await newPage('fr-FR');
    const off = await page.goto(`${f.url}/status/lab`);
    assert.is(off?.status(), 404);
    const offText = await page.locator('body').textContent();
    assert.match(offText ?? '', /Cette page d’état n’existe pas/);
    const unknown = await page.goto(`${f.url}/status/nothing-here`);
    assert.is(unknown?.status(), 404);
    assert.is(await page.locator('body').textContent(), offText);
    await f.admin.send('PATCH', `/api/status-pages/${pageId}`, { enabled: true }).then((a) => a.data);
  });

  test('the admin view lists the page with its link; an operator adds and resolves a note there', async () => {
    const page = await newPage('en-GB');
    await signInThroughForm(page, f.url, 'admin', 'admin-password-1');
    await page.goto(`${f.url}/#/admin/status-pages`);
    const row = page.locator('[data-testid=sp-row][data-slug=lab]');
    await row.waitFor();
    assert.match((await row.locator('[data-testid=sp-link]').textContent()) ?? '', /\/status\/lab$/);
    await row.getByTestId('sp-edit').click();
    await row.getByTestId('sp-edit-form').waitFor();
    assert.ok(await row.locator('[data-testid=sp-edit-checks] input[value=moodle]').isChecked());
    assert.ok(await row.locator(`[data-testid=sp-edit-hosts] input[value="${HOST}"]`).isChecked());
    await shot(page, 'status-admin-desktop-en.png');

    const op = await newPage('fr-FR', 390, 844);
    await signInThroughForm(op, f.url, 'olga', 'olga-password-1');
    await op.goto(`${f.url}/#/admin/status-pages`);
    const opRow = op.locator('[data-testid=sp-row][data-slug=lab]');
    await opRow.waitFor();
    assert.is(await opRow.getByTestId('sp-edit').count(), 0, 'operators do not edit the page');
    await opRow.getByTestId('sp-open-notes').click();
    await opRow.getByTestId('sp-note-title').fill('Printer offline');
    await opRow.getByTestId('sp-note-body').fill('Room A2');
    await opRow.getByTestId('sp-note-add').click();
    await opRow.locator('[data-testid=sp-note]', { hasText: 'Printer offline' }).waitFor();
    await opRow.locator('[data-testid=sp-note]', { hasText: 'Printer offline' }).getByTestId('sp-note-state').selectOption('resolved');
    await opRow.locator('[data-testid=sp-note][data-state=resolved]', { hasText: 'Printer offline' }).waitFor();
    await shot(op, 'status-notes-phone-fr.png');
    const notes = (await f.admin.get<{ incidents: Array<{ title: string; state: string }> }>(`/api/status-pages/${pageId}`)).data.incidents;
    assert.equal(notes.find((n) => n.title === 'Printer offline')?.state, 'resolved');
  });

  test.run();
}
