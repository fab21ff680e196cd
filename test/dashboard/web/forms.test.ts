/**
 * Issue 11's forms and host-page items in Chromium, against the real stack
 * and real agents: top processes on demand, a role change confirmed first,
 * wrong fields marked (not named by a JSON path), the hysteresis and the
 * forecast window editable, and "this sign-in / previous" on the account
 * page. Screenshots at 1366×800 and 390×844, English and French.
 */
import { Value } from '@sinclair/typebox/value';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import { buildWeb } from '../../../dashboard/web/build.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { infoPayload, metricsPayload, PREFIX, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';
import { haveChromium, launchChromium, shot, SHOTS, signInThroughForm } from './browser-helpers.js';

const ADMIN = { name: 'admin', password: 'admin-password-1' };
const DESKTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const agents: AgentHandle[] = [];
  const contexts: BrowserContext[] = [];
  let viewer: { id: number; name: string; password: string };

  /** A signed-in page; French through the browser's language, as a French user's browser would ask. */
  const open = async (lang: 'en' | 'fr', viewport: { width: number; height: number }, who = ADMIN): Promise<Page> => {
    const context = await browser.newContext({ viewport, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.url, who.name, who.password);
    return page;
  };

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack();
    for (const host of ['forms-box', 'forms-fr']) {
      agents.push(await startAgent(Value.Default(AgentConfig, { broker: s.broker.url, host, interval: 5 }) as AgentConfig, { prefix: PREFIX, services: false }));
    }
    await s.publish('gone-box', 'info', infoPayload('gone-box'));
    await s.publish('gone-box', 'metrics', metricsPayload(3, Date.now() - 120_000));
    await s.publish('gone-box', 'status', statusPayload('offline'));
    await waitFor('the agents and the offline host', () => ['forms-box', 'forms-fr'].every((h) => s.ingest.getHost(h)?.presence === 'online') && s.ingest.getHost('gone-box')?.presence === 'offline');
    viewer = await addUser(s.dataDir, 'victor', 'viewer');
    s.accounts.hostAccess.setAccess('forms-box', { owner: viewer.id, groups: [] });
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const a of agents) await a.close();
    await s?.close();
  });

  /** One part of the page, as the full-page shots of a phone are too tall to read. */
  const part = async (locator: Locator, name: string): Promise<void> => {
    await locator.screenshot({ path: new URL(name, SHOTS).pathname });
  };

  const numbers = async (page: Page, attr: string): Promise<number[]> =>
    (await page.getByTestId('process-row').evaluateAll((rows, a) => rows.map((r) => r.getAttribute(a)), attr)).map(Number);

  test('host page: top processes asked on demand, by CPU and by memory, with the time taken; asked again too soon says so', async () => {
    const page = await open('en', DESKTOP);
    await page.goto(`${s.url}/#/host/forms-box`);
    await page.getByTestId('processes-run').click();
    await page.getByTestId('process-row').first().waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('processes-meta').innerText(), /^Answered in [\d.]+ s at .+ · CPU in % of one core, measured over [\d.]+ s \(\d+ cores\)$/);
    const cpu = await numbers(page, 'data-cpu');
    assert.equal(cpu, [...cpu].sort((a, b) => b - a), 'by CPU: most first');
    await page.getByTestId('processes-by-mem').click();
    assert.is(await page.getByTestId('processes-by-mem').getAttribute('aria-pressed'), 'true');
    const rss = await numbers(page, 'data-rss');
    assert.ok(rss.length > 1);
    assert.equal(rss, [...rss].sort((a, b) => b - a), 'by memory: largest first');
    await shot(page, 'forms-host-processes-desktop-en.png');
    await page.getByTestId('processes-run').click();
    await page.getByTestId('processes-msg').filter({ hasText: 'This host was asked a moment ago. Try again in' }).waitFor({ timeout: 10_000 });
    assert.ok(await page.getByTestId('process-row').first().isVisible(), 'the last answer stays shown');
  });

  test('host page in French on a phone: the table, and an offline host said plainly', async () => {
    const page = await open('fr', PHONE);
    await page.goto(`${s.url}/#/host/forms-fr`);
    await page.getByTestId('processes-run').click();
    await page.getByTestId('process-row').first().waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('processes-meta').innerText(), /^Réponse en [\d,]+ s à /);
    await page.getByTestId('processes').scrollIntoViewIfNeeded();
    await shot(page, 'forms-host-processes-phone-fr.png');
    await part(page.getByTestId('processes'), 'forms-host-processes-phone-fr-panel.png');
    await page.goto(`${s.url}/#/host/gone-box`);
    await page.getByTestId('processes-run').click();
    await page.getByTestId('processes-msg').filter({ hasText: 'Cet hôte est hors ligne' }).waitFor({ timeout: 10_000 });
  });

  test('a viewer of the host sees no Top processes panel', async () => {
    const page = await open('en', DESKTOP, viewer);
    await page.goto(`${s.url}/#/host/forms-box`);
    await page.getByTestId('host-label').waitFor({ timeout: 10_000 });
    await page.locator('.host-body:not([hidden])').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('processes').count(), 0);
  });

  const roleOf = async (name: string): Promise<string> =>
    (await s.admin.get<{ name: string; role: string }[]>('/api/users')).data.find((u) => u.name === name)!.role;

  test('a role change is confirmed first, naming the user and both roles; cancel puts the select back', async () => {
    await addUser(s.dataDir, 'rita', 'operator');
    const page = await open('en', DESKTOP);
    await page.goto(`${s.url}/#/admin/users`);
    const row = page.locator('[data-testid=user-row][data-user=rita]');
    await row.waitFor({ timeout: 10_000 });
    await row.getByTestId('row-role').selectOption('viewer');
    const question = row.getByTestId('role-confirm');
    await question.filter({ hasText: 'Change the role of rita from Operator to Viewer?' }).waitFor({ timeout: 5000 });
    assert.is(await roleOf('rita'), 'operator', 'nothing changed before confirming');
    assert.ok(await row.getByTestId('row-role').isDisabled(), 'the select waits for the answer');
    await shot(page, 'forms-users-confirm-desktop-en.png');
    await row.getByTestId('confirm-no').click();
    assert.is(await row.getByTestId('row-role').inputValue(), 'operator', 'cancel restores the select');
    assert.is(await question.innerText(), '');
    assert.is(await roleOf('rita'), 'operator');

    await row.getByTestId('row-role').selectOption('admin');
    await row.getByTestId('confirm-yes').click();
    await waitFor('rita is admin', async () => (await roleOf('rita')) === 'admin');
    await page.locator('[data-testid=user-row][data-user=rita] [data-testid=row-role]').filter({ has: page.locator('option[value=admin]:checked') }).waitFor({ timeout: 5000 });
  });

  test('the role question in French on a phone', async () => {
    const page = await open('fr', PHONE);
    await page.goto(`${s.url}/#/admin/users`);
    const row = page.locator('[data-testid=user-row][data-user=victor]');
    await row.waitFor({ timeout: 10_000 });
    await row.getByTestId('row-role').selectOption('operator');
    await row.getByTestId('role-confirm').filter({ hasText: 'Changer le rôle de victor : Lecteur → Opérateur ?' }).waitFor({ timeout: 5000 });
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'forms-users-confirm-phone-fr.png');
    await part(row, 'forms-users-confirm-phone-fr-row.png');
    await row.getByTestId('confirm-no').click();
    assert.is(await roleOf('victor'), 'viewer');
  });

  const override = async (host: string): Promise<Record<string, Record<string, unknown>>> =>
    (await s.admin.get<{ override: Record<string, Record<string, unknown>> }>(`/api/hosts/${host}/alert-settings`)).data.override;

  test('hysteresis and forecast window are edited on a host and saved; a wrong one is marked on its field, in words', async () => {
    const page = await open('en', DESKTOP);
    await page.goto(`${s.url}/#/host/forms-box/alerts`);
    await page.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('rule-cpu-hysteresis').inputValue(), '5', 'the default shows');
    assert.is(await page.getByTestId('rule-diskForecast-window').inputValue(), '6');
    await page.getByTestId('rule-cpu-hysteresis').fill('3');
    await page.getByTestId('rule-diskForecast-window').fill('12');
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    assert.equal(await override('forms-box'), { cpu: { hysteresis: 3 }, diskForecast: { windowHours: 12 } });

    await page.getByTestId('rule-cpu-hysteresis').fill('500');
    await page.getByTestId('rule-diskForecast-window').fill('');
    await page.getByTestId('rules-save').click();
    const line = page.getByTestId('rules-error');
    await line.filter({ hasText: 'Not saved' }).waitFor({ timeout: 10_000 });
    assert.is(await line.innerText(), 'Not saved: fix “CPU › Hysteresis (%)” and 1 more, marked in the form.');
    const hysteresis = page.getByTestId('rule-cpu-hysteresis');
    assert.is(await hysteresis.getAttribute('aria-invalid'), 'true');
    // Described by the shared help, then by its own error message.
    const [help, message] = (await hysteresis.getAttribute('aria-describedby'))!.split(' ');
    assert.match(await page.locator(`[id="${help}"]`).innerText(), /^Hysteresis: how far below a level/);
    assert.is(await page.locator(`[id="${message}"]`).innerText(), 'Enter a value from 0 % to 100 %.');
    assert.is(await page.getByTestId('rule-diskForecast-window').getAttribute('aria-invalid'), 'true');
    assert.ok(await hysteresis.evaluate((el) => el === el.ownerDocument.activeElement), 'the first wrong field has the focus');
    assert.equal(await override('forms-box'), { cpu: { hysteresis: 3 }, diskForecast: { windowHours: 12 } }, 'nothing was saved');
    await hysteresis.scrollIntoViewIfNeeded();
    await shot(page, 'forms-rules-error-desktop-en.png');
    await part(page.locator('fieldset[data-rule=cpu]'), 'forms-rules-error-desktop-en-cpu.png');
    // Typing clears the field's mark.
    await hysteresis.fill('4');
    assert.is(await hysteresis.getAttribute('aria-invalid'), null);
    assert.is(await hysteresis.getAttribute('aria-describedby'), help, 'back to the help alone');
  });

  test('the host rules in French on a phone: labels, help and errors in French', async () => {
    const page = await open('fr', PHONE);
    await page.goto(`${s.url}/#/host/forms-fr/alerts`);
    await page.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    const cpu = page.locator('fieldset[data-rule=cpu]');
    assert.match(await cpu.innerText(), /Hystérésis/);
    assert.match(await page.locator('fieldset[data-rule=diskForecast]').innerText(), /Historique utilisé \(heures\)/);
    await page.getByTestId('rule-cpu-warning').fill('');
    await page.getByTestId('rules-save').click();
    await page.getByTestId('rules-error').filter({ hasText: 'Rien n’est enregistré : corrigez « Processeur › Avertissement à partir de »' }).waitFor({ timeout: 10_000 });
    assert.is(await cpu.getByTestId('field-error').innerText(), 'Saisissez un nombre.');
    await cpu.scrollIntoViewIfNeeded();
    await shot(page, 'forms-rules-phone-fr.png');
    await part(cpu, 'forms-rules-phone-fr-cpu.png');
    await part(page.locator('fieldset[data-rule=diskForecast]'), 'forms-rules-phone-fr-forecast.png');
  });

  test('the defaults: a field the server refuses is marked where it is, its path kept out of the sentence', async () => {
    const page = await open('en', DESKTOP);
    await page.goto(`${s.url}/#/admin/alert-defaults`);
    await page.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    await page.getByTestId('rule-diskForecast-window').fill('24');
    await page.getByTestId('defaults-watch').fill('x'.repeat(300));
    await page.getByTestId('rules-save').click();
    const line = page.getByTestId('rules-error');
    await line.filter({ hasText: 'Not saved' }).waitFor({ timeout: 10_000 });
    assert.not.match(await line.innerText(), /defaults\./);
    assert.is(await page.getByTestId('defaults-watch').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('[data-field="services.watch"] [data-testid=field-error]').innerText(), /^Refused by the server: .*256/);
    await part(page.locator('[data-field="services.watch"]'), 'forms-defaults-watch-error-en.png');
    await page.getByTestId('defaults-watch').fill('');
    await page.getByTestId('rules-save').click();
    await line.filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    const saved = (await s.admin.get<{ defaults: { diskForecast: { windowHours: number } } }>('/api/alert-settings')).data;
    assert.is(saved.defaults.diskForecast.windowHours, 24, 'the window is saved through the defaults too');
    await shot(page, 'forms-defaults-desktop-en.png');
    const fr = await open('fr', DESKTOP);
    await fr.goto(`${s.url}/#/admin/alert-defaults`);
    await fr.getByTestId('rules-form').waitFor({ timeout: 10_000 });
    await shot(fr, 'forms-defaults-desktop-fr.png');
  });

  test('the account page tells this sign-in from the previous one', async () => {
    const page = await open('en', DESKTOP);
    await page.goto(`${s.url}/#/account`);
    const line = page.getByTestId('me-signin');
    await line.waitFor({ timeout: 10_000 });
    // The stack's admin signed in once through the API before these browsers did.
    assert.match(await line.innerText(), /^This sign-in: .+; previous: .+\.$/);
    assert.not.match(await line.innerText(), /never/);
    await shot(page, 'forms-account-desktop-en.png');
    const fresh = await addUser(s.dataDir, 'newbie', 'viewer');
    const phone = await open('fr', PHONE, fresh);
    await phone.goto(`${s.url}/#/account`);
    await phone.getByTestId('me-signin').filter({ hasText: /^Cette connexion : .+ ; précédente : jamais\.$/ }).waitFor({ timeout: 10_000 });
    await shot(phone, 'forms-account-phone-fr.png');
    await part(phone.locator('.panel').first(), 'forms-account-phone-fr-panel.png');
  });
}

test.run();
