import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/**
 * Issue 14's alert side in headless Chromium against the real stack: a
 * failed watched service shows "Suggested fix: restart nginx.service" with a
 * Run button that opens the run dialog (operators and admins; a viewer reads
 * the suggestion only), and a host's alert settings set the rule's
 * automatic action opt-in, saved in its override.
 */

const ADMIN = { name: 'admin', password: 'admin-password-1' };
const VIEWER = { name: 'vera', password: 'vera-password-1' };
const HOST = 'web-1';

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = async (lang = 'en-US'): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: lang });
    contexts.push(context);
    return context.newPage();
  };

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2 });
    const viewer = await addUser(s.dataDir, VIEWER.name, 'viewer');
    (await s.admin.send('PUT', `/api/hosts/${HOST}/access`, { owner: viewer.id, groups: [] })).data;
    const put = await s.admin.send('PUT', '/api/alert-settings', {
      defaults: { services: { watch: ['nginx.service'], action: { script: 'vigie.service-restart', auto: true } } },
      hosts: {},
    });
    assert.is(put.status, 200, JSON.stringify(put.body));
    // A 60 s interval: the host must not go stale (offline alert) however slow the browser tests are.
    await s.publish(HOST, 'status', { ...statusPayload(), interval: 60 });
    await s.publish(HOST, 'info', infoPayload(HOST));
    await s.publish(HOST, 'metrics', metricsPayload(10));
    await s.publish(HOST, 'services', { v: 1, ts: Date.now(), services: [{ name: 'nginx.service', state: 'failed', enabled: true }] });
    await waitFor('the service alert', () => s.alerts.firing().find((a) => a.host === HOST && a.rule === 'service:nginx.service'));
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('an alert shows its suggested fix; Run opens the run dialog with its script and arguments', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/alerts`);
    const fix = page.locator('[data-testid=alert-row][data-rule="service:nginx.service"] [data-testid=alert-fix]');
    await fix.waitFor({ timeout: 15_000 });
    assert.is((await fix.textContent())?.includes('Suggested fix: restart nginx.service'), true);
    assert.is(await fix.getAttribute('data-script'), 'vigie.service-restart');
    await shot(page, 'alert-suggested-fix.png');
    await fix.getByTestId('alert-fix-run').click();
    const dialog = page.getByTestId('run-dialog');
    await dialog.waitFor({ timeout: 10_000 });
    assert.is(await dialog.getAttribute('data-script'), 'vigie.service-restart');
    assert.is(await dialog.getAttribute('data-host'), HOST);
    assert.is(await page.getByTestId('run-title').textContent(), 'restart nginx.service');
  });

  test('in French, and for a viewer without the Run button', async () => {
    const page = await newPage('fr-FR');
    await signInThroughForm(page, s.url, VIEWER.name, VIEWER.password);
    await page.goto(`${s.url}/#/alerts`);
    const fix = page.locator('[data-testid=alert-row][data-rule="service:nginx.service"] [data-testid=alert-fix]');
    await fix.waitFor({ timeout: 15_000 });
    assert.is((await fix.textContent())?.includes('Correction suggérée : redémarrer nginx.service'), true, (await fix.textContent()) ?? '');
    assert.is(await fix.getByTestId('alert-fix-run').count(), 0, 'viewers do not run actions');
  });

  test('a host opts in to the rule\'s automatic action from its alert settings', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.goto(`${s.url}/#/host/${HOST}/alerts`);
    await page.getByTestId('rule-actions').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('rule-action-services-script').inputValue(), 'vigie.service-restart', 'the defaults\' action');
    assert.is(await page.getByTestId('rule-action-services-auto').isChecked(), true);
    assert.is(await page.getByTestId('rule-action-services-host').isChecked(), false, 'not opted in yet');
    assert.is(await page.getByTestId('rule-action-cpu-script').inputValue(), '', 'no action on cpu');
    await page.getByTestId('rule-action-services-host').check();
    await shot(page, 'rule-automatic-action.png');
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    const saved = (await s.admin.get<{ override: Record<string, Record<string, unknown>> }>(`/api/hosts/${HOST}/alert-settings`)).data.override;
    assert.equal(saved, { services: { autoAction: true } }, 'only the opt-in: the action is the defaults\'');
    await page.reload();
    await page.getByTestId('rule-actions').waitFor({ timeout: 10_000 });
    await page.getByTestId('rule-action-services-host').uncheck();
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    const after = (await s.admin.get<{ override: Record<string, Record<string, unknown>> }>(`/api/hosts/${HOST}/alert-settings`)).data.override;
    assert.equal(after, {}, 'opting out leaves nothing');
  });
}

test.run();
