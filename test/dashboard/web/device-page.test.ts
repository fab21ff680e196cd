/**
 * A device's host page (issue 13) in Chromium, fed over MQTT as an SNMP
 * poller feeds it: `vigie/<device>/status|info|metrics` with `info.source`
 * naming the poller (the dashboard stack's broker is anonymous, so the test's
 * client may publish for the device; the poller rights are broker tests').
 * What users see: the SNMP badge, "SNMP device · polled by … · …", the
 * interfaces table (speed, rates, utilisation, state colours: admin-down grey,
 * not red), live updates, an interface's charts from the history API, custom
 * values, the offline reason, French, a phone, and a hostile device staying text.
 * Screenshots: test-output/screenshots/device-*.png (copied to docs/screenshots/issue-13/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { InfoPayload, MetricsPayload, NetMetrics, StatusPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { infoPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';
import { haveChromium, launchChromium, SHOTS, signInThroughForm } from './browser-helpers.js';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const DEVICE = 'core-sw';
const POLLER = 'the-box';
const HOSTILE = '<img src=x onerror="window.pwned=1">Cisco IOS <script>window.pwned=2</script>';

/** What an SNMP poller publishes as the device's info. */
function deviceInfo(sysDescr = 'Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11'): InfoPayload {
  return {
    v: 1, ts: Date.now(), hostname: 'core-sw.lan',
    os: { platform: 'snmp', distro: '', release: '' }, kernel: '', arch: '',
    cpu: { model: '', cores: 0 },
    memTotal: 512 * 2 ** 20,
    disks: [],
    addresses: [],
    bootTime: Date.now() - 40 * 86_400_000,
    agent: '0.13.0',
    source: { kind: 'snmp', poller: POLLER, address: '192.0.2.10', sysObjectID: '1.3.6.1.4.1.9.1.1208', sysDescr, sysLocation: 'Rack 2, <b>server room</b>', sysContact: 'noc@example.org' },
  };
}

const deviceStatus = (state: 'online' | 'offline', reason: string, error?: string): StatusPayload =>
  ({ v: 1, state, reason, agent: '0.13.0', interval: 60, ts: Date.now(), ...(error ? { error } : {}) });

const GI1: NetMetrics = { iface: 'Gi0/1', index: 10101, alias: 'Uplink to <b>ISP</b>', oper: 'up', admin: 'up', speed: 125_000_000, rxRate: 12_500_000, txRate: 2_500_000, util: 10, rxErrors: 0, txErrors: 0.5, rxDiscards: 0, txDiscards: 0 };
const GI2: NetMetrics = { iface: 'Gi0/2', index: 10102, alias: 'Printer', oper: 'down', admin: 'up', speed: 12_500_000, rxRate: 0, txRate: 0, util: 0, rxErrors: 0, txErrors: 0, rxDiscards: 0, txDiscards: 0 };
const GI3: NetMetrics = { iface: 'Gi0/3', index: 10103, oper: 'down', admin: 'down', speed: 125_000_000, rxRate: 0, txRate: 0, util: 0 };
const VLAN: NetMetrics = { iface: 'Vlan1', index: 1, oper: 'up', admin: 'up', rxRate: 2048, txRate: 1024 };

