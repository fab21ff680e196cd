/**
 * The scripts pages (issue 14) in Chromium, on the real `vigie up` wiring
 * (broker, ingest, dashboard, the script library and run service, the box's
 * own agent `the-box` with `agent.scripts: actions`):
 * - an admin reads the library (own scripts, built-ins with their badge and
 *   no edit or delete), writes a script in the editor (a refused id is
 *   marked on its field with the server's words), edits it (a new version,
 *   both bodies in the versions list), disables and enables it;
 * - an operator runs an action from the library: typed arguments
 *   prefilled, a value out of its range refused on its field, the
 *   confirmation with the exact arguments, then the real agent's output
 *   live, the exit code and "done"; Escape closes and gives focus back;
 * - the host page lists the host's actions and its recent runs with who,
 *   exit code and the output on demand;
 * - a viewer has no Scripts link and no Run button, but sees the runs;
 * - a hostile script name stays text; French; a phone.
 * Screenshots: test-output/screenshots/scripts-*.png (copied to docs/screenshots/issue-14/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { RunView, ScriptVersionView, ScriptView } from '../../../dashboard/web/src/script-types.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addUser, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { DESKTOP, haveChromium, launchChromium, openSignedIn, SHOTS, shot } from './browser-helpers.js';

const PHONE = { width: 390, height: 844 };
const HOSTILE = '<img src=x onerror="window.pwned=1">Report';

// Prints `lines` lines (argv $1) in `mode` ($2), one on stderr, and exits 0.
const REPORT_BODY = [
  '#!/bin/sh',
  'i=1',
  'while [ "$i" -le "$1" ]; do',
  '  echo "line $i of $1 ($2 mode, VIGIE_PARAM_MODE=$VIGIE_PARAM_MODE)"',
  '  i=$((i + 1))',
  'done',
  'echo "report finished" >&2',
].join('\n');

if (haveChromium()) {
  let s: TestStack;
  let admin: ApiClient;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let groupId = 0;
  let operator: { name: string; password: string };
  let viewer: { name: string; password: string };

  const open = (who: { name: string; password: string }, lang: 'en' | 'fr' = 'en', viewport = DESKTOP): Promise<Page> =>
    openSignedIn(browser, contexts, s.httpUrl, who, lang, viewport);

  const rowOf = (page: Page, id: string) => page.locator(`[data-testid=script-row][data-id="${id}"]`);
  const script = async (id: string): Promise<{ status: number; data: ScriptView }> => admin.get<ScriptView>(`/api/scripts/${id}`);

  test.before(async () => {
    await buildWeb();
    s = await startTestStack('up', { set: { 'agent.host': 'the-box', 'agent.scripts': 'actions' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
    groupId = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'Ops' })).data.id;
    const op = await addUser(s.dataDir, 'olga', 'operator');
    const vi = await addUser(s.dataDir, 'vera', 'viewer');
    operator = op;
    viewer = vi;
    await admin.send('PATCH', `/api/groups/${groupId}`, { members: [op.id, vi.id] });
    await waitFor('the box\'s agent online', async () => (await admin.get<{ id: string; presence: string }[]>('/api/hosts')).data.some((h) => h.id === 'the-box' && h.presence === 'online'), 20_000);
    assert.is((await admin.send('PUT', '/api/hosts/the-box/access', { owner: null, groups: [groupId] })).status, 200);
    const made = await admin.send<ScriptView>('POST', '/api/scripts', {
      id: 'report', name: 'Write a report', description: 'Prints a few lines.', kind: 'action', interpreter: 'sh', body: REPORT_BODY,
      params: [
        { name: 'lines', type: 'integer', label: 'Lines', min: 1, max: 50, default: 3 },
        { name: 'mode', type: 'enum', label: 'Mode', values: ['quick', 'full'], default: 'quick' },
      ],
      timeout: 20, hosts: ['the-box'],
    });
    assert.is(made.status, 201, JSON.stringify(made.body));
    assert.is((await admin.send('POST', '/api/scripts', {
      id: 'pg-replication', name: HOSTILE, kind: 'check', interpreter: 'sh', body: '#!/bin/sh\necho "OK - replication | lag=0.2s;5;10"\n', interval: 60, groups: [groupId],
    })).status, 201);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the library: own scripts and built-ins, kinds, versions, where; a hostile name stays text', async () => {
    const page = await open({ name: 'admin', password: 'admin-password-1' });
    await page.goto(`${s.httpUrl}/#/scripts`);
    await page.locator('header .nav-link[aria-current=page]').filter({ hasText: 'Scripts' }).waitFor({ timeout: 10_000 });
    const report = rowOf(page, 'report');
    await report.waitFor({ timeout: 10_000 });
    assert.is(await report.getByTestId('script-name').innerText(), 'Write a report');
    assert.is(await report.getByTestId('script-kind').innerText(), 'Action');
    assert.is(await report.getByTestId('script-interpreter').innerText(), 'sh');
    assert.is(await report.getByTestId('script-version').innerText(), 'v1');
    assert.is(await report.getByTestId('script-enabled').textContent(), 'Enabled');
    assert.equal(await report.getByTestId('script-where-host').allInnerTexts(), ['the-box']);
    assert.is(await report.getByTestId('script-edit').count(), 1);
    assert.is(await report.getByTestId('script-delete').count(), 1);
    const pg = rowOf(page, 'pg-replication');
    assert.is(await pg.getByTestId('script-name').innerText(), HOSTILE);
    assert.is(await pg.getByTestId('script-kind').innerText(), 'Check');
    assert.equal(await pg.getByTestId('script-where-group').allInnerTexts(), ['Ops']);
    assert.is(await pg.getByTestId('script-run').count(), 0, 'a check is not run by hand');
    const builtin = rowOf(page, 'vigie.service-restart');
    await builtin.getByTestId('script-builtin').waitFor();
    assert.is(await builtin.getByTestId('script-edit').count(), 0, 'a built-in is not edited');
    assert.is(await builtin.getByTestId('script-delete').count(), 0, 'nor deleted');
    assert.is(await builtin.getByTestId('script-toggle').count(), 1, 'but may be disabled');
    assert.is(await page.locator('.admin img').count(), 0);
    assert.is(await page.evaluate('window.pwned'), undefined);
    await shot(page, 'scripts-library-en.png');
  });

  test('the editor: a refused id is marked on its field; saved; an edit is version 2, both bodies listed; disable and enable', async () => {
    const page = await open({ name: 'admin', password: 'admin-password-1' });
    await page.goto(`${s.httpUrl}/#/scripts`);
    await rowOf(page, 'report').waitFor({ timeout: 10_000 });
    await page.getByTestId('scripts-add').click();
    const form = page.getByTestId('script-form');
    await form.waitFor();
    await form.getByTestId('script-id').fill('vigie.mine');
    await form.getByTestId('script-name').fill('Clean old logs');
    await form.getByTestId('script-kind').selectOption('action');
    assert.ok(await form.locator('[data-field=interval]').isHidden(), 'no interval for an action');
    await form.getByTestId('script-interpreter').selectOption('bash');
    await form.getByTestId('script-body').fill('#!/bin/bash\nfind "$1" -name "*.gz" -mtime +"$2" -print\n');
    await form.getByTestId('param-add').click();
    await form.getByTestId('param-name').nth(0).fill('dir');
    await form.getByTestId('param-type').nth(0).selectOption('path');
    await form.getByTestId('param-root').nth(0).fill('/var/log');
    await form.getByTestId('param-add').click();
    await form.getByTestId('param-name').nth(1).fill('days');
    await form.getByTestId('param-type').nth(1).selectOption('integer');
    await form.getByTestId('param-min').nth(1).fill('1');
    await form.getByTestId('param-max').nth(1).fill('365');
    await form.getByTestId('param-default').nth(1).fill('30');
    await form.locator('[data-testid=script-host][data-host="the-box"]').check();
    await form.getByTestId('script-save').click();
    const err = form.locator('[data-field=id] [data-testid=field-error]');
    await err.waitFor({ timeout: 10_000 });
    assert.match(await err.innerText(), /^Refused by the server: /);
    assert.is(await form.getByTestId('script-id').getAttribute('aria-invalid'), 'true');
    assert.is((await script('vigie.mine')).status, 404, 'nothing saved');
    await shot(page, 'scripts-editor-en.png');

    await form.getByTestId('script-id').fill('clean-logs');
    await form.getByTestId('script-save').click();
    await rowOf(page, 'clean-logs').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('scripts-msg').innerText(), /Script “Clean old logs” created/);
    const saved = (await script('clean-logs')).data;
    assert.is(saved.interpreter, 'bash');
    assert.equal(saved.hosts, ['the-box']);
    assert.equal(saved.params, [
      { name: 'dir', type: 'path', root: '/var/log', required: true },
      { name: 'days', type: 'integer', min: 1, max: 365, default: 30, required: true },
    ]);

    // An edit of the body: version 2, and the versions list shows both bodies.
    await rowOf(page, 'clean-logs').getByTestId('script-edit').click();
    await form.getByTestId('script-body').fill('#!/bin/bash\nfind "$1" -name "*.gz" -mtime +"$2" -delete -print\n');
    await form.getByTestId('script-save').click();
    await rowOf(page, 'clean-logs').getByTestId('script-version').filter({ hasText: 'v2' }).waitFor({ timeout: 10_000 });
    await rowOf(page, 'clean-logs').getByTestId('script-versions').click();
    const versions = page.getByTestId('script-version-entry');
    await versions.first().waitFor({ timeout: 10_000 });
    assert.equal(await versions.evaluateAll((els) => els.map((e) => e.getAttribute('data-version'))), ['2', '1']);
    const api = (await admin.get<{ versions: ScriptVersionView[] }>('/api/scripts/clean-logs/versions')).data.versions;
    assert.match(api[0]!.body, /-delete/);
    assert.match(await versions.nth(0).getByTestId('script-version-body').innerText(), /-delete -print/);
    await versions.nth(1).locator('summary').click();
    assert.not.match(await versions.nth(1).getByTestId('script-version-body').innerText(), /-delete/);

    // Disable, then enable again.
    await rowOf(page, 'clean-logs').getByTestId('script-toggle').click();
    await page.locator('[data-testid=script-row][data-id="clean-logs"][data-enabled=false]').waitFor({ timeout: 10_000 });
    assert.is((await script('clean-logs')).data.enabled, false);
    await rowOf(page, 'clean-logs').getByTestId('script-toggle').click();
    await page.locator('[data-testid=script-row][data-id="clean-logs"][data-enabled=true]').waitFor({ timeout: 10_000 });
  });

  test('an operator runs an action: arguments prefilled, one out of range refused on its field, confirmation, live output, exit 0', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/scripts`);
    const report = rowOf(page, 'report');
    await report.waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('scripts-add').count(), 0, 'operators do not write scripts');
    assert.is(await report.getByTestId('script-edit').count(), 0);
    assert.is(await report.getByTestId('script-run-host').inputValue(), 'the-box');
    const runButton = report.getByTestId('script-run');
    await runButton.click();
    const dialog = page.getByTestId('run-dialog');
    await page.locator('[data-testid=run-dialog][data-step=params]').waitFor({ timeout: 10_000 });
    assert.ok(await dialog.getAttribute('aria-labelledby'), 'the dialog is named by its title');
    const lines = dialog.locator('[data-testid=run-param][data-param=lines]');
    assert.is(await lines.inputValue(), '3', 'the default');
    assert.is(await page.evaluate('document.activeElement?.dataset.param'), 'lines', 'focus on the first argument');
    assert.is(await dialog.locator('[data-testid=run-param][data-param=mode]').inputValue(), 'quick');
    await lines.fill('500');
    await dialog.getByTestId('run-next').click();
    assert.match(await dialog.getByTestId('run-question').innerText(), /^Run Write a report on the-box\?$/);
    await dialog.getByTestId('run-confirm').click();
    // The server's range check, on the field.
    const err = dialog.locator('[data-field="args.lines"] [data-testid=field-error]');
    await err.waitFor({ timeout: 10_000 });
    assert.match(await err.innerText(), /^Refused by the server: /);
    assert.is(await lines.getAttribute('aria-invalid'), 'true');
    await shot(page, 'scripts-run-params-en.png', false);
    await lines.fill('4');
    await dialog.locator('[data-testid=run-param][data-param=mode]').selectOption('full');
    await dialog.getByTestId('run-next').click();
    assert.equal(await dialog.locator('[data-testid=run-args] dd').allInnerTexts(), ['4', 'full']);
    await shot(page, 'scripts-run-confirm-en.png', false);
    await dialog.getByTestId('run-confirm').click();
    await page.locator('[data-testid=run-dialog][data-state=done]').waitFor({ timeout: 30_000 });
    await dialog.getByTestId('run-output').filter({ hasText: 'report finished' }).waitFor({ timeout: 10_000 });
    const output = await dialog.getByTestId('run-output').innerText();
    assert.match(output, /line 1 of 4 \(full mode, VIGIE_PARAM_MODE=full\)/);
    assert.match(output, /line 4 of 4/);
    assert.is(await dialog.getByTestId('run-exit').innerText(), '0');
    assert.is(await dialog.getByTestId('run-state').textContent(), 'Done');
    const runId = await dialog.getAttribute('data-run-id');
    const run = (await admin.get<{ run: RunView }>(`/api/runs/${runId}`)).data.run;
    assert.equal({ by: run.by, host: run.host, args: run.args, exit: run.exit }, { by: 'olga', host: 'the-box', args: { lines: 4, mode: 'full' }, exit: 0 });
    await shot(page, 'scripts-run-en.png', false);
    // Escape closes it and gives focus back to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
    assert.is(await page.evaluate("document.activeElement?.closest('[data-testid=script-row]')?.dataset.id + '/' + document.activeElement?.dataset.testid"), 'report/script-run');
  });

  test('the host page: its actions with Run, its recent runs with who, exit and output', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/host/the-box`);
    const panel = page.getByTestId('host-actions');
    await panel.locator('[data-testid=host-action][data-id=report]').waitFor({ timeout: 10_000 });
    assert.ok(await panel.locator('[data-testid=host-action][data-id="vigie.service-restart"]').count() === 1, 'built-ins run everywhere');
    assert.is(await panel.locator('[data-testid=host-action][data-id="clean-logs"]').count(), 1);
    const run = panel.locator('[data-testid=host-run][data-state=done]').first();
    await run.waitFor({ timeout: 10_000 });
    assert.is(await run.getByTestId('host-run-exit').innerText(), '0');
    assert.is(await run.getByTestId('host-run-by').innerText(), 'olga');
    assert.ok(await run.getByTestId('host-run-output').isHidden());
    await run.getByTestId('host-run-toggle').click();
    assert.match(await run.getByTestId('host-run-output').innerText(), /line 4 of 4/);
    // A run started here: the list shows it once it settles.
    await panel.locator('[data-testid=host-action][data-id=report] [data-testid=host-action-run]').click();
    const dialog = page.getByTestId('run-dialog');
    await dialog.getByTestId('run-next').click();
    await dialog.getByTestId('run-confirm').click();
    await page.locator('[data-testid=run-dialog][data-state=done]').waitFor({ timeout: 30_000 });
    await dialog.getByTestId('run-close').click();
    await waitFor('two runs listed', async () => (await panel.locator('[data-testid=host-run]').count()) === 2, 10_000);
    await panel.screenshot({ path: new URL('scripts-host-actions-en.png', SHOTS).pathname });
  });

  test('a viewer: no Scripts link, no Run, but the runs of the host', async () => {
    const page = await open(viewer);
    assert.is(await page.locator('header .nav-link').filter({ hasText: 'Scripts' }).count(), 0);
    await page.goto(`${s.httpUrl}/#/host/the-box`);
    const panel = page.getByTestId('host-actions');
    await panel.locator('[data-testid=host-run]').first().waitFor({ timeout: 10_000 });
    assert.is(await panel.getByTestId('host-action-run').count(), 0);
    assert.is(await panel.getByTestId('host-actions-list').count(), 0);
  });

  test('in French, and on a phone', async () => {
    const page = await open(operator, 'fr');
    await page.goto(`${s.httpUrl}/#/scripts`);
    await rowOf(page, 'report').waitFor({ timeout: 10_000 });
    assert.is(await rowOf(page, 'report').getByTestId('script-kind').innerText(), 'Action');
    assert.is(await rowOf(page, 'pg-replication').getByTestId('script-kind').innerText(), 'Sonde');
    await shot(page, 'scripts-library-fr.png');
    await rowOf(page, 'report').getByTestId('script-run').click();
    const dialog = page.getByTestId('run-dialog');
    await dialog.getByTestId('run-next').click();
    assert.is(await dialog.getByTestId('run-question').innerText(), 'Exécuter Write a report sur the-box ?');
    await dialog.getByTestId('run-confirm').click();
    await page.locator('[data-testid=run-dialog][data-state=done]').waitFor({ timeout: 30_000 });
    await dialog.getByTestId('run-output').filter({ hasText: 'report finished' }).waitFor({ timeout: 10_000 });
    assert.is(await dialog.getByTestId('run-state').textContent(), 'Terminée');
    await shot(page, 'scripts-run-fr.png', false);

    const phone = await open(operator, 'en', PHONE);
    await phone.goto(`${s.httpUrl}/#/scripts`);
    await rowOf(phone, 'report').waitFor({ timeout: 10_000 });
    const width = await phone.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok(width <= PHONE.width, `no sideways scroll (${width} px)`);
    await rowOf(phone, 'report').getByTestId('script-run').click();
    const d = phone.getByTestId('run-dialog');
    await d.getByTestId('run-next').click();
    await d.getByTestId('run-confirm').click();
    await phone.locator('[data-testid=run-dialog][data-state=done]').waitFor({ timeout: 30_000 });
    await d.getByTestId('run-output').filter({ hasText: 'report finished' }).waitFor({ timeout: 10_000 });
    const box = await d.boundingBox();
    assert.ok(box && box.width <= PHONE.width, 'the dialog fits the phone');
    await shot(phone, 'scripts-run-phone.png', false);
  });

  test.run();
}
