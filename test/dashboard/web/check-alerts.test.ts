import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { startHttpTarget, type HttpTarget } from '../../helpers/check-targets.js';
import { waitFor } from '../../helpers/env.js';
import { addUser, startTestStack, type TestStack } from '../../helpers/stack.js';
import { ApiClient } from '../../helpers/api-client.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';

/**
 * Check alerts in the browser (issue 12) on the real `vigie up` wiring: an
 * HTTP check whose keyword is missing fires on the box's agent (the runner);
 * the alerts page shows the check's name linked to `#/checks/<id>`, the
 * runner, and what the runner saw (the response excerpt); the host page's
 * alert list links to the check too.
 */

if (haveChromium()) {
  let up: TestStack;
  let browser: Browser;
  let target: HttpTarget;
  let admin: { name: string; password: string };

  test.before(async () => {
    await buildWeb();
    target = await startHttpTarget((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Down for maintenance</h1>\n<p>Back at 14:00</p>');
    });
    up = await startTestStack('up', { set: { 'ingest.presenceGrace': '0' } });
    admin = await addUser(up.dataDir, 'admin', 'admin');
    const api = await ApiClient.signIn(up.httpUrl, admin.name, admin.password);
    const created = await api.send('POST', '/api/checks', {
      id: 'wiki', name: 'Wiki', kind: 'http', target: `${target.url}/`, interval: 10, timeout: 5, trace: false,
      http: { keyword: { text: 'Welcome' } }, alerting: { downAfter: 1 },
    });
    assert.is(created.status, 201, JSON.stringify(created.body));
    browser = await launchChromium();
  });

  test.after(async () => {
    await browser?.close();
    await up?.close();
    await target?.close();
  });

  test("a check alert shows the check's name linked to its page, the runner, and the response the runner saw", async () => {
    const runner = up.stack.agent!.hostId;
    await waitFor('the check alert fires', () => up.stack.alerting!.service.firing().find((a) => a.rule === 'check:wiki'), 30_000, 200);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      await signInThroughForm(page, up.httpUrl, admin.name, admin.password);
      await page.goto(`${up.httpUrl}/#/alerts`);
      const row = page.locator('[data-testid=alert-row][data-rule="check:wiki"]');
      await row.waitFor({ timeout: 10_000 });
      assert.is(await row.getAttribute('data-host'), runner, 'the alert is on the runner');
      const link = row.getByTestId('alert-check');
      assert.is(await link.innerText(), 'Wiki');
      assert.is(await link.getAttribute('href'), '#/checks/wiki');
      assert.match(await row.getByTestId('alert-title').innerText(), /^Wiki is down from /);
      await row.locator('details.alert-more summary').click();
      const lines = await row.getByTestId('alert-context').innerText();
      assert.match(lines, /Runner said: .*Welcome/);
      assert.match(lines, /Response excerpt:\n\s+<h1>Down for maintenance<\/h1>/, 'the excerpt as text, never as markup');
      assert.is(await row.locator('h1').count(), 0, 'the excerpt is not rendered as HTML');
      assert.match(await row.innerText(), /1 failed run in a row \(level 1\)/);
      assert.match(await row.innerText(), /What the runner saw/);
      await shot(page, 'check-alert.png');

      await page.goto(`${up.httpUrl}/#/host/${encodeURIComponent(runner)}`);
      const item = page.locator('[data-testid=host-alerts] a', { hasText: 'Wiki' });
      await item.waitFor({ timeout: 10_000 });
      assert.is(await item.getAttribute('href'), '#/checks/wiki');
    } finally {
      await context.close();
    }
  });

  test.run();
}
