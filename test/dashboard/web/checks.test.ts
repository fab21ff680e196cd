/**
 * The Checks page (issue 12) in Chromium, on the real `vigie up` wiring
 * (broker, ingest, dashboard, the box's own agent `the-box`) and a real HTTP
 * server run by the test: an operator creates an HTTP check in the form and
 * sees it go Up live; a wrong field is marked where it is; a viewer sees the
 * check and no control to change it; the detail page has 90 daily bars;
 * a file import shows its dry run, then applies. Two more runners,
 * `vps-paris` and `lan-probe`, are MQTT clients with agent credentials that
 * publish results as their agents would, for the Up / Down / partial shots.
 * Screenshots go to test-output/screenshots/checks-*.png (copied to docs/screenshots/issue-12/).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb } from '../../../dashboard/web/build.js';
import type { CheckView } from '../../../checks/view.js';
import type { CheckResultPayload } from '../../../protocol/schemas/check.js';
import { createTopics } from '../../../protocol/topics.js';
import type { ApiClient } from '../../helpers/api-client.js';
import { tempDir, waitFor } from '../../helpers/env.js';
import { addCredentials, addUser, adminClient, startTestStack, type TestStack } from '../../helpers/stack.js';
import { infoPayload, statusPayload } from '../stack.js';
import { DESKTOP, haveChromium, launchChromium, openSignedIn, shot } from './browser-helpers.js';

const PHONE = { width: 390, height: 844 };
const topics = createTopics('vigie');

if (haveChromium()) {
  let s: TestStack;
  let admin: ApiClient;
  let browser: Browser;
  let target: Server;
  let targetUrl = '';
  const contexts: BrowserContext[] = [];
  const clients: MqttClient[] = [];
  let groupId = 0;
  let operator: { name: string; password: string };
  let viewer: { name: string; password: string };
  const dir = tempDir('vigie-checks-web-');

  const open = (who: { name: string; password: string }, lang: 'en' | 'fr' = 'en', viewport = DESKTOP): Promise<Page> =>
    openSignedIn(browser, contexts, s.httpUrl, who, lang, viewport);

  /** An MQTT client with `host`'s agent credentials, as that agent connects. */
  const agentClient = async (host: string): Promise<MqttClient> => {
    const creds = addCredentials(s.dataDir, { kind: 'agent', host });
    const client = await mqtt.connectAsync(s.mqttUrl, { clientId: `test-${host}-${process.pid}`, ...creds, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  /** Publishes a result on `vigie/<runner>/checks/<check>`, retained, QoS 1: what a runner does. */
  const publishResult = async (client: MqttClient, runner: string, check: string, result: Partial<CheckResultPayload> & Pick<CheckResultPayload, 'state' | 'kind'>): Promise<void> => {
    const payload: CheckResultPayload = { v: 1, ts: Date.now(), latency: 0.05, message: result.state === 'up' ? '200 OK' : 'connection refused', ...result };
    await client.publishAsync(topics.checkResult(runner, check), JSON.stringify(payload), { qos: 1, retain: true });
  };

  const latest = async (id: string): Promise<CheckView> => (await admin.get<CheckView>(`/api/checks/${id}`)).data;

  test.before(async () => {
    await buildWeb();
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello from vigie\n');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    s = await startTestStack('up', { set: { 'agent.host': 'the-box' } });
    admin = await adminClient(s.httpUrl, s.dataDir);
    const group = await admin.send<{ id: number }>('POST', '/api/groups', { name: 'Web team' });
    groupId = group.data.id;
    const op = await addUser(s.dataDir, 'olga', 'operator');
    const vi = await addUser(s.dataDir, 'vera', 'viewer');
    operator = op;
    viewer = vi;
    await admin.send('PATCH', `/api/groups/${groupId}`, { members: [op.id, vi.id] });
    await waitFor('the box\'s agent online', async () => (await admin.get<{ id: string }[]>('/api/hosts')).data.some((h) => h.id === 'the-box'), 20_000);
    assert.is((await admin.send('PUT', '/api/hosts/the-box/access', { owner: null, groups: [groupId] })).status, 200);
    browser = await launchChromium();
  });

  test.after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    for (const c of clients) await c.endAsync().catch(() => undefined);
    await s?.close();
    await new Promise((resolve) => target?.close(resolve));
    dir.remove();
  });

  test('an operator sees how to add a first check, creates an HTTP check in the form, and sees it go Up live', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks`);
    const empty = page.getByTestId('checks-empty');
    await empty.waitFor({ timeout: 10_000 });
    assert.match(await empty.innerText(), /No checks yet/);
    assert.match(await empty.innerText(), /New check/);
    await shot(page, 'checks-empty-en.png', false);
    // A marker that a reload would lose: the state below must change without one.
    await page.evaluate('window.marker = 42');
    await page.getByTestId('checks-empty-add').click();
    const form = page.getByTestId('check-form');
    await form.waitFor();
    await form.getByTestId('check-name').fill('Intranet');
    await form.getByTestId('check-id').fill('intranet');
    await form.getByTestId('check-target').fill(targetUrl);
    await form.getByTestId('check-http-keyword').fill('vigie');
    await form.getByTestId('check-interval').fill('10');
    assert.is(await form.getByTestId('check-group').inputValue(), String(groupId), 'the operator\'s group is chosen');
    await form.locator('[data-testid=check-runner][data-runner=the-box]').check();
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'checks-form-en.png');
    await form.getByTestId('check-save').click();
    const row = page.locator('[data-testid=check-row][data-id=intranet]');
    await row.waitFor({ timeout: 10_000 });
    const created = await latest('intranet');
    assert.equal(created.runners.map((r) => r.runner), ['the-box']);
    assert.is(created.groupId, groupId);
    assert.equal(created.http?.keyword, { text: 'vigie', regex: false, present: true });
    assert.is(created.interval, 10);
    // The box's own agent runs it against the test's HTTP server; its result reaches the page over the socket.
    await page.locator('[data-testid=check-row][data-id=intranet][data-state=up]').waitFor({ timeout: 60_000 });
    assert.match(await row.getByTestId('check-state').innerText(), /Up$/);
    assert.is(await page.evaluate('window.marker'), 42, 'no reload');
    assert.match(await row.locator('[data-testid=runner-row][data-runner=the-box] [data-testid=runner-state]').innerText(), /Up$/);
    assert.match(await row.getByTestId('check-message').innerText(), /200/);
  });

  test('a wrong field is marked next to it with the server\'s words', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks`);
    await page.getByTestId('checks-add').click();
    const form = page.getByTestId('check-form');
    await form.getByTestId('check-name').fill('Database');
    await form.getByTestId('check-id').fill('db');
    await form.getByTestId('check-kind').selectOption('tcp');
    await form.getByTestId('check-target').fill('db.lan');
    await form.getByTestId('check-save').click();
    const err = form.locator('[data-field=port] [data-testid=field-error]');
    await err.waitFor({ timeout: 10_000 });
    assert.match(await err.innerText(), /^Refused by the server: .*required for a TCP check/);
    assert.is(await form.getByTestId('check-port').getAttribute('aria-invalid'), 'true');
    assert.match(await form.getByTestId('check-form-msg').innerText(), /fix “Port”/);
    await form.locator('[data-field=port]').scrollIntoViewIfNeeded();
    await shot(page, 'checks-form-error-en.png', false);
    assert.is((await admin.get<CheckView>('/api/checks/db')).status, 404, 'nothing saved');
  });

  test('Up, Down and "down from 1 of 2 places" in the list, live; filters by state', async () => {
    const paris = await agentClient('vps-paris');
    const lan = await agentClient('lan-probe');
    for (const [host, hostname] of [['vps-paris', 'vps-paris'], ['lan-probe', 'probe']] as const) {
      const c = host === 'vps-paris' ? paris : lan;
      await c.publishAsync(topics.host(host, 'info'), JSON.stringify(infoPayload(hostname)), { qos: 1, retain: true });
      await c.publishAsync(topics.host(host, 'status'), JSON.stringify(statusPayload('online')), { qos: 1, retain: true });
    }
    await waitFor('the two runners known', async () => (await admin.get<{ id: string }[]>('/api/hosts')).data.filter((h) => ['vps-paris', 'lan-probe'].includes(h.id)).length === 2);
    await admin.send('PATCH', '/api/hosts/vps-paris', { label: 'Paris VPS' });
    // The group sees lan-probe (its latency history too); vps-paris only through the checks.
    assert.is((await admin.send('PUT', '/api/hosts/lan-probe/access', { owner: null, groups: [groupId] })).status, 200);
    const mk = (body: Record<string, unknown>) => admin.send<CheckView>('POST', '/api/checks', { groupId, ...body });
    assert.is((await mk({ id: 'shop', name: 'Shop', kind: 'http', target: 'https://shop.example.org/', runners: ['vps-paris', 'lan-probe'], sla: 99.5, alerting: { downAfter: 2, latency: { warning: 0.3, critical: 1, for: 60 }, certDays: { warning: 14, critical: 3 } } })).status, 201);
    assert.is((await mk({ id: 'dns-lan', name: 'Box DNS', kind: 'dns', target: 'nas.lan', dns: { type: 'A', server: '192.168.1.1', expect: ['192.168.1.20'] }, runners: ['lan-probe'] })).status, 201);
    assert.is((await mk({ id: 'gateway', name: 'Gateway', kind: 'ping', target: '192.168.1.1', runners: ['lan-probe'] })).status, 201);
    assert.is((await mk({ id: 'mail-tls', name: 'Mail certificate', kind: 'tls', target: 'mail.example.org', port: 993, runners: ['vps-paris'], enabled: false })).status, 201);

    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks`);
    await page.locator('[data-testid=check-row][data-id=shop][data-state=pending]').waitFor({ timeout: 10_000 });
    const now = Date.now();
    await publishResult(paris, 'vps-paris', 'shop', {
      kind: 'http', state: 'up', latency: 0.184, status: 200, message: '200 OK',
      phases: { dns: 0.012, connect: 0.021, tls: 0.048, firstByte: 0.09 },
      cert: { notAfter: now + 41 * 864e5, subject: 'CN=shop.example.org', issuer: 'CN=R11, O=Let\'s Encrypt, C=US', chainValid: true, hostnameMatch: true },
    });
    await publishResult(lan, 'lan-probe', 'shop', {
      kind: 'http', state: 'down', latency: 5.002, status: 503, message: 'status 503 is not accepted (200-299)',
      phases: { dns: 0.002, connect: 0.004, tls: 0.011, firstByte: 4.9 },
      excerpt: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>',
      trace: ' 1?: [LOCALHOST]                      pmtu 1500\n 1:  192.168.1.1                                           0.512ms\n 2:  10.0.0.1                                              3.104ms\n 3:  shop.example.org                                     12.880ms reached\n     Resume: pmtu 1500 hops 3 back 3',
    });
    await publishResult(lan, 'lan-probe', 'dns-lan', { kind: 'dns', state: 'down', latency: 0.003, message: 'expected 192.168.1.20, got 192.168.1.21', answers: ['192.168.1.21'] });
    await publishResult(lan, 'lan-probe', 'gateway', { kind: 'ping', state: 'up', latency: 0.0007, message: '3 of 3 replies', ping: { sent: 3, received: 3, loss: 0, min: 0.0005, avg: 0.0007, max: 0.0009 } });
    const shop = page.locator('[data-testid=check-row][data-id=shop]');
    await page.locator('[data-testid=check-row][data-id=shop][data-state=partial]').waitFor({ timeout: 15_000 });
    assert.is(await shop.getByTestId('check-state').innerText().then((x) => x.replace(/^\W+/, '')), 'Down from 1 of 2 places');
    await page.locator('[data-testid=check-row][data-id=dns-lan][data-state=down]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=check-row][data-id=gateway][data-state=up]').waitFor({ timeout: 15_000 });
    assert.is(await page.locator('[data-testid=check-row][data-id=mail-tls]').getAttribute('data-state'), 'paused');
    assert.equal(await page.getByTestId('check-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state'))).then((st) => st.slice(0, 2)), ['down', 'partial'], 'worst first');
    // Each runner: name (label with id), state, latency, age.
    const parisRow = shop.locator('[data-testid=runner-row][data-runner=vps-paris]');
    assert.match(await parisRow.innerText(), /Paris VPS \(vps-paris\)\s+▲\s*Up\s+184 ms\s+(just now|\d+ s ago)/);
    assert.match(await shop.getByTestId('check-message').innerText(), /status 503/);
    assert.match(await shop.getByTestId('check-budget').innerText(), /99\.5% target/);
    // Availability is read on load (and every minute), not from live results.
    await page.reload();
    await page.locator('[data-testid=check-row][data-id=shop][data-state=partial]').waitFor({ timeout: 10_000 });
    await shot(page, 'checks-list-en.png');
    await page.getByTestId('checks-filter-state').selectOption('down');
    assert.equal(await page.getByTestId('check-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))), ['dns-lan']);
    await page.getByTestId('checks-filter-state').selectOption('');

    const fr = await open(operator, 'fr');
    await fr.goto(`${s.httpUrl}/#/checks`);
    await fr.locator('[data-testid=check-row][data-id=shop][data-state=partial]').waitFor({ timeout: 10_000 });
    assert.match(await fr.locator('[data-testid=check-row][data-id=shop] [data-testid=check-state]').innerText(), /En panne depuis 1 endroit sur 2/);
    await shot(fr, 'checks-list-fr.png');
    const phone = await open(operator, 'en', PHONE);
    await phone.goto(`${s.httpUrl}/#/checks`);
    await phone.locator('[data-testid=check-row][data-id=shop][data-state=partial]').waitFor({ timeout: 10_000 });
    await shot(phone, 'checks-list-phone-en.png', false);
    await phone.goto(`${s.httpUrl}/#/checks/shop`);
    await phone.getByTestId('day-bars').waitFor({ timeout: 10_000 });
    await shot(phone, 'checks-detail-phone-en.png', false);
  });

  test('the detail page: 90 daily bars with date and %, latency per runner, phases, certificate, the last failure as text', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks/shop`);
    await page.getByTestId('day-bars').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('day-bar').count(), 90);
    const today = page.getByTestId('day-bar').last();
    assert.is(await today.getAttribute('data-day'), new Date().toISOString().slice(0, 10));
    assert.match((await today.getAttribute('title')) ?? '', /^\d{1,2} \w{3} \d{4}: \d+(\.\d+)?%/);
    const first = page.getByTestId('day-bar').first();
    assert.is(await first.getAttribute('data-level'), 'none', 'a day without data is not 100 %');
    assert.match((await first.getAttribute('title')) ?? '', /: no data$/);
    const paris = page.locator('[data-testid=runner-result][data-runner=vps-paris]');
    assert.match(await paris.getByTestId('http-phases').innerText(), /DNS:\s*12 ms[\s\S]*Connect:\s*21 ms[\s\S]*TLS:\s*48 ms[\s\S]*First byte:\s*90 ms/);
    assert.match(await paris.getByTestId('cert-days').innerText(), /^(40|41) days$/);
    assert.match(await paris.getByTestId('cert-hostname').innerText(), /yes/);
    const failure = page.getByTestId('last-failure');
    assert.match(await failure.innerText(), /On lan-probe, .*status 503/);
    // Markup in a response stays text.
    assert.match(await failure.getByTestId('failure-excerpt').innerText(), /^<html><body><h1>503 Service Unavailable<\/h1>/);
    assert.is(await failure.locator('h1').count(), 0);
    assert.match(await failure.getByTestId('failure-trace').innerText(), /pmtu 1500/);
    await page.locator('[data-chart=check-latency][data-points]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('[data-chart=check-latency] .chart-error').innerText(), /No history from Paris VPS \(vps-paris\): a host you do not see/);
    await shot(page, 'checks-detail-en.png');
    const fr = await open(operator, 'fr');
    await fr.goto(`${s.httpUrl}/#/checks/dns-lan`);
    await fr.getByTestId('dns-answers').waitFor({ timeout: 10_000 });
    assert.match(await fr.getByTestId('dns-answers').innerText(), /192\.168\.1\.21/);
    await shot(fr, 'checks-detail-dns-fr.png');
    await page.goto(`${s.httpUrl}/#/checks/gateway`);
    await page.getByTestId('ping').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('ping').innerText(), /Loss\s+0% \(3 of 3 replies\)\s+RTT min \/ avg \/ max\s+0\.5 ms \/ 0\.7 ms \/ 0\.9 ms/);
  });

  test('a viewer of the group sees the checks, and no control to add, edit, pause, delete or import', async () => {
    const page = await open(viewer);
    await page.goto(`${s.httpUrl}/#/checks`);
    await page.locator('[data-testid=check-row][data-id=intranet]').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('checks-add').count(), 0);
    assert.is(await page.getByTestId('import-file').count(), 0);
    assert.is(await page.getByTestId('checks-export-yaml').count(), 1, 'exporting stays possible');
    await page.goto(`${s.httpUrl}/#/checks/intranet`);
    await page.getByTestId('check-title').waitFor({ timeout: 10_000 });
    assert.is(await page.getByTestId('check-title').innerText(), 'Intranet');
    for (const id of ['check-edit', 'check-toggle', 'check-delete']) assert.is(await page.getByTestId(id).count(), 0, id);
  });

  test('an operator edits, pauses and deletes a check; the delete is asked first', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks/gateway`);
    await page.getByTestId('check-edit').click();
    const form = page.getByTestId('check-form');
    assert.is(await form.getByTestId('check-id').isDisabled(), true);
    await form.getByTestId('check-ping-count').fill('5');
    await form.getByTestId('check-save').click();
    await page.getByTestId('check-action-msg').filter({ hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    assert.is((await latest('gateway')).ping?.count, 5);
    await page.getByTestId('check-toggle').click();
    await page.locator('.check-page[data-state=paused]').waitFor({ timeout: 10_000 });
    assert.is((await latest('gateway')).enabled, false);
    await page.getByTestId('check-delete').click();
    await page.getByTestId('confirm-yes').click();
    await page.waitForURL(/#\/checks$/, { timeout: 10_000 });
    assert.is((await admin.get('/api/checks/gateway')).status, 404);
  });

  test('import: the dry run says what would change, errors are listed per item, then apply', async () => {
    const page = await open(operator);
    await page.goto(`${s.httpUrl}/#/checks`);
    const bad = new URL('bad.yaml', `file://${dir.path}/`).pathname;
    writeFileSync(bad, `checks:\n  - id: api\n    name: API\n    kind: http\n    target: http://127.0.0.1/\n    groupId: ${groupId}\n    runners: [the-box]\n    http:\n      acceptStatus: ["2000"]\n`);
    await page.getByTestId('import-file').setInputFiles(bad);
    await page.getByTestId('import-preview').click();
    const errors = page.getByTestId('import-errors');
    await errors.waitFor({ timeout: 10_000 });
    assert.match(await errors.innerText(), /Check 1 http\.acceptStatus\.0: /);
    assert.ok(await page.getByTestId('import-apply').isHidden());
    await errors.scrollIntoViewIfNeeded();
    await shot(page, 'checks-import-errors-en.png', false);
    const good = new URL('good.yaml', `file://${dir.path}/`).pathname;
    writeFileSync(good, [
      'checks:',
      '  - id: api', '    name: API', '    kind: http', `    target: ${targetUrl}`, `    groupId: ${groupId}`, '    runners: [the-box]',
      '  - id: dns-lan', '    name: Box DNS (renamed)', '    kind: dns', '    target: nas.lan', `    groupId: ${groupId}`, '    runners: [lan-probe]',
      '    dns: { type: A, server: 192.168.1.1, expect: [192.168.1.20] }',
      '',
    ].join('\n'));
    await page.getByTestId('import-file').setInputFiles(good);
    await page.getByTestId('import-preview').click();
    await page.locator('[data-testid=import-created][data-count="1"]').waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('import-created').innerText(), /create 1 api/);
    assert.match(await page.getByTestId('import-updated').innerText(), /update 1 dns-lan/);
    assert.is((await admin.get('/api/checks/api')).status, 404, 'a dry run changes nothing');
    await page.getByTestId('import-outcome').scrollIntoViewIfNeeded();
    await shot(page, 'checks-import-dry-run-en.png', false);
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-msg').filter({ hasText: 'The file is applied.' }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=check-row][data-id=api]').waitFor({ timeout: 10_000 });
    assert.is((await latest('dns-lan')).name, 'Box DNS (renamed)');
  });

  test.run();
}
