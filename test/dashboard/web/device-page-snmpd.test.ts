/**
 * A real device end to end, as a user meets it (issue 13): Debian's snmpd
 * (test/helpers/snmpd.ts) added on the Devices page's API, polled by the
 * box's own agent on the real `vigie up` wiring, shown on its host page in
 * Chromium with its interfaces as snmpd reports them. Takes the issue's
 * screenshots from real data: test-output/screenshots/snmpd-*.png
 * (copied to docs/screenshots/issue-13/).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { HostSummary } from '../../../ingest/types.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { waitFor } from '../../helpers/env.js';
import { CUSTOM_OIDS, haveSnmpd, OID, startSnmpd, type Snmpd } from '../../helpers/snmpd.js';
import { adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { haveChromium, launchChromium, SHOTS, signInThroughForm } from './browser-helpers.js';
import { addUser } from '../../helpers/stack.js';

const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const DEVICE = 'lab-server';

/** "10 Gbit/s" → megabits per second, as ifHighSpeed counts them. */
function mbps(text: string): number {
  const m = /^([\d.]+) (bit|kbit|Mbit|Gbit|Tbit)\/s$/.exec(text);
  if (!m) return Number.NaN;
  const scale = { bit: 1e-6, kbit: 1e-3, Mbit: 1, Gbit: 1e3, Tbit: 1e6 }[m[2] as 'bit'];
  return Number(m[1]) * scale;
}

if (haveChromium() && haveSnmpd()) {
  let snmpd: Snmpd;
  let s: TestStack;
  let admin: ApiClient;
  let browser: Browser;
  let who: { name: string; password: string };
  const contexts: BrowserContext[] = [];

  const shot = async (page: Page, name: string, fullPage = true): Promise<void> => {
    await page.screenshot({ path: new URL(name, SHOTS).pathname, fullPage });
  };
  const open = async (viewport = DESKTOP): Promise<Page> => {
    const context = await browser.newContext({ viewport, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.httpUrl, who.name, who.password);
    return page;
  };

  test.before(async () => {
    await buildWeb();
    snmpd = await startSnmpd();
    s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
    who = await addUser(s.dataDir, 'nadia', 'admin');
    await waitFor('the box\'s agent online', async () => (await admin.get<{ id: string }[]>('/api/hosts')).data.some((h) => h.id === 'the-box'), 20_000);
    const made = await admin.send('POST', '/api/devices', {
      id: DEVICE, label: 'Lab server (snmpd)', address: snmpd.host, port: snmpd.port, poller: 'the-box', interval: 10,
      snmp: { version: '3', ...snmpd.v3.private },
      custom: [
        { name: 'toner.black', oid: CUSTOM_OIDS.tonerLevel.oid, type: 'gauge', unit: '%' },
        { name: 'fw.states', oid: CUSTOM_OIDS.pfStates.oid, type: 'counter', unit: '/s' },
      ],
    });
    assert.is(made.status, 201, JSON.stringify(made.data));
    // Two polls: rates need a previous counter.
    await waitFor('the device polled twice, with interface rates', async () => {
      const host = (await admin.get<HostSummary>(`/api/hosts/${DEVICE}`)).data;
      return host.info?.source?.kind === 'snmp' && (host.latest?.net ?? []).some((n) => n.util !== undefined || n.rxRate > 0);
    }, 60_000);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
    await snmpd?.close();
  });

  test('the device page shows snmpd\'s interfaces as snmpget reads them, and opens one\'s charts', async () => {
    const page = await open();
    await page.goto(`${s.httpUrl}/#/host/${DEVICE}`);
    await page.locator('[data-testid=iface-row]').first().waitFor({ timeout: 15_000 });
    assert.is(await page.getByTestId('device-line').innerText(), `SNMP device · polled by the-box · ${snmpd.host}`);
    assert.is(await page.getByTestId('device-descr').innerText(), await snmpd.get(OID.sysDescr));
    // Every interface snmpd names, in ifIndex order, with its ifHighSpeed.
    const names = (await snmpd.walk(OID.ifName)).map((v) => v.value);
    const shown = await page.getByTestId('iface-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-iface')));
    assert.equal(shown, names);
    const speeds = await snmpd.walk(`${OID.ifXTable}.15`); // ifHighSpeed, Mbit/s
    for (const [i, name] of names.entries()) {
      const text = await page.locator(`[data-testid=iface-row][data-iface="${name}"] [data-testid=iface-speed]`).innerText();
      const want = Number(speeds[i]?.value ?? 0);
      if (want === 0) assert.is(text, '–', `${name} reports no speed`);
      else assert.is(mbps(text), want, `${name}: ${text}`);
    }
    assert.is(await page.locator('[data-testid=custom-value][data-name="toner.black"]').innerText(), `${CUSTOM_OIDS.tonerLevel.value} %`);
    await shot(page, 'snmpd-device-page-en.png');
    // The busiest interface (on this rig lo: the polls themselves run over it), for charts with a line.
    const latest = (await admin.get<HostSummary>(`/api/hosts/${DEVICE}`)).data.latest;
    const first = [...(latest?.net ?? [])].sort((a, b) => b.rxRate - a.rxRate)[0]?.iface ?? names[0] ?? '';
    await page.locator(`[data-testid=iface-row][data-iface="${first}"] [data-testid=iface-open]`).click();
    await page.locator('[data-chart=if-traffic][data-points]').waitFor({ timeout: 10_000 });
    await page.evaluate("window.scrollTo(0, document.querySelector('[data-testid=interfaces]').getBoundingClientRect().top + window.scrollY - 140)");
    await shot(page, 'snmpd-interface-charts-en.png', false);
    const phone = await open(PHONE);
    await phone.goto(`${s.httpUrl}/#/host/${DEVICE}`);
    await phone.locator('[data-testid=iface-row]').first().waitFor({ timeout: 15_000 });
    await shot(phone, 'snmpd-device-page-phone-en.png', false);
    await phone.evaluate("window.scrollTo(0, document.querySelector('[data-testid=interfaces]').getBoundingClientRect().top + window.scrollY - 110)");
    await shot(phone, 'snmpd-interfaces-phone-en.png', false);
  });

  test('the Devices page lists it online; stopping snmpd turns it offline with the reason', async () => {
    const page = await open();
    await page.goto(`${s.httpUrl}/#/devices`);
    const row = page.locator(`[data-testid=device-row][data-id="${DEVICE}"]`);
    // Polled: a state pill (the box's real CPU may make it Busy or Saturated), not "waiting" or offline.
    const pill = row.locator('.pill[data-testid=device-state]');
    await pill.waitFor({ timeout: 15_000 });
    assert.ok(['online', 'warning', 'critical'].includes((await pill.getAttribute('data-state')) ?? ''), 'answering, so not offline');
    assert.is(await row.getByTestId('device-snmp').innerText(), 'v3 · authPriv (authenticated and encrypted)');
    await shot(page, 'snmpd-devices-list-en.png', false);
    await snmpd.stop();
    const host = await open();
    await host.goto(`${s.httpUrl}/#/host/${DEVICE}`);
    await host.locator('[data-testid=device-offline][data-reason=snmp-timeout]').waitFor({ timeout: 60_000 });
    assert.match(await host.getByTestId('device-reason').innerText(), /^SNMP timeout: no answer/);
    await shot(host, 'snmpd-device-offline-en.png', false);
    await snmpd.start();
    await host.getByTestId('device-offline').waitFor({ state: 'hidden', timeout: 60_000 });
  });

  test.run();
}
