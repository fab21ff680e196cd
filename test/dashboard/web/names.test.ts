/**
 * Issue 11, in headless Chromium against the real stack (Aedes, ingest on
 * SQLite, alerts, dashboard): hosts are named by their enrolled id, never
 * by the OS hostname two cloned VMs share; cards keep their name and their
 * pills inside them; host states and alert severities use two vocabularies
 * and the header agrees with the banner; the phone header shows every link;
 * charts break where samples are missing and offer the long ranges.
 * Screenshots go to test-output/screenshots/names-*.png.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { HistoryAnswer } from '../../../dashboard/server/api/history.js';
import type { AlertView } from '../../../alerts/service.js';
import type { MetricsPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';
import { infoPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/** The noun for a count, as the dashboard writes it (its language's plural rules). */
const plural = (lang: string, n: number, one: string, other: string): string => (new Intl.PluralRules(lang).select(n) === 'one' ? one : other);

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */

const ADMIN = { name: 'admin', password: 'admin-password-1' };
// Two student VMs cloned from one image: both say "vm"; a third with a long id, alerts and a maintenance window.
const TWINS = ['student-a', 'student-b'] as const;
const LONG = 'lab-server-with-a-rather-long-enrolled-id-01';
const HISTORY = 'history-1';
const VIEWPORTS = [{ width: 1366, height: 800 }, { width: 390, height: 844 }] as const;
const LANGS = [{ lang: 'en', locale: 'en-US' }, { lang: 'fr', locale: 'fr-FR' }] as const;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function sample(ts: number, cpu: number, mem: number): MetricsPayload {
  return {
    v: 1, ts,
    cpu: { usage: cpu, load1: 0.5, load5: 0.4, load15: 0.3, iowait: 1 },
    mem: { total: 8 * 2 ** 30, used: Math.round((mem / 100) * 8 * 2 ** 30), available: Math.round((1 - mem / 100) * 8 * 2 ** 30), usedPercent: mem },
    disks: [{ mount: '/', fs: 'ext4', total: 100 * 2 ** 30, used: 40 * 2 ** 30, free: 60 * 2 ** 30, usedPercent: 40 }],
    net: [{ iface: 'eth0', rxRate: 1000, txRate: 500 }],
    uptime: 3600,
    processes: 120,
  };
}

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const t0 = Date.now();

  const open = async (viewport: { width: number; height: number }, locale: string): Promise<Page> => {
    const context = await browser.newContext({ viewport, locale });
    contexts.push(context);
    const page = await context.newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    return page;
  };

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack({ overviewThrottle: 0.2, rollupInterval: 0.3 });
    // A 60 s interval: nobody goes stale (offline) however slow the machine is.
    const status = { ...statusPayload(), interval: 60 };
    for (const id of [...TWINS, LONG, HISTORY]) {
      await s.publish(id, 'status', status);
      await s.publish(id, 'info', infoPayload(id === LONG ? 'lab' : 'vm'));
    }
    // The history host: 40 h ago, then 30 to 20 min ago, then the last 5 min; gaps in between.
    const points: number[] = [];
    for (let i = 0; i < 5; i++) points.push(t0 - 40 * HOUR + i * MINUTE);
    for (let i = 0; i <= 10; i++) points.push(t0 - 30 * MINUTE + i * MINUTE);
    for (let i = 0; i <= 10; i++) points.push(t0 - 5 * MINUTE + i * 30_000);
    for (const ts of points) await s.publish(HISTORY, 'metrics', sample(ts, 20, 10));
    // Alerts of both severities: CPU critical at 95, memory warning from 20 %, at once.
    const settings = await s.admin.send('PUT', '/api/alert-settings', {
      defaults: { cpu: { warning: 85, critical: 95, for: 0 }, mem: { warning: 20, critical: 100, for: 0 } },
      hosts: { [HISTORY]: { cpu: { enabled: false }, mem: { enabled: false } } },
    });
    assert.is(settings.status, 200, JSON.stringify(settings.body));
    await s.publish(TWINS[0], 'metrics', sample(Date.now(), 97, 30)); // critical CPU, warning memory
    await s.publish(TWINS[1], 'metrics', sample(Date.now(), 90, 30)); // warning CPU, warning memory
    await s.publish(LONG, 'metrics', sample(Date.now(), 96, 30)); // critical CPU, warning memory
    const schedule = { kind: 'once', start: Date.now() - MINUTE, end: Date.now() + HOUR };
    for (const host of [LONG, TWINS[1]]) {
      const made = await s.admin.send('POST', '/api/maintenance', { name: `Upgrade ${host}`, scope: { kind: 'host', host }, schedule });
      assert.is(made.status, 201);
    }
    await waitFor('six alerts firing', () => s.alerts.firing().length >= 6 || null, 15_000);
    await waitFor('the history host stored', () => s.ingest.getHost(HISTORY)?.latest);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await s?.close();
  });

  test('two hosts whose OS hostname is "vm" show under their enrolled ids: cards, maintenance picker and "Applies to"', async () => {
    const page = await open(VIEWPORTS[0], 'en-US');
    for (const id of TWINS) await page.locator(`.card[data-host="${id}"] [data-testid=card-name]`).filter({ hasText: id }).waitFor({ timeout: 10_000 });
    const names = await page.locator('[data-testid=card-name]').allInnerTexts();
    assert.ok(names.includes('student-a') && names.includes('student-b'), `card names ${names.join(', ')}`);
    assert.not.ok(names.includes('vm'), 'the OS hostname is not a card title');
    assert.is(await page.locator(`.card[data-host="student-a"] [data-testid=card-hostname]`).innerText(), 'hostname: vm', 'the OS hostname is secondary information');

    await page.goto(`${s.url}/#/maintenance`);
    await page.getByTestId('maintenance-form').waitFor({ timeout: 10_000 });
    const choices = await page.locator('[data-testid=maintenance-host] option').allInnerTexts();
    assert.ok(choices.includes('student-a') && choices.includes('student-b'), `picker ${choices.join(', ')}`);
    assert.not.ok(choices.includes('vm'));
    const scopes = await page.getByTestId('maintenance-row').allInnerTexts();
    assert.ok(scopes.some((r) => r.includes('student-b')), `"Applies to" names the id: ${scopes.join(' | ')}`);
    assert.ok(scopes.some((r) => r.includes(LONG)));
    assert.not.ok(scopes.some((r) => /\bvm\b/.test(r)), 'no window applies to "vm"');

    // The host page: the id is the title, the hostname a secondary line and a row of the system panel.
    await page.goto(`${s.url}/#/host/student-b`);
    await page.getByTestId('host-label').filter({ hasText: 'student-b' }).waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('host-hostname').innerText(), 'hostname: vm');
    assert.match(await page.locator('.panel.info').innerText(), /Hostname\s+vm/);

    // A label still wins, and the picker keeps the id beside it.
    const labelled = await s.admin.send('PATCH', '/api/hosts/student-a', { label: 'Alice' });
    assert.is(labelled.status, 200);
    await page.goto(`${s.url}/#/maintenance`);
    await page.getByTestId('maintenance-form').waitFor({ timeout: 10_000 });
    assert.ok((await page.locator('[data-testid=maintenance-host] option').allInnerTexts()).includes('Alice (student-a)'));
    await page.goto(`${s.url}/#/`);
    await page.locator('.card[data-host="student-a"] [data-testid=card-name]').filter({ hasText: 'Alice' }).waitFor({ timeout: 10_000 });
    await s.admin.send('PATCH', '/api/hosts/student-a', { label: null });
  });

  test('cards keep their name visible and every pill inside, EN and FR, desktop and phone', async () => {
    for (const { lang, locale } of LANGS) {
      for (const viewport of VIEWPORTS) {
        const page = await open(viewport, locale);
        // Wait for the badges: the long host carries an alert and a maintenance mark.
        await page.locator(`.card[data-host="${LONG}"][data-maintenance][data-alert="critical"]`).waitFor({ timeout: 10_000 });
        await page.locator(`.card[data-host="student-b"][data-maintenance][data-alert]`).waitFor({ timeout: 10_000 });
        const cards = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.card')].map((card: any) => {
          const box = card.getBoundingClientRect();
          const name = card.querySelector('.card-name');
          const n = name.getBoundingClientRect();
          const pills = [...card.querySelectorAll('.pill, .tag')].filter((p: any) => !p.hidden).map((p: any) => {
            const r = p.getBoundingClientRect();
            return { text: p.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
          });
          return {
            host: card.dataset.host, name: name.textContent, title: name.title, nameWidth: n.width, nameInside: n.left >= box.left && n.right <= box.right + 0.5,
            box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom }, pills,
          };
        }));
        assert.ok(cards.length >= 4, `${cards.length} cards`);
        for (const c of cards) {
          const where = `${lang} ${viewport.width}px ${c.host}`;
          assert.ok(c.nameWidth > 20, `${where}: the name shows (${c.nameWidth} px wide)`);
          assert.ok(c.nameInside, `${where}: the name inside the card`);
          assert.is(c.title, c.name, `${where}: the whole name in the title attribute`);
          for (const p of c.pills) {
            assert.ok(p.width > 0, `${where}: pill "${p.text}" shows`);
            assert.ok(p.left >= c.box.left - 0.5 && p.right <= c.box.right + 0.5 && p.top >= c.box.top - 0.5 && p.bottom <= c.box.bottom + 0.5,
              `${where}: pill "${p.text}" [${p.left}, ${p.right}] inside the card [${c.box.left}, ${c.box.right}]`);
          }
        }
        const long = cards.find((c) => c.host === LONG)!;
        assert.ok(long.pills.length >= 3, `${lang} ${viewport.width}: state, alert and maintenance pills (${long.pills.map((p) => p.text).join(', ')})`);
        const scroll = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
        assert.ok(scroll <= viewport.width, `${lang} ${viewport.width}: no sideways scroll (${scroll})`);
        await shot(page, `names-overview-${lang}-${viewport.width}.png`);
      }
    }
  });

  test('host states and alert severities have their own words; the header count and the banner agree', async () => {
    const firing = (await s.admin.get<AlertView[]>('/api/alerts?state=firing&limit=1000')).data;
    const critical = firing.filter((a) => a.severity === 'critical').length;
    const warning = firing.filter((a) => a.severity === 'warning').length;
    assert.ok(critical >= 2 && warning >= 3, `alerts of both severities (${critical} critical, ${warning} warning)`);
    const words = {
      en: { banner: `${critical} critical, ${warning} ${plural('en', warning, 'warning', 'warnings')}`, states: /^(Online|Busy|Saturated|Offline)$/i, severity: /critical|warning/i },
      fr: { banner: `${critical} ${plural('fr', critical, 'critique', 'critiques')}, ${warning} ${plural('fr', warning, 'avertissement', 'avertissements')}`, states: /^(En ligne|Chargée|Saturée|Hors ligne)$/i, severity: /critique|avertissement/i },
    };
    for (const { lang, locale } of LANGS) {
      const page = await open(VIEWPORTS[0], locale);
      const banner = page.getByTestId('alerts-banner');
      await banner.filter({ hasText: words[lang].banner }).waitFor({ timeout: 10_000 });
      const count = page.getByTestId('nav-alert-count');
      assert.is(await count.innerText(), String(critical + warning));
      assert.is(await count.getAttribute('title'), words[lang].banner, `${lang}: the header count says what the banner says`);
      assert.is(await count.getAttribute('data-critical'), await banner.getAttribute('data-critical'));
      assert.is(await count.getAttribute('data-warning'), await banner.getAttribute('data-warning'));
      // Host states never borrow the severities' words.
      await page.locator('[data-testid=state-counts] .count').first().waitFor({ timeout: 10_000 });
      const pills = await page.locator('[data-testid=card-state]').allInnerTexts();
      assert.ok(pills.length >= 4, `${pills.length} state pills`);
      for (const p of pills) {
        assert.match(p, words[lang].states, `${lang}: state pill "${p}"`);
        assert.not.match(p, words[lang].severity, `${lang}: state pill "${p}" is not a severity`);
      }
      const counts = await page.locator('[data-testid=state-counts] .count').allInnerTexts();
      for (const c of counts) assert.not.match(c, words[lang].severity, `${lang}: overview count "${c}" is not a severity`);
      assert.ok(await page.locator(`.card[data-host="student-a"][data-state="critical"]`).count() === 1, 'student-a is saturated by its CPU');
      await shot(page, `names-vocabulary-${lang}.png`);
    }
  });

  test('the phone header shows every page link whole, EN and FR', async () => {
    for (const { lang, locale } of LANGS) {
      const page = await open(VIEWPORTS[1], locale);
      await page.locator('.nav .nav-link').first().waitFor({ timeout: 10_000 });
      const links = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.nav .nav-link')].map((a: any) => {
        const r = a.getBoundingClientRect();
        const nav = a.parentElement.getBoundingClientRect();
        return { text: a.textContent, left: r.left, right: r.right, width: r.width, scroll: a.scrollWidth, client: a.clientWidth, navLeft: nav.left, navRight: nav.right };
      }));
      assert.ok(links.length >= 10, `${links.length} links for an admin`);
      for (const l of links) {
        assert.ok(l.left >= 0 && l.right <= 390, `${lang}: "${l.text}" within the screen [${l.left}, ${l.right}]`);
        assert.ok(l.left >= l.navLeft - 0.5 && l.right <= l.navRight + 0.5, `${lang}: "${l.text}" within the nav, not scrolled away`);
        assert.ok(l.scroll <= l.client + 1, `${lang}: "${l.text}" not cut (${l.scroll} > ${l.client})`);
      }
      assert.ok(links.some((l) => l.text.startsWith('Maintenance')), 'the link once cut, whole');
      await shot(page, `names-nav-${lang}-390.png`);
    }
  });

  test('history: a gap comes back as gapAfter, the chart breaks there, and long ranges read the hourly tier', async () => {
    const get = async (query: string): Promise<HistoryAnswer> => (await s.admin.get<HistoryAnswer>(`/api/hosts/${HISTORY}/history?metric=cpu.usage&${query}`)).data;
    const hour = await get('range=1h');
    assert.is(hour.gapAfter, 120, 'twice the 60 s interval (wider than the 10 s step)');
    const distances = hour.points.slice(1).map((p, i) => p.ts - hour.points[i]!.ts);
    assert.ok(distances.some((d) => d > hour.gapAfter * 1000), 'the 15-minute hole is wider than gapAfter');
    assert.ok(distances.filter((d) => d > hour.gapAfter * 1000).length === 1, `one gap only (${distances.join(',')})`);
    for (const range of ['90d', '180d', '400d'] as const) {
      const long = await waitFor(`${range} from the hourly rollups`, async () => {
        const a = await get(`range=${range}`);
        return a.points.length >= 2 ? a : null;
      });
      assert.is(long.tier, '1h', `${range} reads the 1-hour tier`);
      assert.ok(long.points.some((p) => p.ts <= t0 - 39 * HOUR), `${range} reaches back to 40 h ago`);
      // Daily buckets (400d) may put 40 h within two buckets: a gap only where the step is finer.
      if (range !== '400d') assert.ok(long.points.slice(1).some((p, i) => p.ts - long.points[i]!.ts > long.gapAfter * 1000), `${range}: the 40-hour hole is a gap`);
    }

    for (const viewport of VIEWPORTS) {
      const page = await open(viewport, 'en-US');
      await page.goto(`${s.url}/#/host/${HISTORY}`);
      const cpu = page.locator('[data-chart=cpu]');
      await page.locator('[data-chart=cpu][data-breaks]').waitFor({ timeout: 10_000 });
      assert.is(await cpu.getAttribute('data-breaks'), '1', 'one break in the last hour');
      const buttons = await page.locator('.ranges .range[data-range]').evaluateAll((els) => els.map((e: any) => e.dataset.range));
      assert.equal(buttons, ['15m', '1h', '24h', '7d', '30d', '90d', '180d', '400d']);
      // Every range button readable inside the page.
      const inside = await page.locator('.ranges .range[data-range]').evaluateAll((els, w) => els.every((e: any) => {
        const r = e.getBoundingClientRect();
        return r.left >= 0 && r.right <= w && e.scrollWidth <= e.clientWidth + 1;
      }), viewport.width);
      assert.ok(inside, `${viewport.width}: range buttons inside the page`);
      await page.locator('.range[data-range="90d"]').click();
      await page.locator('[data-chart=cpu][data-tier="1h"]').waitFor({ timeout: 10_000 });
      assert.ok(Number(await cpu.getAttribute('data-points')) >= 2, 'the 90-day chart has points');
      assert.ok(Number(await cpu.getAttribute('data-breaks')) >= 1, 'and breaks over the 40-hour hole');
      await shot(page, `names-charts-90d-${viewport.width}.png`);
      await page.locator('.range[data-range="400d"]').click();
      await page.locator('.range[data-range="400d"][aria-pressed="true"]').waitFor({ timeout: 10_000 });
      await waitFor('the 400-day chart', async () => (await cpu.getAttribute('data-tier')) === '1h' && Number(await cpu.getAttribute('data-points')) >= 1 && (await page.locator('[data-chart=cpu] .chart-empty').isHidden()) ? true : null);
    }
  });

  test.run();
}
