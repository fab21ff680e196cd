/**
 * Issue 16, goal 7: the overview with many hosts, in headless Chromium against
 * the real stack. 1,500 hosts published over MQTT, in a shuffled order and
 * with ids whose code-unit order is not the locale's: every card is there, in
 * the server's order; the counts per state are right; a live state change
 * moves one host from a count to another and recolours its card; a new host
 * lands at its sorted place; a host that shows up while the page is away is
 * there on return; a few hosts look as they did. Not timed: bench/dashboard/overview.ts measures.
 * Screenshots: test-output/screenshots/overview-scale-*.png.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { HostSummary } from '../../../ingest/types.js';
import { waitFor } from '../../helpers/env.js';
import { DESKTOP, haveChromium, launchChromium, openSignedIn, shot } from './browser-helpers.js';
import { connectSocket, infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */

const ADMIN = { name: 'admin', password: 'admin-password-1' };
const N = 1500;
// Not zero-padded (node-10 sorts before node-2) and with '-', '.', '_' which a locale order would ignore.
const IDS = [...Array.from({ length: N - 4 }, (_, i) => `node-${i}`), 'a-b', 'a.b', 'a_b', 'ab'];
// Every 10th host over the CPU warning threshold, every 25th over the critical one, every 50th offline.
const WARNING = (i: number): boolean => i % 10 === 5;
const CRITICAL = (i: number): boolean => i % 25 === 3;
const OFFLINE = (i: number): boolean => i % 50 === 7;
const codeUnitOrder = (ids: string[]): string[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  /** Publishes in parallel batches: 1,500 hosts one by one would take a while. */
  const publishAll = async (jobs: Array<() => Promise<void>>): Promise<void> => {
    for (let i = 0; i < jobs.length; i += 200) await Promise.all(jobs.slice(i, i + 200).map((job) => job()));
  };

  const counts = (page: Page): Promise<Record<string, number>> =>
    page.getByTestId('state-counts').locator('.count').evaluateAll((spans) =>
      Object.fromEntries(spans.map((span: any) => [span.getAttribute('data-state'), Number(span.textContent.replace(/\D/g, ''))])));

  const cardIds = (page: Page): Promise<string[]> =>
    page.locator('.overview .grid.cards > .card').evaluateAll((cards) => cards.map((c: any) => c.getAttribute('data-host')));

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2 });
    browser = await launchChromium();
    // A 300 s interval: nobody goes stale (offline) however slow the machine is.
  });

  /** Publishes the hosts of IDS whose index passes `which`, in a shuffled order. */
  const seed = async (which: (i: number) => boolean): Promise<void> => {
    const online = { ...statusPayload(), interval: 300 };
    const shuffled = IDS.map((id, i) => ({ id, i })).filter(({ i }) => which(i)).sort((a, b) => ((a.i * 7919) % N) - ((b.i * 7919) % N));
    await publishAll(shuffled.map(({ id, i }) => async () => {
      await s.publish(id, 'status', OFFLINE(i) ? { ...statusPayload('offline'), interval: 300 } : online);
      await s.publish(id, 'info', infoPayload(id));
      if (!OFFLINE(i)) await s.publish(id, 'metrics', metricsPayload(CRITICAL(i) ? 95 : WARNING(i) ? 85 : 20));
    }));
  };
  const known = (): number => s.ingest.listHosts().filter((h) => h.latest !== null || h.presence === 'offline').length;
  // The few hosts of the first test: one of each state.
  const FEW = (i: number): boolean => i === 3 || i === 5 || i === 7 || i === 8;

  test('a few hosts look as before: desktop and 390 px, in English and French', async () => {
    await seed(FEW);
    await waitFor('the few hosts known', () => known() === 4);
    for (const [lang, seen] of [['en', /Seen/], ['fr', /Vue/]] as const) {
      for (const viewport of [DESKTOP, { width: 390, height: 844 }]) {
        const page = await openSignedIn(browser, contexts, s.url, ADMIN, lang, viewport);
        await waitFor('four cards', async () => (await page.locator('.overview .grid.cards > .card').count()) === 4);
        assert.equal(await cardIds(page), ['node-3', 'node-5', 'node-7', 'node-8']);
        assert.equal(await counts(page), { online: 1, warning: 1, critical: 1, offline: 1 });
        assert.match(await page.locator('.card[data-host="node-8"] .card-seen').textContent() ?? '', seen);
        await shot(page, `overview-scale-few-${lang}-${viewport.width}.png`);
      }
    }
  });

  test.after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  test('1,500 hosts: every card in id order, the counts per state, live changes and a new host in place', async () => {
    await seed((i) => !FEW(i));
    await waitFor('every host known to the ingest', () => known() === N, 60_000);
    const expected = { online: 0, warning: 0, critical: 0, offline: 0 };
    IDS.forEach((_, i) => { expected[OFFLINE(i) ? 'offline' : CRITICAL(i) ? 'critical' : WARNING(i) ? 'warning' : 'online'] += 1; });
    // The ingest agrees before the page is asked: the counts below are the UI's, not the seed's.
    const byState = { online: 0, warning: 0, critical: 0, offline: 0 };
    for (const h of s.ingest.listHosts()) byState[h.state] += 1;
    assert.equal(byState, expected, 'the ingest saw the seed as intended');

    const page = await openSignedIn(browser, contexts, s.url, ADMIN, 'en', DESKTOP);
    await waitFor('all the cards', async () => (await page.locator('.overview .grid.cards > .card').count()) === N, 30_000);
    const ids = await cardIds(page);
    assert.equal(ids, codeUnitOrder(IDS), 'cards in code-unit id order');
    assert.equal(ids.slice(0, 4), ['a-b', 'a.b', 'a_b', 'ab']);
    // The server's list is in the same order: a host inserted later cannot disagree with it.
    const socket = await connectSocket(s.url, { cookie: s.admin.cookieHeader() });
    const list = await new Promise<{ ok: boolean; data: HostSummary[] }>((resolve) => socket.emit('overview', resolve));
    socket.close();
    assert.equal(list.data.map((h) => h.id), ids, 'the overview list is sorted the same way');
    assert.is(list.data.find((h) => h.id === 'node-0')?.latest?.net, undefined, 'the list carries a card\'s share of the sample, not its interfaces');
    assert.is(list.data.find((h) => h.id === 'node-0')?.latest?.cpu?.usage, 20);
    assert.equal(await counts(page), expected, 'counts per state');
    assert.is(await page.locator('.card[data-host="node-5"]').getAttribute('data-state'), 'warning');
    await shot(page, 'overview-scale-1500-desktop.png', false);

    // A live state change: node-1 (online) goes critical; node-3 (critical) calms down.
    await s.publish('node-1', 'metrics', metricsPayload(96));
    await s.publish('node-3', 'metrics', metricsPayload(10));
    await page.locator('.card[data-host="node-1"][data-state="critical"]').waitFor({ timeout: 10_000 });
    await page.locator('.card[data-host="node-3"][data-state="online"]').waitFor({ timeout: 10_000 });
    assert.equal(await counts(page), { ...expected, online: expected.online, critical: expected.critical }, 'one host out, one in: the same counts');
    await s.publish('node-2', 'metrics', metricsPayload(97));
    await page.locator('.card[data-host="node-2"][data-state="critical"]').waitFor({ timeout: 10_000 });
    await waitFor('the counts after node-2 went critical', async () => {
      const now = await counts(page);
      return now.online === expected.online - 1 && now.critical === expected.critical + 1 ? now : null;
    });
    assert.match(await page.locator('.card[data-host="node-2"] [data-testid=card-state]').textContent() ?? '', /Saturated/);

    // A new host lands at its sorted place: after node-1, before node-10 ('node-1.5' < 'node-10' in code units).
    await s.publish('node-1.5', 'status', { ...statusPayload(), interval: 300 });
    await s.publish('node-1.5', 'metrics', metricsPayload(30));
    await page.locator('.card[data-host="node-1.5"]').waitFor({ timeout: 10_000 });
    const after = await cardIds(page);
    assert.is(after.length, N + 1);
    assert.equal(after, codeUnitOrder([...IDS, 'node-1.5']), 'the new card in its place, the others unmoved');
    assert.equal(after.slice(after.indexOf('node-1') , after.indexOf('node-1') + 3), ['node-1', 'node-1.5', 'node-10']);
    await waitFor('the new host counted', async () => ((await counts(page)).online === expected.online) || null);

    // Away and back: a host that appeared meanwhile is in the one-pass render, in its place.
    await page.goto(`${s.url}/#/alerts`);
    await s.publish('aa', 'status', { ...statusPayload(), interval: 300 });
    await s.publish('aa', 'metrics', metricsPayload(30));
    await waitFor('aa known', () => s.ingest.getHost('aa')?.latest ?? null);
    await page.goto(`${s.url}/#/`);
    await waitFor('all the cards again', async () => (await page.locator('.overview .grid.cards > .card').count()) === N + 2, 30_000);
    assert.equal((await cardIds(page)).slice(0, 6), ['a-b', 'a.b', 'a_b', 'aa', 'ab', 'node-0']);
    assert.is((await counts(page)).online, expected.online + 1);

    // The look at 390 px (the grid's first rows) and the card of the new host.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'overview-scale-1500-390.png', false);
  });

  test.run();
}
