import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * Issue 4's browser side against the real stack in headless Chromium: a
 * host's alert settings saved from its page, a CPU alert appearing live in
 * the banner, on the card and on the alerts page, acknowledged, then
 * resolving live into the past; a maintenance window planned from its form;
 * a viewer reading settings without controls.
 */

const ADMIN = { name: 'admin', password: 'admin-password-1' };
const HOST = 'web-1';

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = async (width = 1280): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height: 860 }, locale: 'en-US' });
    contexts.push(context);
    return context.newPage();
  };

  const sample = (cpu: number): Promise<void> => s.publish(HOST, 'metrics', metricsPayload(cpu));

  const firingOf = (rule: string): { id: number; state: string; severity: string } | undefined =>
    s.alerts.firing().find((a) => a.host === HOST && a.rule === rule);

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2 });
    // A 60 s interval: the host samples only when a test says so, and must not go stale (offline alert) meanwhile,
    // however slow a busy machine makes the browser tests.
    await s.publish(HOST, 'status', { ...statusPayload(), interval: 60 });
    await s.publish(HOST, 'info', infoPayload(HOST));
    await s.publish(HOST, 'services', {
      v: 1, ts: Date.now(),
      services: [
        { name: 'nginx.service', state: 'running', enabled: true },
        { name: 'ssh.service', state: 'running', enabled: true },
        { name: 'cron.service', state: 'running', enabled: true },
      ],
    });
    await sample(10);
    await waitFor('the host in the ingest', () => s.ingest.getHost(HOST)?.latest && s.ingest.getHost(HOST)?.services);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the host alert settings page saves only what differs from the defaults', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/host/${HOST}`);
    await page.getByTestId('host-alert-settings').click();
    await page.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('rule-cpu-warning').inputValue(), '85', 'the default shows before any override');

    await page.getByTestId('rule-cpu-warning').fill('60');
    await page.getByTestId('rule-cpu-for').fill('0');
    await page.getByTestId('rule-swap-enabled').uncheck();
    await page.getByTestId('services-search').fill('ngi');
    assert.is(await page.getByTestId('service-watch').count(), 1, 'the search leaves one service');
    await page.locator('[data-testid=service-watch][data-service="nginx.service"]').check();
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    const saved = (await s.admin.get<{ override: Record<string, Record<string, unknown>> }>(`/api/hosts/${HOST}/alert-settings`)).data.override;
    assert.equal(saved, { cpu: { warning: 60, for: 0 }, swap: { enabled: false }, services: { watch: ['nginx.service'] } });

    // A wrong value is marked on its field, and the line says which in words (issue 11), not as a JSON path.
    await page.getByTestId('rule-cpu-critical').fill('50');
    await page.getByTestId('rules-save').click();
    const error = page.getByTestId('rules-error');
    await error.filter({ hasText: 'Not saved' }).waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('rule-cpu-warning').getAttribute('aria-invalid'), 'true');
    assert.not.match(await error.innerText(), /hosts\.web-1\.cpu/);
    // "Use default" puts the default back, and the field leaves the override.
    await page.getByTestId('rule-cpu-critical-default').click();
    assert.is(await page.getByTestId('rule-cpu-critical').inputValue(), '95');
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    await shot(page, 'alerts-host-settings.png');
  });

  test('a firing alert appears live in the banner, on the card and on the alerts page, then resolves into the past', async () => {
    const overview = await newPage();
    await signInThroughForm(overview, s.url, ADMIN.name, ADMIN.password);
    await overview.locator(`.card[data-host="${HOST}"]`).waitFor({ timeout: 10_000 });
    assert.ok(await overview.getByTestId('alerts-banner').isHidden(), 'no banner while nothing fires');

    const page = await newPage(375);
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/alerts`);
    // Attached, not visible: with nothing firing the list is empty.
    await page.getByTestId('alerts-firing').waitFor({ state: 'attached', timeout: 10_000 });

    await sample(97);
    await waitFor('the cpu alert fires', () => firingOf('cpu'));
    const row = page.locator(`[data-testid=alert-row][data-rule="cpu"][data-host="${HOST}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.is(await row.getAttribute('data-state'), 'firing');
    assert.match(await row.innerText(), /97/, 'the value is shown');
    await overview.waitForFunction((host) => (globalThis as any).document.querySelector(`.card[data-host="${host}"]`)?.dataset.alert === 'critical', HOST, { timeout: 10_000 });
    await overview.getByTestId('alerts-banner').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await overview.getByTestId('alerts-banner').innerText(), /1 critical/);
    const width = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no sideways scroll at 375 px (got ${width})`);
    await shot(page, 'alerts-firing-375.png');

    // A notification's link (#/alerts/<id>) opens the page on that alert, its advice shown.
    const id = firingOf('cpu')!.id;
    const linked = await newPage();
    await signInThroughForm(linked, s.url, ADMIN.name, ADMIN.password);
    await linked.goto(`${s.url}/#/alerts/${id}`);
    const focused = linked.locator(`[data-testid=alert-row][data-alert-id="${id}"].focused`);
    await focused.waitFor({ timeout: 10_000 });
    assert.ok(await focused.locator('details').evaluate((d) => (d as unknown as { open: boolean }).open), 'its advice is open');
    await linked.close();

    // Acknowledge with a comment: the row moves to the acknowledged list.
    await row.getByTestId('alert-ack').click();
    await row.getByTestId('alert-ack-comment').fill('looking at the runaway job');
    await row.getByTestId('alert-ack-save').click();
    const acked = page.getByTestId('alerts-acked').locator('[data-testid=alert-row][data-rule="cpu"]');
    await acked.filter({ hasText: 'looking at the runaway job' }).waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('alerts-firing').locator('[data-testid=alert-row]').count(), 0);
    assert.ok(s.alerts.firing().find((a) => a.rule === 'cpu')?.ack, 'the server recorded the acknowledgement');

    // Silence from the row: the server answers with the silence shown in place.
    await acked.getByTestId('alert-silence').locator('[data-minutes="60"]').click();
    await acked.getByTestId('alert-silenced').waitFor({ timeout: 10_000 });

    await sample(10);
    await waitFor('the cpu alert resolves', () => !firingOf('cpu'));
    await page.getByTestId('alerts-past').locator('[data-testid=alert-row][data-rule="cpu"][data-state="resolved"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('alerts-acked').locator('[data-testid=alert-row]').waitFor({ state: 'detached', timeout: 10_000 });
    await overview.getByTestId('alerts-banner').waitFor({ state: 'hidden', timeout: 10_000 });
    assert.is(await overview.locator(`.card[data-host="${HOST}"]`).getAttribute('data-alert'), null, 'the card is back to normal');
  });

  test('an acknowledgement being written, and the mark of a linked alert, survive its row being rebuilt when the alert changes', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await sample(70); // above this host's warning (60), below critical (95)
    await waitFor('the cpu alert fires', () => firingOf('cpu'));
    await page.goto(`${s.url}/#/alerts/${firingOf('cpu')!.id}`); // as from a notification's link
    const row = page.getByTestId('alerts-firing').locator(`[data-testid=alert-row][data-rule="cpu"][data-host="${HOST}"]`);
    await row.and(page.locator('[data-severity=warning]')).waitFor({ timeout: 10_000 });
    await row.getByTestId('alert-ack').click();
    await row.getByTestId('alert-ack-comment').pressSequentially('restarting', { delay: 5 });
    // Another host's alert fires while the comment is written: the list is laid out again, this row is
    // not rebuilt, and it must not be moved either (moving a node blurs its field: the next keys were lost).
    const OTHER = 'web-2';
    await s.publish(OTHER, 'status', { ...statusPayload(), interval: 60 });
    await s.publish(OTHER, 'metrics', metricsPayload(10));
    await waitFor('the other host in the ingest', () => s.ingest.getHost(OTHER)?.latest);
    assert.is((await s.admin.send('PUT', `/api/hosts/${OTHER}/alert-settings`, { cpu: { for: 0 } })).status, 200);
    await s.publish(OTHER, 'metrics', metricsPayload(99));
    await page.getByTestId('alerts-firing').locator(`[data-testid=alert-row][data-host="${OTHER}"]`).waitFor({ timeout: 10_000 });
    assert.ok(await row.getByTestId('alert-ack-comment').evaluate((el: any) => el === (globalThis as any).document.activeElement), 'the comment keeps the focus');
    await page.keyboard.type(' the', { delay: 5 });
    await shot(page, 'alerts-ack-typing-1280.png');
    // Mark this row element: a rebuilt row is a new element without the mark.
    await row.evaluate((el: any) => { el.dataset.before = 'yes'; });

    await sample(97); // escalates to critical: the row is rebuilt with the new severity
    await row.and(page.locator('[data-severity=critical]')).waitFor({ timeout: 10_000 });
    assert.is(await row.getAttribute('data-before'), null, 'the row was rebuilt');
    assert.ok(await row.evaluate((el: any) => el.classList.contains('focused')), 'the linked alert is still marked');
    const comment = row.getByTestId('alert-ack-comment');
    assert.is(await comment.inputValue(), 'restarting the', 'the text written so far is kept');
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.dataset.testid === 'alert-ack-comment', null, { timeout: 5_000 });
    await page.keyboard.type(' job');
    assert.is(await comment.inputValue(), 'restarting the job', 'typing goes on where it was');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'alerts-ack-typing-390.png');

    await sample(10);
    await s.publish(OTHER, 'metrics', metricsPayload(10));
    await waitFor('the cpu alerts resolve', () => !firingOf('cpu') && !s.alerts.firing().some((a) => a.host === OTHER));
  });

  test('a maintenance window planned from the form is listed as active and marks the card', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/maintenance`);
    await page.getByTestId('maintenance-form').waitFor({ timeout: 10_000 });
    const local = (ms: number): string => {
      const d = new Date(ms);
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    };
    await page.getByTestId('maintenance-name').fill('Kernel update');
    await page.getByTestId('maintenance-scope').selectOption('host');
    await page.getByTestId('maintenance-host').selectOption(HOST);
    await page.getByTestId('maintenance-kind').selectOption('once');
    await page.getByTestId('maintenance-start').fill(local(Date.now() - 3_600_000));
    await page.getByTestId('maintenance-end').fill(local(Date.now() + 3_600_000));
    await page.getByTestId('maintenance-save').click();
    const row = page.locator('[data-testid=maintenance-row]').filter({ hasText: 'Kernel update' });
    await row.waitFor({ timeout: 10_000 });
    assert.is(await row.getAttribute('data-active'), 'yes');
    const stored = s.alerts.maintenance();
    assert.is(stored.length, 1);
    assert.equal(stored[0]?.scope, { kind: 'host', host: HOST });

    await page.goto(`${s.url}/#/`);
    await page.locator(`.card[data-host="${HOST}"][data-maintenance]`).waitFor({ timeout: 10_000 });

    // Weekly: days, a time and a duration, shown in words.
    await page.goto(`${s.url}/#/maintenance`);
    await page.getByTestId('maintenance-form').waitFor({ timeout: 10_000 });
    await page.getByTestId('maintenance-name').fill('Backups');
    await page.getByTestId('maintenance-scope').selectOption('all');
    await page.getByTestId('maintenance-kind').selectOption('weekly');
    await page.locator('[data-testid=maintenance-day][data-day="0"]').check();
    await page.getByTestId('maintenance-time').fill('03:00');
    await page.getByTestId('maintenance-zone').fill('Europe/Paris');
    await page.getByTestId('maintenance-duration').fill('90');
    await page.getByTestId('maintenance-save').click();
    const weekly = page.locator('[data-testid=maintenance-row]').filter({ hasText: 'Backups' });
    await weekly.waitFor({ timeout: 10_000 });
    assert.match(await weekly.innerText(), /Every Sun at 03:00 \(Europe\/Paris\) for 1 h 30 min/);
    assert.equal(s.alerts.maintenance().find((w) => w.name === 'Backups')?.schedule, { kind: 'weekly', days: [0], start: '03:00', durationMinutes: 90, timeZone: 'Europe/Paris' });
    await shot(page, 'alerts-maintenance.png');
  });

  test('a viewer reads the alert settings without controls and gets no maintenance form', async () => {
    const viewer = await addUser(s.dataDir, 'viewer1', 'viewer');
    (await s.admin.send('PUT', `/api/hosts/${HOST}/access`, { owner: viewer.id, groups: [] })).data;
    const page = await newPage();
    await signInThroughForm(page, s.url, viewer.name, viewer.password);
    await page.goto(`${s.url}/#/host/${HOST}/alerts`);
    await page.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('rule-cpu-warning').isDisabled());
    assert.is(await page.getByTestId('rules-save').count(), 0);
    assert.is(await page.getByTestId('rule-cpu-warning').inputValue(), '60', 'the host’s own level');
    await page.goto(`${s.url}/#/maintenance`);
    await page.locator('[data-testid=maintenance-row]').first().waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('maintenance-form').count(), 0);
    assert.is(await page.getByTestId('maintenance-delete').count(), 0);
  });

  test.run();
}
