import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../../dashboard/web/build.js';
import { waitFor } from '../../helpers/env.js';
import { addUser } from '../../helpers/stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from './browser-helpers.js';
import { infoPayload, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- page functions see the browser's globals */
/**
 * Issue 3's browser attacks against the real stack in headless Chromium:
 * hostile names shown as text, cross-site writes and sockets refused, a
 * signed-out browser and a viewer kept to what they may see.
 */

// Each sets window.__xss if it ever runs; the dialog catches the alert.
const X1 = '<script>window.__xss=1</script>';
const X2 = '<img src=x onerror="window.__xss=2;alert(2)">';
const X3 = '<svg onload="window.__xss=3;alert(3)">';
const HOSTILE = [X1, X2, X3];
const ADMIN = { name: 'admin', password: 'admin-password-1' };

interface Probe {
  xss: unknown;
  /** Which of the expected strings are in the page's visible text. */
  missing: string[];
  /** Elements that only exist if data was parsed as HTML. */
  injected: number;
}

if (haveChromium()) {
  let s: DashboardStack;
  let browser: Browser;
  let attacker: Server;
  let attackerPort = 0;
  const contexts: BrowserContext[] = [];

  /** A context of its own: own cookies, so each test starts signed out. */
  const newPage = async (opts: { bypassCSP?: boolean } = {}): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', ...opts });
    contexts.push(context);
    return context.newPage();
  };

  /**
   * Waits until every string of `expected` is visible text on the page, then
   * looks for any sign that data became markup: the flag, <img>/<svg> with
   * the handlers, or a <script> that is not the app's bundle.
   */
  const probe = async (page: Page, expected: string[]): Promise<Probe> => {
    await page
      .waitForFunction((want) => want.every((w) => ((globalThis as any).document.body.innerText as string).includes(w)), expected, { timeout: 10_000 })
      .catch(() => undefined); // the probe below reports what is missing
    return page.evaluate((want) => {
      const d = (globalThis as any).document;
      const text: string = d.body.innerText;
      const scripts = [...d.querySelectorAll('script')].filter((el: any) => !/\/app\.js$/.test(el.src));
      return {
        xss: (globalThis as any).__xss,
        missing: want.filter((w) => !text.includes(w)),
        injected: d.querySelectorAll('img[src=x], img[onerror], svg[onload], [onerror], [onload]').length + scripts.length,
      };
    }, expected);
  };

  const publishHost = async (id: string, hostname: string): Promise<void> => {
    await s.publish(id, 'status', statusPayload());
    await s.publish(id, 'info', infoPayload(hostname));
    await s.publish(id, 'metrics', metricsPayload(20));
  };

  test.before(async () => {
    await buildWeb();
    s = await startDashboardStack();
    browser = await launchChromium();
    // The attacker's site: pages that try to act on the dashboard with the visitor's cookie.
    attacker = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://attacker');
      const name = url.searchParams.get('name') ?? 'evil';
      const target = s.url;
      const pages: Record<string, string> = {
        // A text/plain form whose body reads as JSON: {"name":…,"x":"="}
        '/form': `<form id="f" method="POST" enctype="text/plain" action="${target}/api/users">`
          + `<input type="hidden" name='{"name":"${name}","password":"evil-password-1","role":"admin","x":"' value='"}'></form>`
          + '<script>document.getElementById("f").submit()</script>',
        '/fetch': `<script>window.result = (async () => {
          const out = {};
          const body = JSON.stringify({ name: ${JSON.stringify(name)}, password: 'evil-password-1', role: 'admin' });
          try { await fetch('${target}/api/users', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }); out.noCors = 'sent'; } catch (e) { out.noCors = 'failed'; }
          try { const r = await fetch('${target}/api/users', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body }); out.json = 'answered ' + r.status; } catch (e) { out.json = 'blocked'; }
          try { const r = await fetch('${target}/api/users', { credentials: 'include' }); out.read = 'read ' + (await r.text()).slice(0, 80); } catch (e) { out.read = 'blocked'; }
          return out;
        })();</script>`,
        '/ws': `<script>window.log = [];
          window.wsDone = new Promise((resolve) => {
            const ws = new WebSocket('${target.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket');
            ws.onopen = () => log.push('open');
            ws.onmessage = (e) => log.push('message ' + String(e.data).slice(0, 40));
            ws.onerror = () => log.push('error');
            ws.onclose = (e) => { log.push('close ' + e.code); resolve(log); };
          });</script>`,
      };
      const html = pages[url.pathname];
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ? `<!doctype html><title>attacker</title>${html}` : 'not found');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(null)));
    await s?.close();
  });

  test('hostile host, service, label, user and group names are shown as text and never run', async () => {
    // Users: X1 is an admin, so the browser signs in with a hostile name.
    const users: number[] = [];
    for (const [name, role] of [[X1, 'admin'], [X2, 'viewer'], [X3, 'operator']] as const) {
      users.push(((await s.admin.send<{ id: number }>('POST', '/api/users', { name, password: 'hostile-password-1', role })).data).id);
    }
    const groups: number[] = [];
    for (const name of HOSTILE) groups.push((await s.admin.send<{ id: number }>('POST', '/api/groups', { name })).data.id);
    await publishHost('xss-1', X1);
    await s.publish('xss-1', 'services', { v: 1, ts: Date.now(), services: HOSTILE.map((name) => ({ name, state: 'running', enabled: true })) });
    await publishHost('xss-2', X2);
    await publishHost('xss-3', 'plain-hostname');
    await waitFor('the hostile hosts in the ingest', () => s.ingest.getHost('xss-1')?.services && s.ingest.getHost('xss-3')?.latest);
    (await s.admin.send('PUT', '/api/hosts/xss-1/access', { owner: users[1], groups: [groups[2]] })).data;

    // CSP off: what is tested here is the app writing data as text, not the policy catching it.
    const page = await newPage({ bypassCSP: true });
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await signInThroughForm(page, s.url, X1, 'hostile-password-1');
    assert.is(await page.locator('header [data-testid=user-name]').innerText(), X1, 'the header shows the hostile name as it is');

    const check = async (where: string, expected: string[]): Promise<void> => {
      const p = await probe(page, expected);
      assert.equal(p.missing, [], `${where}: every hostile string shown as literal text`);
      assert.is(p.xss, undefined, `${where}: no hostile script ran`);
      assert.is(p.injected, 0, `${where}: no element made from data`);
    };

    await page.locator('.card[data-host="xss-2"]').waitFor({ timeout: 10_000 });
    await check('overview', [X1, X2]);

    // The label is set through the UI, as an admin would: X3 becomes xss-3's title.
    await page.goto(`${s.url}/#/host/xss-3`);
    await page.getByTestId('label-edit').click();
    await page.getByTestId('label-input').fill(X3);
    await page.getByTestId('label-save').click();
    await page.getByTestId('host-label').filter({ hasText: X3 }).waitFor({ timeout: 10_000 });
    assert.is((await s.admin.get<{ label: string }>('/api/hosts/xss-3')).data.label, X3, 'the label was stored as typed');
    await check('host page (label)', [X3]);
    await page.goto(`${s.url}/#/`);
    await check('overview with the label', [X1, X2, X3]);

    await page.goto(`${s.url}/#/host/xss-1`);
    await check('host page (hostname, services)', HOSTILE);
    // The enrolled id is the title (issue 11); the hostile hostname shows, as text, beneath it.
    assert.is(await page.getByTestId('host-label').innerText(), 'xss-1');
    assert.is(await page.getByTestId('host-hostname').innerText(), `hostname: ${X1}`);
    await shot(page, 'xss-host.png');

    await page.goto(`${s.url}/#/admin/users`);
    await check('users page', HOSTILE);
    assert.is(await page.locator(`[data-testid=user-row][data-user="${X2.replaceAll('"', '\\"')}"]`).count(), 1, 'the row is keyed by the name');
    await shot(page, 'users.png');

    await page.goto(`${s.url}/#/admin/groups`);
    await check('groups page', HOSTILE);

    await page.goto(`${s.url}/#/admin/hosts`);
    await check('hosts page', [X3, ...HOSTILE]); // xss-3's label; the groups as checkboxes
    const owner = await page.locator('[data-testid=access-row][data-host="xss-1"] [data-testid=access-owner]').evaluate((el: any) => el.selectedOptions[0]?.textContent);
    assert.is(owner, X2, 'the owner select shows the hostile user name as an option text');

    await page.goto(`${s.url}/#/admin/events`);
    await page.locator('[data-testid=event-row][data-type="user.created"]').first().waitFor({ timeout: 10_000 });
    await check('events page', [`User ${X1} created`, `Group ${X2} created`, `User ${X3} created`]);

    assert.equal(dialogs, [], 'no dialog opened');
    assert.equal(errors, [], 'no script error');
  });

  test('the app is served with a strict Content-Security-Policy and other security headers', async () => {
    const res = await fetch(`${s.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.is(scriptSrc.trim(), "'self'", `script-src only the app's own files (${csp})`);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const directive = (name: string): string[] => (new RegExp(`(?:^|;)\\s*${name} ([^;]*)`).exec(csp)?.[1] ?? '').trim().split(/\s+/);
    assert.equal(directive('style-src'), ["'self'"], `no inline styles (${csp})`);
    const host = new URL(s.url).host;
    assert.equal(directive('connect-src'), ["'self'", `ws://${host}`, `wss://${host}`], `sockets only to the page's own host, never any ws:/wss: (${csp})`);
    const forged = await new Promise<string>((resolve, reject) => {
      // A Host header trying to add a source of its own is left out, not echoed into the policy.
      const req = httpRequest(`${s.url}/`, { headers: { host: 'evil.example; script-src *' } }, (r) => { r.resume(); resolve(String(r.headers['content-security-policy'] ?? '')); });
      req.on('error', reject);
      req.end();
    });
    assert.not.match(forged, /evil/, forged);
    assert.is(res.headers.get('x-content-type-options'), 'nosniff');
    // And in the browser, with the policy on, the app boots and every page works signed in: no inline
    // script or style of its own, the live socket connects (charts, cards and bars are drawn).
    const page = await newPage();
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await publishHost('csp-1', 'csp-host');
    await page.goto(s.url);
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    await page.locator('.card[data-host="csp-1"]').first().waitFor({ timeout: 10_000 });
    const widths = await page.locator('.card[data-host="csp-1"] .meter-fill').evaluateAll((els) => els.map((e: any) => e.style.width));
    assert.ok(widths.some((w: string) => /%$/.test(w)), `the card's bars are sized through the CSSOM (${widths})`);
    for (const hash of ['#/host/csp-1', '#/alerts', '#/maintenance', '#/admin/status', '#/admin/box']) {
      await page.goto(`${s.url}/${hash}`);
      await page.waitForLoadState('networkidle').catch(() => undefined);
    }
    await page.goto(`${s.url}/#/host/csp-1`);
    await page.locator('.uplot').first().waitFor({ timeout: 10_000 });
    // Live over the socket: a new sample changes the card without a reload.
    await page.goto(`${s.url}/#/`);
    await page.locator('.card[data-host="csp-1"]').first().waitFor({ timeout: 10_000 });
    await s.publish('csp-1', 'metrics', metricsPayload(41));
    await page.locator('.card[data-host="csp-1"]', { hasText: '41' }).first().waitFor({ timeout: 10_000 });
    assert.equal(violations, [], 'the app itself breaks no rule of its policy');
  });

  test('a signed-out browser gets the login form, 401 from the API, and an error for a wrong password', async () => {
    const page = await newPage();
    await page.goto(`${s.url}/#/`);
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    assert.is(await page.locator('.card').count(), 0, 'no host shown');
    assert.not.ok(await page.locator('header [data-testid=user-name]').isVisible(), 'no user in the header');
    const answer = await page.evaluate(async () => {
      const r = await (globalThis as any).fetch('/api/hosts');
      return { status: r.status as number, body: await r.json() };
    });
    assert.is(answer.status, 401);
    assert.is(answer.body.error.code, 'VIGIE_ERR_UNAUTHENTICATED');
    // A socket without a session: the transport opens, the namespace is refused.
    const socket = await page.evaluate((url) => new Promise<string[]>((resolve) => {
      const log: string[] = [];
      const ws = new (globalThis as any).WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
      ws.onmessage = (e: any) => {
        const data = String(e.data);
        log.push(data.slice(0, 60));
        if (data.startsWith('0{')) ws.send('40');
        if (data.startsWith('4')) { ws.close(); resolve(log); }
      };
      ws.onclose = () => resolve(log);
    }), s.url);
    assert.ok(socket[0]?.startsWith('0{'), `engine.io handshake (${socket.join(' | ')})`);
    assert.match(socket[1] ?? '', /^44\{.*unauthorized/, 'Socket.IO refuses the namespace without a session');

    await shot(page, 'login.png');
    await page.getByTestId('login-name').fill(ADMIN.name);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-password').press('Enter');
    await page.getByTestId('login-error').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.getByTestId('login-error').innerText(), /Wrong name or password/);
    assert.ok(await page.getByTestId('login-form').isVisible(), 'still on the login form');
    const failed = await s.admin.get<Array<{ user: string | null }>>('/api/events?type=auth.login_failed');
    assert.ok(failed.data.some((e) => e.user === ADMIN.name), 'the failure is in the event log');
    await shot(page, 'login-error.png');
  });

  interface Seen { method?: string; url?: string; headers?: Record<string, string>; status?: number }

  /**
   * Every request of `page` as it went on the wire, through the DevTools
   * protocol: unlike page.on('response'), it also sees answers the browser
   * then withheld from the page (Cross-Origin-Resource-Policy, CORS).
   */
  const recordNetwork = async (page: Page): Promise<Map<string, Seen>> => {
    const seen = new Map<string, Seen>();
    const entry = (id: string): Seen => seen.get(id) ?? (seen.set(id, {}), seen.get(id)!);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.requestWillBeSent', (e) => Object.assign(entry(e.requestId), { method: e.request.method, url: e.request.url }));
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      entry(e.requestId).headers = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    });
    cdp.on('Network.responseReceivedExtraInfo', (e) => { entry(e.requestId).status = e.statusCode; });
    return seen;
  };

  /**
   * The attacker's pages, opened at `origin` in a tab of a browser signed in
   * to the dashboard: a text/plain form post, then fetches. Answers what the
   * writes to /api/users got and whether they carried the session cookie.
   */
  const crossSiteAttempts = async (origin: string, tag: string): Promise<{ statuses: number[]; sentCookie: boolean; formText: string }> => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    const attack = await page.context().newPage();
    const seen = await recordNetwork(attack);
    const writes = (): Seen[] => [...seen.values()].filter((r) => r.method === 'POST' && r.url === `${s.url}/api/users` && r.headers);

    await attack.goto(`${origin}/form?name=evil-form-${tag}`);
    await attack.waitForURL(`${s.url}/api/users`, { timeout: 10_000 });
    const formText = await attack.locator('body').innerText();

    await attack.goto(`${origin}/fetch?name=evil-fetch-${tag}`);
    const out = await attack.evaluate(() => (globalThis as any).result as Promise<Record<string, string>>);
    // The answer of the no-cors post is withheld from the page (CORP
    // same-origin), so the fetch may fail: what the server said is read below.
    assert.ok(['sent', 'failed'].includes(out.noCors!), `no-cors post: ${out.noCors}`);
    assert.is(out.json, 'blocked', 'a JSON post from elsewhere fails its CORS preflight');
    assert.is(out.read, 'blocked', 'another site cannot read the API with our cookie');
    // The form and the no-cors fetch reach the server; the JSON one never passes its preflight.
    const sent = await waitFor('both cross-site writes answered', (): Seen[] | null => (writes().length === 2 && writes().every((w) => w.status) ? writes() : null), 5000);
    for (const w of sent) assert.is(w.headers!.origin, origin, 'the browser told the server where the request came from');
    await attack.close();
    return { statuses: sent.map((w) => w.status!), sentCookie: sent.every((w) => /vigie_session=/.test(w.headers!.cookie ?? '')), formText };
  };

  test('cross-site form posts and fetches cannot create a user, even when the cookie goes along', async () => {
    // localhost is another site than 127.0.0.1: SameSite=Lax keeps the cookie home.
    const cross = await crossSiteAttempts(`http://localhost:${attackerPort}`, 'cross');
    // 127.0.0.1 on another port is the same site (ports do not count): the
    // cookie IS sent, so only the server's Origin / content-type checks stand.
    const same = await crossSiteAttempts(`http://127.0.0.1:${attackerPort}`, 'same');
    console.log(`  cross-site: ${cross.statuses.join(', ')} (cookie sent: ${cross.sentCookie}); same-site other origin: ${same.statuses.join(', ')} (cookie sent: ${same.sentCookie})`);
    assert.ok(same.sentCookie, 'the same-site attempt really carried the session cookie');
    for (const { statuses, formText } of [cross, same]) {
      for (const status of statuses) assert.ok([401, 403, 415].includes(status), `refused (${status})`);
      assert.match(formText, /VIGIE_ERR_(CSRF|UNSUPPORTED_MEDIA|UNAUTHENTICATED)/, 'the form landed on an error envelope');
    }
    assert.match(same.formText, /VIGIE_ERR_CSRF/, 'with the cookie, the Origin check is what refuses');
    const users = (await s.admin.get<Array<{ name: string }>>('/api/users')).data.map((u) => u.name);
    assert.equal(users.filter((n) => n.startsWith('evil')), [], 'no user was created');
    const created = (await s.admin.get<Array<{ message: string }>>('/api/events?type=user.created')).data;
    assert.not.ok(created.some((e) => /evil/.test(e.message)), 'nothing in the event log either');
  });

  test('a page on another origin cannot open a socket to the dashboard', async () => {
    const page = await newPage();
    await signInThroughForm(page, s.url, ADMIN.name, ADMIN.password);
    // The same socket from the dashboard's own page opens: the check below can tell.
    const own = await page.evaluate((url) => new Promise<string[]>((resolve) => {
      const log: string[] = [];
      const ws = new (globalThis as any).WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
      ws.onopen = () => log.push('open');
      ws.onmessage = (e: any) => { log.push(`message ${String(e.data).slice(0, 40)}`); ws.close(); };
      ws.onclose = () => resolve(log);
    }), s.url);
    assert.is(own[0], 'open', 'own origin: opens');
    assert.match(own[1] ?? '', /^message 0\{"sid"/, 'own origin: engine.io handshake');

    for (const origin of [`http://127.0.0.1:${attackerPort}`, `http://localhost:${attackerPort}`]) {
      const attack = await page.context().newPage();
      await attack.goto(`${origin}/ws`);
      const log = await attack.evaluate(() => (globalThis as any).wsDone as Promise<string[]>);
      assert.not.ok(log.includes('open'), `${origin}: never opened (${log.join(', ')})`);
      assert.not.ok(log.some((l) => l.startsWith('message')), `${origin}: no handshake message`);
      assert.match(log.at(-1) ?? '', /^close 1006$/, `${origin}: closed abnormally (handshake refused)`);
      await attack.close();
    }
  });

  test('a viewer sees only their own host, no admin pages, and cannot edit a label', async () => {
    const viewer = await addUser(s.dataDir, 'viewer1', 'viewer');
    await publishHost('mine', 'mine');
    await publishHost('theirs', 'theirs');
    await waitFor('both hosts in the ingest', () => s.ingest.getHost('mine')?.latest && s.ingest.getHost('theirs')?.latest);
    (await s.admin.send('PUT', '/api/hosts/mine/access', { owner: viewer.id, groups: [] })).data;

    const page = await newPage();
    await signInThroughForm(page, s.url, viewer.name, viewer.password);
    await page.locator('.card[data-host="mine"]').waitFor({ timeout: 10_000 });
    assert.is(await page.locator('.card').count(), 1, 'only the one host (theirs and the others are hidden)');
    assert.equal(
      await page.locator('header nav a').evaluateAll((links) => links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href'))),
      ['#/', '#/alerts', '#/checks', '#/devices', '#/maintenance', '#/account'],
      'overview, alerts, checks (issue 12), devices (issue 13), maintenance and account links only',
    );
    assert.is(await page.locator('header nav a[href^="#/admin"]').count(), 0, 'no admin link');

    await page.goto(`${s.url}/#/host/mine`);
    await page.locator('.stat-value').first().waitFor({ timeout: 10_000 });
    await page.locator('.panel.info dl').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('label-edit').count(), 0, 'no label editor for a viewer');

    await page.goto(`${s.url}/#/host/theirs`);
    await page.getByText('No host named “theirs”.').waitFor({ timeout: 10_000 });

    await page.goto(`${s.url}/#/admin/users`);
    await page.getByText('This page is for administrators.').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('user-row').count(), 0, 'no user list');
    const api = await page.evaluate(async () => {
      const users = await (globalThis as any).fetch('/api/users');
      // With the session's CSRF token, so only the role can refuse it.
      const { data } = await (await (globalThis as any).fetch('/api/session')).json();
      const label = await (globalThis as any).fetch('/api/hosts/mine', { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': data.csrf }, body: '{"label":"x"}' });
      return { users: users.status as number, label: label.status as number, code: (await label.json()).error?.code as string };
    });
    assert.is(api.users, 403, 'the API refuses the user list too');
    assert.equal([api.label, api.code], [403, 'VIGIE_ERR_FORBIDDEN'], 'and a label change by a viewer');
    await shot(page, 'viewer.png');
  });

  test.run();
}
