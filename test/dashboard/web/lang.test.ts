import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { waitFor } from '../../helpers/env.js';
import { startRecorder, type Recorder } from '../../notify/helpers.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/**
 * Issue 11 item 7 in headless Chromium against the real stack: a French
 * viewer reads an alert raised during the test in French (title, detail,
 * advice, on the alerts page and the host page), its resolved row's "for X"
 * agrees with its "Lasted X"; the event log is in French and pages through
 * more than one page with Older / Newer; a channel's test shows as its last
 * delivery at once; the channel form sets the messages' language.
 */

const ADMIN = { name: 'admin', password: 'admin-password-1' };
const HOST = 'web-1';

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  let hook: Recorder;
  const contexts: BrowserContext[] = [];

  const newPage = async (locale: string, width = 1366, height = 800): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height }, locale });
    contexts.push(context);
    return context.newPage();
  };
  const sample = (cpu: number): Promise<void> => s.publish(HOST, 'metrics', metricsPayload(cpu));
  const firing = () => s.alerts.firing().find((a) => a.host === HOST && a.rule === 'cpu');

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2 });
    hook = await startRecorder();
    await s.admin.send('PUT', '/api/alert-settings', { defaults: { cpu: { for: 0 } }, hosts: {} });
    // A 60 s interval: the host samples only when the test says so, and does not go stale meanwhile.
    await s.publish(HOST, 'status', { ...statusPayload(), interval: 60 });
    await s.publish(HOST, 'info', infoPayload(HOST));
    await sample(10);
    await waitFor('the host in the ingest', () => s.ingest.getHost(HOST)?.latest);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
    await hook?.close();
  });

  test('a French viewer reads an alert raised now in French, live, and its resolved row agrees with itself', async () => {
    const page = await newPage('fr-FR');
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/alerts`);
    await page.getByTestId('alerts-firing').waitFor({ state: 'attached', timeout: 10_000 });
    await sample(97);
    await waitFor('the cpu alert fires', () => firing());
    const row = page.locator(`[data-testid=alert-row][data-rule="cpu"][data-host="${HOST}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.is(await row.getByTestId('alert-title').innerText(), 'Processeur à 97 % sur web-1');
    // Counts agree in number (the language's plural rules): "1 critique", never "1 critique(s)".
    const bannerText = page.getByTestId('alerts-banner').locator('.banner-text');
    await bannerText.filter({ hasText: 'critique' }).waitFor({ timeout: 10_000 });
    assert.is(await bannerText.innerText(), 'Alertes en cours : 1 critique.');
    assert.is(await page.getByTestId('nav-alert-count').getAttribute('aria-label'), '1 alerte en cours: 1 critique');
    assert.match(await row.getByTestId('alert-detail').innerText(), /^Au-dessus du seuil critique de 95 % depuis \d+ s\.$/);
    await row.locator('summary').click();
    assert.match(await row.getByTestId('alert-advice').innerText(), /^Regardez les processus qui utilisent le plus le processeur/);
    await page.setViewportSize({ width: 1366, height: 800 });
    await shot(page, 'lang-alerts-fr-1366.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'lang-alerts-fr-390.png');

    // The host page reads the app's alert feed: French there too (REST and socket in the viewer's language).
    await page.goto(`${s.url}/#/host/${HOST}`);
    await page.getByText('Processeur à 97 % sur web-1').first().waitFor({ timeout: 10_000 });
    assert.is(await page.getByText('CPU at 97 % on web-1').count(), 0);

    // Switching to English re-renders the words at once, and the feed follows.
    await page.goto(`${s.url}/#/alerts`);
    await page.locator('select').filter({ has: page.locator('option[value=en]') }).first().selectOption('en');
    await row.getByTestId('alert-title').filter({ hasText: 'CPU at 97 % on web-1' }).waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('nav-alert-count').getAttribute('aria-label'), '1 alert firing: 1 critical');
    await page.goto(`${s.url}/#/host/${HOST}`);
    await page.getByText('CPU at 97 % on web-1').first().waitFor({ timeout: 10_000 });
    await page.locator('select').filter({ has: page.locator('option[value=fr]') }).first().selectOption('fr');
    await page.getByText('Processeur à 97 % sur web-1').first().waitFor({ timeout: 10_000 });

    await page.goto(`${s.url}/#/alerts`);
    await sample(10);
    await waitFor('the cpu alert resolves', () => !firing());
    const past = page.getByTestId('alerts-past').locator('[data-testid=alert-row][data-rule="cpu"][data-state="resolved"]');
    await past.waitFor({ timeout: 10_000 });
    const lasted = /^A duré (.+), résolue le /.exec(await past.getByTestId('alert-duration').innerText());
    assert.ok(lasted, 'the lasted line');
    const detail = await past.getByTestId('alert-detail').innerText();
    assert.is(detail, `Au-dessus du seuil critique de 95 % pendant ${lasted![1]}.`, 'the "for X" is the time it lasted');
    assert.match(await past.getByTestId('alert-title').innerText(), /^Résolue : Processeur à \d+ % sur web-1$/);
  });

  test('the event log in French, paged through with Older and Newer, filters kept', async () => {
    for (let i = 0; i < 120; i++) s.events.append({ type: 'host.online', host: `h-${String(i).padStart(3, '0')}`, message: `h-${i} is back online`, data: { reason: 'connected' } });
    const page = await newPage('fr-FR');
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/admin/events`);
    const rows = page.getByTestId('event-row');
    await rows.first().waitFor({ timeout: 10_000 });
    assert.is(await rows.count(), 50, 'a page of 50 by default');
    assert.is(await rows.filter({ hasText: 'h-119 est de nouveau en ligne' }).count(), 1, 'event lines in French');
    await page.locator('[data-testid=events-older]:not([disabled])').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('events-newer').isDisabled(), 'nothing newer than the first page');
    const ids = async (): Promise<string[]> => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''));
    const first = await ids();
    await page.getByTestId('events-older').click();
    await page.getByTestId('events-position').filter({ hasText: 'Page 2' }).waitFor({ timeout: 10_000 });
    const second = await ids();
    assert.is(second.length, 50);
    assert.ok(Number(second[0]) < Number(first.at(-1)), 'older rows, none repeated');
    await page.getByTestId('events-older').click();
    await page.getByTestId('events-position').filter({ hasText: 'Page 3' }).waitFor({ timeout: 10_000 });
    // The last page: 120 host lines and the stack's own events make three; nothing older.
    await page.locator('[data-testid=events-newer]:not([disabled])').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('events-older').isDisabled(), 'the oldest page has no Older');
    await page.getByTestId('events-newer').click();
    await page.getByTestId('events-position').filter({ hasText: 'Page 2' }).waitFor({ timeout: 10_000 });
    assert.equal(await ids(), second, 'Newer brings back the same page');

    // A category filter holds while paging: alert lines only, in French.
    await page.getByTestId('events-category').selectOption('alert');
    await page.getByTestId('events-position').filter({ hasText: 'Page 1' }).waitFor({ timeout: 10_000 });
    await rows.filter({ hasText: 'Processeur à 97 % sur web-1' }).first().waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=events-newer][disabled]').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('events-older').isDisabled(), 'a few alert lines: one page');
    assert.ok((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-type') ?? ''))).every((type) => type.startsWith('alert.')));
    await page.getByTestId('events-category').selectOption('');
    await page.getByTestId('events-position').filter({ hasText: 'Page 1' }).waitFor({ timeout: 10_000 });
    await shot(page, 'lang-events-fr-1366.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'lang-events-fr-390.png');
  });

  test('a channel test shows as its last delivery at once; the form sets the language of its messages', async () => {
    const created = await s.admin.send<{ id: number }>('POST', '/api/channels', { type: 'webhook', name: 'Équipe', url: `${hook.base}/hook` });
    const page = await newPage('fr-FR');
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/admin/channels`);
    const row = page.locator('[data-testid=channel-row][data-channel="Équipe"]');
    await row.waitFor({ timeout: 10_000 });
    assert.is(await row.getByTestId('channel-last').innerText(), 'Rien envoyé pour l’instant');
    await row.getByTestId('channel-test').click();
    await row.locator('[data-testid=channel-last][data-test=yes][data-ok=yes]').waitFor({ timeout: 10_000 });
    assert.match(await row.getByTestId('channel-last').innerText(), /^Test remis · /);
    assert.is(hook.requests.length, 1);

    await row.getByTestId('channel-edit').click();
    await page.getByTestId('channel-language').selectOption('fr');
    await page.getByTestId('channel-save').click();
    await page.getByTestId('channel-form').waitFor({ state: 'detached', timeout: 10_000 });
    const saved = (await s.admin.get<Array<{ id: number; language: string }>>('/api/channels')).data.find((c) => c.id === created.data.id);
    assert.is(saved?.language, 'fr');
    await shot(page, 'lang-channels-fr-1366.png');
    await row.getByTestId('channel-edit').click();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'lang-channels-form-fr-390.png');
  });

  test.run();
}
