/**
 * A script check's result in Chromium (issue 14), on the real `vigie up`
 * wiring with the box's own agent (`agent.scripts: checks`) running a real
 * script: the check page shows the Nagios status as a word (a warning is
 * "up" for availability, yet says Warning), the exit code, the message,
 * the perfdata values in their units with their ranges, the long output,
 * and one perfdata chart per label (series check.perf, key <check>/<label>);
 * the checks list shows the status beside the runner. The check is made
 * from the script's row of the library. French. And an
 * action on this agent, which allows checks only: the dialog says the
 * agent refused it, why, and what to change.
 * Screenshots: test-output/screenshots/scripts-check-*.png (copied to docs/screenshots/issue-14/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { haveChromium, launchChromium, SHOTS, signInThroughForm } from './browser-helpers.js';

const DESKTOP = { width: 1366, height: 900 };

// Nagios style: exit 1 (warning), the first line's text before `|`, perfdata after it and after `|` in the long output.
const DISK_BODY = [
  '#!/bin/sh',
  'echo "DISK WARNING - /srv 85% used | used=85%;80;90;0;100 free=1536MB;;;0"',
  'echo "/srv is an ext4 volume"',
  'echo "largest: /srv/backups | inodes=12034;;;0;65536"',
  'exit 1',
].join('\n');

if (haveChromium()) {
  let s: TestStack;
  let admin: ApiClient;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const open = async (lang: 'en' | 'fr' = 'en'): Promise<Page> => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.httpUrl, 'admin', 'admin-password-1');
    return page;
  };

  test.before(async () => {
    await buildWeb();
    s = await startTestStack('up', { set: { 'agent.host': 'the-box', 'agent.scripts': 'checks' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
    await waitFor('the box\'s agent online', async () => (await admin.get<{ id: string; presence: string }[]>('/api/hosts')).data.some((h) => h.id === 'the-box' && h.presence === 'online'), 20_000);
    assert.is((await admin.send('POST', '/api/scripts', { id: 'disk-srv', name: 'Disk /srv', kind: 'check', interpreter: 'sh', body: DISK_BODY, timeout: 5, interval: 10, hosts: ['the-box'] })).status, 201);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the check page: Nagios status, exit code, message, perfdata in units, long output, a chart per label', async () => {
    const page = await open();
    // The check is made from the script's row in the library.
    await page.goto(`${s.httpUrl}/#/scripts`);
    await page.locator('[data-testid=script-row][data-id=disk-srv] [data-testid=script-add-check]').click();
    const form = page.getByTestId('script-check-form');
    assert.is(await form.getByTestId('script-check-interval').inputValue(), '10', 'the script\'s interval');
    assert.ok(await form.locator('[data-testid=script-check-runner][data-runner=the-box]').isChecked(), 'the script\'s host');
    await form.getByTestId('script-check-save').click();
    await page.getByTestId('script-check-link').click();
    const stored = (await admin.get<{ kind: string; target: string; runners: { runner: string }[] }>('/api/checks/disk-srv')).data;
    assert.equal({ kind: stored.kind, target: stored.target, runners: stored.runners.map((r) => r.runner) }, { kind: 'script', target: 'disk-srv', runners: ['the-box'] });
    const result = page.locator('[data-testid=runner-result][data-runner=the-box]');
    await result.getByTestId('nagios-status').waitFor({ timeout: 30_000 });
    assert.is(await result.getByTestId('nagios-status').textContent(), 'Warning');
    assert.is(await result.getByTestId('script-exit').innerText(), '1');
    assert.is(await result.getByTestId('result-message').innerText(), 'DISK WARNING - /srv 85% used');
    const used = result.locator('[data-testid=perf-row][data-label=used]');
    assert.is(await used.getByTestId('perf-value').innerText(), '85%');
    assert.match(await used.innerText(), /80\s+90/);
    assert.is(await result.locator('[data-testid=perf-row][data-label=free] [data-testid=perf-value]').innerText(), '1.5 GiB');
    assert.is(await result.locator('[data-testid=perf-row][data-label=inodes] [data-testid=perf-value]').innerText(), '12,034');
    assert.match(await result.getByTestId('script-long').innerText(), /\/srv is an ext4 volume/);
    const charts = page.locator('[data-testid=perf-charts] [data-chart=check-perf]');
    assert.equal(await charts.evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))), ['used', 'free', 'inodes']);
    // History is stored per result: once there, a fresh page charts it (series check.perf, key <check>/<label>).
    await waitFor('perfdata stored', async () => {
      const h = await admin.get<{ points: unknown[] }>('/api/hosts/the-box/history?metric=check.perf&key=disk-srv%2Fused&range=1h');
      return h.status === 200 && h.data.points.length > 0;
    }, 20_000);
    await page.reload();
    await result.getByTestId('nagios-status').waitFor({ timeout: 15_000 });
    await waitFor('a perfdata point charted', async () => Number(await charts.first().getAttribute('data-points')) > 0, 15_000);
    await page.screenshot({ path: new URL('scripts-check-en.png', SHOTS).pathname, fullPage: true });
    // Pause and resume keep the script and its arguments; the network check form is not offered.
    assert.is(await page.getByTestId('check-edit').count(), 0);
    await page.getByTestId('check-toggle').click();
    await page.locator('[data-testid=check-action-msg][data-kind=ok]').waitFor({ timeout: 10_000 });
    const paused = (await admin.get<{ enabled: boolean; script: unknown }>('/api/checks/disk-srv')).data;
    assert.equal({ enabled: paused.enabled, script: paused.script }, { enabled: false, script: { id: 'disk-srv', args: {} } });
    await page.getByTestId('check-toggle').click();
    await waitFor('resumed', async () => (await admin.get<{ enabled: boolean }>('/api/checks/disk-srv')).data.enabled, 10_000);
  });

  test('the checks list: the status beside the runner; in French', async () => {
    const page = await open('fr');
    await page.goto(`${s.httpUrl}/#/checks`);
    const row = page.locator('[data-testid=check-row][data-id=disk-srv]');
    await row.getByTestId('nagios-status').waitFor({ timeout: 15_000 });
    assert.is(await row.getByTestId('nagios-status').textContent(), 'Avertissement');
    assert.is(await row.locator('.ck-kind').innerText(), 'Script');
    await page.goto(`${s.httpUrl}/#/checks/disk-srv`);
    await page.locator('[data-testid=runner-result] [data-testid=nagios-status]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: new URL('scripts-check-fr.png', SHOTS).pathname, fullPage: true });
  });

  test('an action on an agent that allows checks only: refused, with the reason and the agent\'s words', async () => {
    const page = await open();
    await page.goto(`${s.httpUrl}/#/host/the-box`);
    await page.locator('[data-testid=host-action][data-id="vigie.package-clean"] [data-testid=host-action-run]').click();
    const dialog = page.getByTestId('run-dialog');
    assert.is(await dialog.getByTestId('run-args').innerText(), 'Without arguments.');
    await dialog.getByTestId('run-confirm').click();
    await page.locator('[data-testid=run-dialog][data-state=refused]').waitFor({ timeout: 30_000 });
    const refusal = dialog.getByTestId('run-refusal');
    assert.is(await refusal.getAttribute('data-reason'), 'checks-only');
    assert.match(await refusal.innerText(), /^The agent refused \(checks only\): .*scripts/);
    assert.is(await dialog.getByTestId('run-state').textContent(), 'Refused');
    await page.screenshot({ path: new URL('scripts-run-refused-en.png', SHOTS).pathname });
    await page.keyboard.press('Escape');
    const run = page.locator('[data-testid=host-run][data-state=refused]');
    await run.waitFor({ timeout: 10_000 });
    assert.match(await run.innerText(), /checks only/);
  });

  test.run();
}