function deviceMetrics(ts: number, net: NetMetrics[] = [GI1, GI2, GI3, VLAN], util = 10): MetricsPayload {
  return {
    v: 1, ts,
    cpu: { usage: 17, load1: 0, load5: 0, load15: 0 },
    mem: { total: 512 * 2 ** 20, used: 200 * 2 ** 20, available: 312 * 2 ** 20, usedPercent: 39.1 },
    disks: [],
    net: net.map((n) => (n.iface === 'Gi0/1' ? { ...n, util, rxRate: (util / 100) * 125_000_000 } : n)),
    uptime: 40 * 86_400 + 3 * 3600,
    custom: [{ name: 'temp.chassis', value: 41.5, unit: '°C' }, { name: 'fans.ok', value: 4, unit: 'fans' }],
  };
}

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const shot = async (page: Page, name: string, fullPage = true): Promise<void> => {
    await page.screenshot({ path: new URL(name, SHOTS).pathname, fullPage });
  };

  const open = async (lang: 'en' | 'fr' = 'en', viewport = DESKTOP): Promise<Page> => {
    const context = await browser.newContext({ viewport, locale: lang === 'fr' ? 'fr-FR' : 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.url, 'admin', 'admin-password-1');
    return page;
  };

  const row = (page: Page, iface: string) => page.locator(`[data-testid=iface-row][data-iface="${iface}"]`);

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack();
    // The poller is an agent with a host of its own.
    await s.publish(POLLER, 'info', infoPayload(POLLER));
    await s.publish(POLLER, 'status', statusPayload('online'));
    await s.publish(DEVICE, 'info', deviceInfo());
    await s.publish(DEVICE, 'status', deviceStatus('online', 'polled'));
    // Three polls a minute apart: history for the interface charts.
    const now = Date.now();
    for (const [i, util] of [[2, 30], [1, 55], [0, 10]] as const) await s.publish(DEVICE, 'metrics', deviceMetrics(now - i * 60_000, undefined, util));
    await waitFor('the device known with its interfaces', async () => {
      const host = (await s.admin.get<{ latest: MetricsPayload | null; info: InfoPayload | null }>(`/api/hosts/${DEVICE}`)).data;
      return host.info?.source?.kind === 'snmp' && host.latest?.net?.length === 4;
    });
    await waitFor('history stored', async () => {
      const h = (await s.admin.get<{ points: unknown[] }>(`/api/hosts/${DEVICE}/history?metric=net.util&key=Gi0%2F1&range=1h`)).data;
      return (h.points?.length ?? 0) >= 2;
    });
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('the overview and the hosts list mark the device with an SNMP badge; an agent has none', async () => {
    const page = await open();
    const card = page.locator(`[data-host="${DEVICE}"]`);
    await card.waitFor({ timeout: 10_000 });
    assert.ok(await card.getByTestId('card-snmp').isVisible());
    assert.is(await card.getByTestId('card-snmp').innerText(), 'SNMP');
    assert.match(await card.locator('.card-os').innerText(), /SNMP · the-box → 192\.0\.2\.10/);
    assert.ok(await page.locator(`[data-host="${POLLER}"] [data-testid=card-snmp]`).isHidden());
    // The admin's hosts list badges it too.
    await page.goto(`${s.url}/#/admin/hosts`);
    await page.locator(`[data-testid=access-row][data-host="${DEVICE}"] [data-testid=access-snmp]`).waitFor({ timeout: 10_000 });
    assert.is(await page.locator(`[data-testid=access-row][data-host="${POLLER}"] [data-testid=access-snmp]`).count(), 0);
  });

  test('the device page: header line, sys lines, cards, and the interfaces table with speed, rates, utilisation and state colours', async () => {
    const page = await open();
    await page.goto(`${s.url}/#/host/${DEVICE}`);
    await page.locator('[data-testid=device-head]:visible').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('device-line').innerText(), 'SNMP device · polled by the-box · 192.0.2.10');
    assert.is(await page.getByTestId('device-poller').getAttribute('href'), `#/host/${POLLER}`);
    assert.ok(await page.getByTestId('host-snmp').isVisible());
    assert.match(await page.getByTestId('device-descr').innerText(), /^Cisco IOS Software, C2960/);
    assert.is(await page.getByTestId('device-where').innerText(), 'Location: Rack 2, <b>server room</b> · Contact: noc@example.org');
    assert.ok(await page.getByTestId('device-offline').isHidden(), 'online: no offline reason');
    // Only the cards a device reports: CPU, memory, uptime; no swap, no zero load.
    const labels = await page.locator('.stats .stat-label').allInnerTexts();
    assert.equal(labels, ['CPU', 'Memory', 'Uptime']);
    assert.match(await page.locator('.stats').innerText(), /40 d 3 h/);
    assert.ok(await page.getByTestId('processes').isHidden(), 'no agent on a device: no processes to ask for');

    await row(page, 'Gi0/1').waitFor({ timeout: 10_000 });
    // ifIndex order: Vlan1 (1) first.
    assert.equal(await page.getByTestId('iface-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-iface'))), ['Vlan1', 'Gi0/1', 'Gi0/2', 'Gi0/3']);
    const gi1 = row(page, 'Gi0/1');
    assert.is(await gi1.getByTestId('iface-alias').innerText(), 'Uplink to <b>ISP</b>');
    assert.is(await gi1.getByTestId('iface-speed').innerText(), '1 Gbit/s');
    assert.is(await row(page, 'Gi0/2').getByTestId('iface-speed').innerText(), '100 Mbit/s');
    assert.is(await row(page, 'Vlan1').getByTestId('iface-speed').innerText(), '–', 'no speed reported');
    assert.is(await gi1.getByTestId('iface-in').innerText(), '11.9 MiB/s');
    assert.is(await gi1.getByTestId('iface-out').innerText(), '2.4 MiB/s');
    assert.is(await gi1.getByTestId('iface-util').innerText(), '10%');
    assert.is(await gi1.getByTestId('iface-errors').innerText(), '0 / 0.5');
    assert.is(await gi1.getByTestId('iface-state').innerText(), 'Up');
    assert.is(await row(page, 'Gi0/2').getByTestId('iface-state').innerText(), 'Down');
    assert.is(await row(page, 'Gi0/2').getByTestId('iface-state-detail').innerText(), 'oper down · admin up');
    assert.is(await row(page, 'Gi0/3').getByTestId('iface-state').innerText(), 'Disabled');
    const colour = (iface: string): Promise<unknown> => page.evaluate(`getComputedStyle(document.querySelector('[data-testid=iface-row][data-iface="${iface}"] [data-testid=iface-state]')).color`);
    assert.is(await colour('Gi0/1'), 'rgb(22, 163, 74)', 'up is green');
    assert.is(await colour('Gi0/2'), 'rgb(220, 38, 38)', 'down while admin up is red');
    assert.is(await colour('Gi0/3'), 'rgb(107, 114, 128)', 'admin down is grey, not red');
    const dot = (iface: string): Promise<unknown> => page.evaluate(`getComputedStyle(document.querySelector('[data-testid=iface-row][data-iface="${iface}"] [data-testid=iface-state] .dot')).backgroundColor`);
    assert.is(await dot('Gi0/3'), 'rgb(156, 163, 175)', 'its dot grey too');
    assert.is(await dot('Gi0/2'), 'rgb(220, 38, 38)');
    assert.is(await page.getByTestId('iface-summary').innerText(), '2 of 4 up');
    // Custom OIDs with their unit.
    assert.is(await page.locator('[data-testid=custom-value][data-name="temp.chassis"]').innerText(), '41.5 °C');
    assert.is(await page.locator('[data-testid=custom-value][data-name="fans.ok"]').innerText(), '4 fans');
    // The device's info panel.
    assert.match(await page.getByTestId('device-info').innerText(), /Object ID\s+1\.3\.6\.1\.4\.1\.9\.1\.1208/);
    await shot(page, 'device-page-en.png');
  });

  test('an interface\'s charts open on a click, from the history API, and follow live samples; the table updates live', async () => {
    const page = await open();
    await page.goto(`${s.url}/#/host/${DEVICE}`);
    await row(page, 'Gi0/1').waitFor({ timeout: 10_000 });
    await page.evaluate('window.marker = 7');
    const asked = page.waitForRequest((r) => r.url().includes('metric=net.util') && r.url().includes('key=Gi0%2F1'), { timeout: 10_000 });
    await row(page, 'Gi0/1').getByTestId('iface-open').click();
    await asked;
    const charts = page.getByTestId('iface-charts');
    await charts.waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('iface-chart-title').innerText(), 'Interface Gi0/1');
    assert.is(await row(page, 'Gi0/1').getAttribute('data-selected'), 'true');
    await charts.locator('[data-chart=if-util][data-points="3"]').waitFor({ timeout: 10_000 });
    await charts.locator('[data-chart=if-traffic][data-points="3"]').waitFor({ timeout: 10_000 });
    assert.equal(await charts.locator('.chart h3').allInnerTexts(), ['Traffic', 'Utilisation']);
    // The utilisation line's legend names it; its points are the three polls (30, 55, 10 %).
    // The table and the open charts in one view, under the sticky header.
    await page.evaluate("window.scrollTo(0, document.querySelector('[data-testid=interfaces]').getBoundingClientRect().top + window.scrollY - 140)");
    await shot(page, 'device-interface-charts-en.png', false);

    // A poll where Gi0/2 came up and Gi0/1 is busy: the table changes in place, the chart gets a point.
    await s.publish(DEVICE, 'metrics', deviceMetrics(Date.now(), [GI1, { ...GI2, oper: 'up' }, GI3, VLAN], 97));
    await page.locator('[data-testid=iface-row][data-iface="Gi0/2"][data-if-state=up]').waitFor({ timeout: 10_000 });
    assert.is(await row(page, 'Gi0/1').getByTestId('iface-util').innerText(), '97%');
    assert.is(await row(page, 'Gi0/1').getByTestId('iface-util').getAttribute('data-level'), 'high');
    assert.is(await page.getByTestId('iface-summary').innerText(), '3 of 4 up');
    assert.is(await page.getByTestId('iface-charts').isVisible(), true, 'the open charts stay open across updates');
    assert.is(await page.evaluate('window.marker'), 7, 'no reload');
    await page.getByTestId('iface-close').click();
    assert.ok(await page.getByTestId('iface-charts').isHidden());
  });

  test('offline: the reason in words with the poller, and the poller\'s error', async () => {
    await s.publish(DEVICE, 'status', deviceStatus('offline', 'snmp-timeout', 'Request timed out'));
    const page = await open();
    await page.goto(`${s.url}/#/host/${DEVICE}`);
    const box = page.getByTestId('device-offline');
    await box.waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('device-reason').innerText(), 'SNMP timeout: no answer. Check the community or user, the device’s access list and UDP 161 from the-box.');
    assert.is(await page.getByTestId('device-error').innerText(), 'Request timed out');
    assert.is(await page.locator('.host-title .pill').innerText(), 'OFFLINE');
    await shot(page, 'device-offline-en.png', false);
    // Live: an auth failure replaces it without a reload.
    await s.publish(DEVICE, 'status', deviceStatus('offline', 'snmp-auth', 'Authentication failure (incorrect password, community or key)'));
    await page.locator('[data-testid=device-offline][data-reason=snmp-auth]').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('device-reason').innerText(), /^SNMP authentication failed/);
    await s.publish(DEVICE, 'status', deviceStatus('online', 'polled'));
    await page.getByTestId('device-offline').waitFor({ state: 'hidden', timeout: 10_000 });
  });

  test('French, and a phone', async () => {
    const fr = await open('fr');
    await fr.goto(`${s.url}/#/host/${DEVICE}`);
    await row(fr, 'Gi0/2').waitFor({ timeout: 10_000 });
    assert.is(await fr.getByTestId('device-line').innerText(), 'Équipement SNMP · interrogé par the-box · 192.0.2.10');
    assert.match(await fr.getByTestId('iface-table').locator('thead').textContent() ?? '', /Débit du lien/);
    assert.is(await row(fr, 'Gi0/3').getByTestId('iface-state').innerText(), 'Désactivée');
    assert.is(await row(fr, 'Gi0/1').getByTestId('iface-out').innerText(), '2,4 Mio/s');
    await shot(fr, 'device-page-fr.png');
    const phone = await open('en', PHONE);
    await phone.goto(`${s.url}/#/host/${DEVICE}`);
    await row(phone, 'Gi0/1').waitFor({ timeout: 10_000 });
    // Nothing wider than the screen: the table stacks its rows.
    const overflow = (await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 0, `page ${overflow}px wider than the phone`);
    await shot(phone, 'device-page-phone-en.png', false);
    await phone.evaluate("window.scrollTo(0, document.querySelector('[data-testid=interfaces]').getBoundingClientRect().top + window.scrollY - 110)");
    await shot(phone, 'device-interfaces-phone-en.png', false);
    await row(phone, 'Gi0/1').getByTestId('iface-open').click();
    await phone.locator('[data-chart=if-util][data-points]').waitFor({ timeout: 10_000 });
    await phone.evaluate("window.scrollTo(0, document.querySelector('[data-testid=iface-charts]').getBoundingClientRect().top + window.scrollY - 110)");
    await shot(phone, 'device-interface-charts-phone-en.png', false);
  });

  test('a hostile sysDescr stays text: no element, no script run', async () => {
    await s.publish(DEVICE, 'info', deviceInfo(HOSTILE));
    const page = await open();
    await page.goto(`${s.url}/#/host/${DEVICE}`);
    await page.getByTestId('device-descr').filter({ hasText: 'Cisco IOS' }).waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('device-descr').innerText(), HOSTILE);
    assert.is(await page.locator('.host img, .host script').count(), 0);
    assert.is(await page.evaluate('window.pwned'), undefined);
    await s.publish(DEVICE, 'info', deviceInfo());
  });

  test.run();
}
