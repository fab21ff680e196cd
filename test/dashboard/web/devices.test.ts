/**
 * The Devices page (issue 13) in Chromium, on the real `vigie up` wiring
 * (broker, ingest, dashboard, device catalog, the box's own agent `the-box`):
 * an operator adds an SNMPv3 device in the form; a wrong field is marked
 * next to it with the server's words; editing shows secrets as kept and
 * sends them back as "********", so the stored secret never reaches the
 * page; delete asks first and says history goes too; a viewer has no
 * control; a hostile label stays text; French; a phone.
 * Screenshots: test-output/screenshots/devices-*.png (copied to docs/screenshots/issue-13/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { DeviceView } from '../../../dashboard/web/src/model.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { addUser, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { DESKTOP, haveChromium, launchChromium, openSignedIn, shot } from './browser-helpers.js';

const PHONE = { width: 390, height: 844 };
const SECRET = 'community-never-shown-42';
const HOSTILE = '<img src=x onerror="window.pwned=1">Lab router';

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

  const device = async (id: string): Promise<{ status: number; data: DeviceView }> => admin.get<DeviceView>(`/api/devices/${id}`);
  const rowOf = (page: Page, id: string) => page.locator(`[data-testid=device-row][data-id="${id}"]`);

  test.before(async () => {
    await buildWeb();
    s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
    groupId = (await admin.send<{ id: number }>('POST', '/api/groups', { name: 'Network team' })).data.id;
    const op = await addUser(s.dataDir, 'olga', 'operator');
    const vi = await addUser(s.dataDir, 'vera', 'viewer');
    operator = op;
    viewer = vi;
    await admin.send('PATCH', `/api/groups/${groupId}`, { members: [op.id, vi.id] });
    await waitFor('the box\'s agent online', async () => (await admin.get<{ id: string }[]>('/api/hosts')).data.some((h) => h.id === 'the-box'), 20_000);
    assert.is((await admin.send('PUT', '/api/hosts/the-box/access', { owner: null, groups: [groupId] })).status, 200);
    // A v2c device made through the API, with a secret the page must never hold, and one with a hostile label.
    const made = await admin.send<DeviceView>('POST', '/api/devices', {
      id: 'core-sw', label: 'Core switch', address: '192.0.2.10', poller: 'the-box', groups: [groupId],
      snmp: { version: '2c', community: SECRET }, interval: 60,
      custom: [{ name: 'temp.chassis', oid: '1.3.6.1.4.1.9.9.13.1.3.1.3.1', type: 'gauge', unit: '°C' }],
    });
    assert.is(made.status, 201, JSON.stringify(made.data));
    assert.is((await admin.send('POST', '/api/devices', {
      id: 'lab-router', label: HOSTILE, address: '192.0.2.1', port: 1161, poller: 'the-box', groups: [groupId],
      snmp: { version: '3', user: 'monitor', level: 'authNoPriv', authProtocol: 'sha256', authKey: 'auth-pass-123' },
    })).status, 201);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the list: label, address, poller, version, state, interval; a hostile label stays text', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/devices`);
    await page.locator('header .nav-link[aria-current=page]').filter({ hasText: 'Devices' }).waitFor({ timeout: 10_000 });
    const core = rowOf(page, 'core-sw');
    await core.waitFor({ timeout: 10_000 });
    assert.is(await core.getByTestId('device-link').innerText(), 'Core switch');
    assert.is(await core.getByTestId('device-link').getAttribute('href'), '#/host/core-sw');
    assert.is(await core.getByTestId('device-address').innerText(), '192.0.2.10');
    assert.is(await core.getByTestId('device-poller').innerText(), 'the-box');
    assert.is(await core.getByTestId('device-snmp').innerText(), 'v2c');
    assert.is(await core.getByTestId('device-interval').innerText(), 'every 60 s');
    const lab = rowOf(page, 'lab-router');
    assert.is(await lab.getByTestId('device-link').innerText(), HOSTILE);
    assert.is(await lab.getByTestId('device-address').innerText(), '192.0.2.1:1161');
    assert.is(await lab.getByTestId('device-snmp').innerText(), 'v3 · authNoPriv (authenticated)');
    assert.is(await page.locator('.admin img').count(), 0);
    assert.is(await page.evaluate('window.pwned'), undefined);
    assert.not.match(await page.content(), SECRET);
    await shot(page, 'devices-list-en.png');
  });

  test('an operator adds an SNMPv3 device; a too-short passphrase is refused next to its field first', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/devices`);
    await page.getByTestId('devices-add').click();
    const form = page.getByTestId('device-form');
    await form.waitFor({ timeout: 10_000 });
    assert.equal(await form.getByTestId('device-poller').locator('option').allInnerTexts(), ['the-box'], 'agents only, no device');
    assert.ok(await form.locator(`[data-testid=device-group][data-group="${groupId}"]`).isChecked(), 'the operator\'s group is chosen');
    await form.getByTestId('device-id').fill('nas');
    await form.getByTestId('device-label').fill('Storage');
    await form.getByTestId('device-address').fill('192.0.2.30');
    await form.getByTestId('device-version').selectOption('3');
    assert.ok(await form.getByTestId('device-community').isHidden());
    await form.getByTestId('device-user').fill('private');
    await form.getByTestId('device-level').selectOption('authPriv');
    await form.getByTestId('device-auth-protocol').selectOption('sha256');
    await form.getByTestId('device-auth-key').fill('short');
    await form.getByTestId('device-priv-protocol').selectOption('aes');
    await form.getByTestId('device-priv-key').fill('priv-pass-789');
    assert.is(await form.getByTestId('device-auth-key').getAttribute('type'), 'password');
    await form.getByTestId('oid-add').click();
    await form.getByTestId('oid-name').fill('toner.black');
    await form.getByTestId('oid-oid').fill('1.3.6.1.2.1.43.11.1.1.9.1.1');
    await form.getByTestId('oid-unit').fill('%');
    await form.getByTestId('device-save').click();
    const err = form.locator('[data-field="snmp.authKey"] [data-testid=field-error]');
    await err.waitFor({ timeout: 10_000 });
    assert.match(await err.innerText(), /^Refused by the server: /);
    assert.is(await form.getByTestId('device-auth-key').getAttribute('aria-invalid'), 'true');
    assert.match(await form.getByTestId('device-form-msg').innerText(), /Authentication passphrase/);
    assert.is((await device('nas')).status, 404, 'nothing saved');
    // The marked field and its label below the sticky header.
    await page.evaluate("window.scrollTo(0, document.querySelector('[data-field=\"snmp\"]').closest('fieldset').getBoundingClientRect().top + window.scrollY - 100)");
    await shot(page, 'devices-form-error-en.png', false);

    await form.getByTestId('device-auth-key').fill('auth-pass-456');
    await form.getByTestId('device-save').click();
    await rowOf(page, 'nas').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('devices-msg').innerText(), /Device Storage added/);
    const nas = (await device('nas')).data;
    assert.equal(nas.snmp, { version: '3', user: 'private', level: 'authPriv', authProtocol: 'sha256', authKey: '********', privProtocol: 'aes', privKey: '********' });
    assert.equal(nas.custom, [{ name: 'toner.black', oid: '1.3.6.1.2.1.43.11.1.1.9.1.1', type: 'gauge', unit: '%' }]);
    assert.equal(nas.groups, [groupId]);
    assert.is(nas.poller, 'the-box');
    assert.is(await rowOf(page, 'nas').getByTestId('device-state').innerText(), 'Waiting for the first poll');
  });

  test('editing keeps the secret: shown as kept, sent back as "********", never in the page', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/devices`);
    await rowOf(page, 'core-sw').getByTestId('device-edit').click();
    const form = page.getByTestId('device-form');
    await form.waitFor({ timeout: 10_000 });
    assert.ok(await form.getByTestId('device-id').isDisabled());
    assert.is(await form.getByTestId('device-community').inputValue(), '********');
    assert.is(await form.getByTestId('device-community').getAttribute('type'), 'password');
    assert.match(await form.locator('[data-field="snmp.community"]').innerText(), /Kept as saved/);
    assert.is(await form.getByTestId('oid-name').inputValue(), 'temp.chassis');
    assert.not.match(await page.content(), SECRET);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'devices-form-edit-en.png');
    await form.getByTestId('device-interval').fill('30');
    const sent = page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith('/api/devices/core-sw'));
    await form.getByTestId('device-save').click();
    const body = (await sent).postDataJSON() as { snmp: { community: string }; interval: number };
    assert.is(body.snmp.community, '********');
    assert.is(body.interval, 30);
    await page.getByTestId('devices-msg').filter({ hasText: 'saved' }).waitFor({ timeout: 10_000 });
    assert.is((await device('core-sw')).data.interval, 30);
    assert.is(await rowOf(page, 'core-sw').getByTestId('device-interval').innerText(), 'every 30 s');
  });

  test('a viewer sees the devices and no control to add, edit or delete', async () => {
    const page = await open(viewer);
    await page.goto(`${s.httpUrl}/#/devices`);
    await rowOf(page, 'core-sw').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('devices-add').count(), 0);
    assert.is(await page.getByTestId('device-edit').count(), 0);
    assert.is(await page.getByTestId('device-delete').count(), 0);
  });

  test('French, and a phone', async () => {
    const fr = await open(operator, 'fr');
    await fr.goto(`${s.httpUrl}/#/devices`);
    await rowOf(fr, 'core-sw').waitFor({ timeout: 10_000 });
    assert.is(await fr.locator('h1').innerText(), 'Équipements');
    assert.is(await fr.getByTestId('devices-add').innerText(), 'Nouvel équipement');
    assert.is(await rowOf(fr, 'nas').getByTestId('device-state').innerText(), 'En attente de la première interrogation');
    await fr.getByTestId('devices-add').click();
    const form = fr.getByTestId('device-form');
    await form.getByTestId('device-version').selectOption('3');
    assert.match(await form.locator('[data-field="snmp.authKey"] .field-label').innerText(), /^Phrase secrète d’authentification$/);
    // Full-page shots from the top: scrolled, the sticky header would be painted mid-page.
    await fr.evaluate('window.scrollTo(0, 0)');
    await shot(fr, 'devices-form-fr.png');
    const phone = await open(operator, 'en', PHONE);
    await phone.goto(`${s.httpUrl}/#/devices`);
    await rowOf(phone, 'core-sw').waitFor({ timeout: 10_000 });
    const overflow = (await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 0, `page ${overflow}px wider than the phone`);
    await shot(phone, 'devices-list-phone-en.png');
    await phone.getByTestId('devices-add').click();
    await phone.getByTestId('device-form').waitFor();
    await phone.getByTestId('device-version').selectOption('3');
    await phone.getByTestId('oid-add').click();
    const formOverflow = (await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(formOverflow <= 0, `form ${formOverflow}px wider than the phone`);
    await phone.evaluate('window.scrollTo(0, 0)');
    await shot(phone, 'devices-form-phone-en.png');
  });

  test('delete asks first, says the history goes too, then removes the device and its host', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/devices`);
    const nas = rowOf(page, 'nas');
    await nas.getByTestId('device-delete').click();
    assert.is(await nas.locator('.confirm-q').innerText(), 'Delete Storage? Its history is removed too.');
    await nas.getByTestId('confirm-no').click();
    assert.is((await device('nas')).status, 200, 'cancel keeps it');
    await nas.getByTestId('device-delete').click();
    await nas.getByTestId('confirm-yes').click();
    await nas.waitFor({ state: 'detached', timeout: 10_000 });
    assert.is((await device('nas')).status, 404);
    assert.match(await page.getByTestId('devices-msg').innerText(), /Device Storage deleted/);
  });

  test.run();
}
