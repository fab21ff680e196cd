import mqtt from 'mqtt';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Value } from '@sinclair/typebox/value';
import { AgentConfig } from '../../../agent/config.js';
import { startAgent, type AgentHandle } from '../../../agent/index.js';
import { buildWeb } from '../../../dashboard/web/build.js';
import { normaliseHostId } from '../../../protocol/host-id.js';
import { requireProgram, tempDir, waitFor } from '../../helpers/env.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, PREFIX, type DashboardStack } from '../stack.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * The browser app in headless Chromium against the real stack: a real agent
 * on this machine, two hosts published over MQTT, the dashboard serving the
 * built app. Screenshots land in test-output/screenshots/.
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = new URL('../../../../test-output/screenshots/', import.meta.url);

if (requireProgram('chromium', existsSync(CHROMIUM))) {
  let s: DashboardStack;
  let agent: AgentHandle;
  let context: BrowserContext;
  let page: Page;
  const profile = tempDir('vigie-chromium-');
  const localId = (() => {
    const id = normaliseHostId(hostname());
    if (!id.ok) throw new Error(id.error);
    return id.value;
  })();

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: new URL(name, SHOTS).pathname, fullPage: true });
  };

  // Functions run in the page reach the DOM through `page()`: the test's
  // tsconfig has no DOM types. (Strings would need eval, which our CSP forbids.)

  /**
   * Opaque pixels of a canvas, and those in the first series' colour
   * (#3b82f6): the second proves a data line was drawn, not only axes.
   */
  const drawnPixels = (selector: string): Promise<{ opaque: number; line: number }> =>
    page.evaluate((sel) => {
      const canvas = (globalThis as any).document.querySelector(sel);
      const ctx = canvas?.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) return { opaque: 0, line: 0 };
      const d: Uint8ClampedArray = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let opaque = 0;
      let line = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 0) opaque += 1;
        if (d[i + 3]! > 200 && Math.abs(d[i]! - 59) < 24 && Math.abs(d[i + 1]! - 130) < 24 && Math.abs(d[i + 2]! - 246) < 24) line += 1;
      }
      return { opaque, line };
    }, selector);

  const horizontalOverflow = (): Promise<number> =>
    page.evaluate(() => {
      const root = (globalThis as any).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });

  /** Resolves once the CPU chart has points (its "no data" note is hidden). */
  const cpuChartHasData = (): Promise<unknown> =>
    page.waitForFunction(() => (globalThis as any).document.querySelector('[data-chart="cpu"] .chart-empty')?.hidden === true, undefined, { timeout: 10_000 });

  /** Ten minutes of past samples, as an agent flushing its offline buffer would send. */
  const backfill = async (host: string, base: number): Promise<void> => {
    const now = Date.now();
    for (let i = 120; i >= 2; i--) {
      const m = metricsPayload(base + 15 * Math.sin(i / 9) + 5 * Math.sin(i / 2.3), now - i * 5000);
      m.mem!.usedPercent = 40 + 8 * Math.sin(i / 20);
      m.net = [{ iface: 'eth0', rxRate: 40_000 + 30_000 * Math.abs(Math.sin(i / 7)), txRate: 9_000 + 6_000 * Math.abs(Math.cos(i / 5)) }];
      await s.publish(host, 'metrics', m);
    }
  };

  test.before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 1 });
    await backfill(localId, 30);
    agent = await startAgent(Value.Default(AgentConfig, { broker: s.broker.url, interval: 1 }) as AgentConfig, { prefix: PREFIX });
    // Two more hosts, so the overview shows several states.
    // A 60 s interval: its one sample keeps it online (warning) however slow a busy machine makes the browser.
    await s.publish('db-server', 'status', { ...statusPayload(), interval: 60 });
    await s.publish('db-server', 'info', infoPayload('db-server'));
    const full = metricsPayload(35);
    full.disks = [{ mount: '/var/lib/postgresql', fs: 'ext4', total: 500 * 2 ** 30, used: 430 * 2 ** 30, free: 70 * 2 ** 30, usedPercent: 86 }];
    await backfill('db-server', 45);
    await s.publish('db-server', 'metrics', full);
    await s.publish('old-laptop', 'info', infoPayload('old-laptop'));
    await s.publish('old-laptop', 'metrics', metricsPayload(3, Date.now() - 120_000));
    await s.publish('old-laptop', 'status', statusPayload('offline'));
    await waitFor('the local agent registered', () => s.ingest.getHost(localId)?.latest);
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 860 },
      locale: 'en-US',
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  test.after(async () => {
    await context?.close();
    await agent?.close();
    await s?.close();
    profile.remove();
  });

  test('the overview shows the local host and updates it live', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(s.url);
    // Signed out, the app asks for a name and password first.
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    await page.getByTestId('login-name').fill('admin');
    await page.getByTestId('login-password').fill('admin-password-1');
    await page.getByTestId('login-password').press('Enter');
    const card = page.locator(`.card[data-host="${localId}"]`);
    await card.waitFor({ state: 'visible', timeout: 10_000 });
    await page.evaluate(() => { (globalThis as any).marker = 42; });
    const first = await card.getAttribute('data-last-seen');
    const osLine = await card.locator('.card-os').innerText();
    assert.match(osLine, /\w/, 'the OS line, from the host\'s info');
    // Two live updates: the first after joining may still carry the host's info; the second leaves it out (omitUnchanged).
    let seen = first;
    for (let update = 0; update < 2; update++) {
      await page.waitForFunction(
        ([id, before]) => (globalThis as any).document.querySelector(`.card[data-host="${id}"]`)?.getAttribute('data-last-seen') !== before,
        [localId, seen] as const,
        { timeout: 10_000 },
      );
      seen = await card.getAttribute('data-last-seen');
      assert.is(await card.locator('.card-os').innerText(), osLine, `the OS line kept across live update ${update + 1}`);
    }
    assert.is(await page.evaluate(() => (globalThis as any).marker), 42, 'updated without a reload');
    assert.match(await card.locator('.card-seen').innerText(), /^Seen (just now|\d+ s ago)$/);
    assert.match(await card.locator('.meter-value').first().innerText(), /^\d+%$/);
    assert.is(await page.locator('.card[data-host="db-server"]').getAttribute('data-state'), 'warning');
    assert.is(await page.locator('.card[data-host="old-laptop"]').getAttribute('data-state'), 'offline');
    assert.is(await page.locator('.conn').getAttribute('data-conn'), 'live');
    assert.equal(errors, [], 'no script error');
    await shot('overview.png');
  });

  test('the host page draws live uPlot charts and switches range', async () => {
    await page.locator(`.card[data-host="${localId}"]`).click();
    await page.waitForURL(new RegExp(`#/host/${localId}$`));
    const canvas = '[data-chart="cpu"] canvas';
    await page.locator(canvas).waitFor({ state: 'attached', timeout: 10_000 });
    await cpuChartHasData();
    const box = await page.locator(canvas).boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `canvas size ${JSON.stringify(box)}`);
    await page.waitForTimeout(200); // uPlot paints on the next frame
    const pixels = await drawnPixels(canvas);
    assert.ok(pixels.opaque > 500, `the chart has drawn pixels (${pixels.opaque})`);
    assert.ok(pixels.line > 20, `the CPU line is drawn (${pixels.line} pixels of its colour)`);
    assert.match(await page.locator('.stat-value').first().innerText(), /%$/);
    await page.locator('button.range[data-range="15m"]').click();
    assert.is(await page.locator('button.range[data-range="15m"]').getAttribute('aria-pressed'), 'true');
    await cpuChartHasData();
    await page.waitForTimeout(2500); // a few live points appended
    assert.ok((await drawnPixels(canvas)).line > 20, 'the 15 min chart is drawn');
    await shot('host.png');
  });

  test('the language switch shows French and is remembered', async () => {
    await page.selectOption('select.lang', 'fr');
    await page.getByRole('heading', { name: 'Historique' }).waitFor();
    assert.ok(await page.getByRole('heading', { name: 'Processeur' }).first().isVisible());
    assert.match(await page.locator('a.back').innerText(), /Toutes les machines/);
    assert.is(await page.evaluate(() => (globalThis as any).localStorage.getItem('vigie.lang')), 'fr');
    await page.reload();
    await page.getByRole('heading', { name: 'Historique' }).waitFor();
    assert.is(await page.evaluate(() => (globalThis as any).document.documentElement.lang), 'fr');
    await page.waitForTimeout(300);
    await shot('host-fr.png');
    await page.goto(`${s.url}/#/`);
    await page.locator('.card').first().waitFor();
    assert.match(await page.locator('h1').innerText(), /Machines/);
    await page.selectOption('select.lang', 'en');
  });

  test('a 375 px wide phone screen has no horizontal overflow', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${s.url}/#/`);
    await page.locator(`.card[data-host="${localId}"]`).waitFor();
    assert.is(await horizontalOverflow(), 0, 'overview fits');
    await shot('overview-375.png');
    await page.goto(`${s.url}/#/host/${localId}`);
    await page.locator('[data-chart="network"] canvas').waitFor({ state: 'attached' });
    await cpuChartHasData();
    const box = await page.locator('[data-chart="cpu"] canvas').boundingBox();
    assert.ok(box && box.width <= 375, 'the chart resized to the phone width');
    assert.is(await horizontalOverflow(), 0, 'host page fits');
    await page.waitForTimeout(300);
    await shot('host-375.png');
  });

  test('the admin status page names the history store and its write rate', async () => {
    await page.goto(`${s.url}/#/admin/status`);
    await page.getByTestId('status-store').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('status-store').innerText(), /^sqlite — .*vigie\.db$/);
    await page.waitForFunction(() => /^[1-9][\d.]* points\/s$/.test((globalThis as any).document.querySelector('[data-testid=status-write-rate]')?.textContent ?? ''), undefined, { timeout: 15_000 });
    assert.is(await page.getByTestId('status-last-error').innerText(), 'none');
    // Issue 10, items 3, 7, 16: storage state, failed next to invalid, hosts over their limits.
    assert.is(await page.getByTestId('status-storage').innerText(), 'writing');
    // The write worker reports its connection once it has written (the write rate above says it has).
    assert.is(await page.getByTestId('status-page-cache').innerText(), '2 MiB (server), 2 MiB (writer)');
    assert.match(await page.getByTestId('status-messages').innerText(), /^\d+ accepted, \d+ invalid, 0 failed, \d+ duplicates, 0 left unacknowledged$/);
    assert.is(await page.getByTestId('status-limits').innerText(), 'none');
    await shot('status.png');
  });

  test("the admin status page shows the broker's refusals, cuts and drops", async () => {
    // A connection the broker refuses for its client id, then the page counts it (it refreshes every 5 s).
    const refused = await mqtt.connectAsync(s.broker.url, { clientId: 'bad#id', reconnectPeriod: 0, connectTimeout: 3000 }).then(
      (c) => (c.end(true), 'connected'),
      (e: Error) => e.message,
    );
    assert.match(refused, /Identifier rejected/);
    await page.goto(`${s.url}/#/admin/status`);
    await page.getByTestId('status-mqtt-refused').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => / [1-9]\d* client ids,/.test((globalThis as any).document.querySelector('[data-testid=status-mqtt-refused]')?.textContent ?? ''), undefined, { timeout: 15_000 });
    assert.match(await page.getByTestId('status-mqtt-cut').innerText(), /^\d+ oversized packets, \d+ slow subscribers$/);
    assert.match(await page.getByTestId('status-mqtt-retained').innerText(), /^\d+ on non-retained topics, \d+ over quota$/);
    assert.match(await page.getByTestId('status-mqtt-queue').innerText(), /^\d+ messages dropped$/);
    await shot('status.png');
  });

  test('a host that does not exist shows a message, not a crash', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${s.url}/#/host/nobody-here`);
    await page.getByText('No host named “nobody-here”.').waitFor();
  });

  test.run();
}
