/**
 * Issue 10 item 17: no notice lost for good. A notice to a target that is
 * down is retried with back-off far past the old 5 attempts and delivered
 * once the target is back; one past notify.retryHours is marked failed,
 * visible through the REST API and in the event log; a notifier process
 * killed with -9 in the middle of its retries delivers the notice exactly
 * once after restart, collapsed to one notice per alert state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChannelStore, NOTIFY_FILE } from '../../notify/channel-store.js';
import type { WebhookBody } from '../../notify/channels/webhook.js';
import { createNotifier } from '../../notify/notifier.js';
import { Outbox } from '../../notify/outbox.js';
import { buildWeb } from '../../dashboard/web/build.js';
import { startDashboardStack } from '../dashboard/stack.js';
import { haveChromium, launchChromium, shot, signInThroughForm } from '../dashboard/web/browser-helpers.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { LOCAL, notice, resolvedNotice, startRecorder, tempStore, type Received } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/notifier-process.js', import.meta.url));
const carried = (req: Received): string[] => (JSON.parse(req.body) as WebhookBody).notices.map((n) => `${n.kind} ${n.key}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a target down for many attempts: the notice keeps being retried with back-off, then delivered once when it is back', async () => {
  let up = false;
  const server = await startRecorder((_req, _n, res) => res.writeHead(up ? 200 : 503).end());
  const { store, remove } = tempStore();
  const failures: string[] = [];
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 0, retry: { baseMs: 5, maxMs: 40 }, onFailure: (_c, e) => failures.push(e) });
  try {
    const channel = store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    notifier.notify(notice());
    await waitFor('twelve refused attempts (the old code gave up after five)', () => server.requests.length >= 12, 10_000);
    assert.is(notifier.stats().pending, 1, 'still in the outbox');
    assert.equal(failures, []);
    up = true;
    await waitFor('delivered', () => store.recentDeliveries(channel.id).length === 1, 10_000);
    await pause(150);
    const answeredOk = server.requests.length - 1; // every request before the last was refused
    assert.is(store.recentDeliveries(channel.id)[0]!.attempts, answeredOk + 1);
    assert.equal(carried(server.requests.at(-1)!), ['firing web-1/cpu']);
    assert.is(notifier.stats().pending, 0);
    assert.equal(notifier.outbox.failed(), []);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('past notify.retryHours a notice is marked failed: counted and listed by GET /api/channels/outbox, on the channels page and in the event log', async () => {
  const stack = await startDashboardStack();
  const server = await startRecorder((_req, _n, res) => res.writeHead(503).end());
  try {
    const created = await stack.admin.send<{ id: number }>('POST', '/api/channels', { type: 'webhook', name: 'Down hook', url: `${server.base}/h` });
    // The stack's notifier retries for 24 h; this one, on the same notify.db, for 300 ms.
    const channels = ChannelStore.open(stack.dataDir);
    const failed: string[] = [];
    const notifier = createNotifier({
      store: channels, allowInternal: LOCAL, groupWindowMs: 0, retry: { baseMs: 20, maxMs: 50, maxAgeMs: 300 },
      onFailure: (channel, error, notices) => {
        failed.push(error);
        stack.events.append({ type: 'notify.failed', message: `Notification to "${channel.name}" (${channel.type}) failed: ${error}`, data: { channel: channel.id, error, alerts: notices.map((n) => n.key) } });
      },
    });
    notifier.notify(notice());
    await waitFor('given up', () => failed.length === 1, 10_000);
    assert.match(failed[0]!, /^gave up after 0.3 s: HTTP 503$/);
    await notifier.close();
    channels.close();
    const outbox = await stack.admin.get<{ pending: number; failed: number; recentFailed: Array<{ channelId: number; channelName: string; key: string; kind: string; attempts: number; error: string }> }>('/api/channels/outbox');
    assert.is(outbox.data.pending, 0);
    assert.is(outbox.data.failed, 1);
    const [entry] = outbox.data.recentFailed;
    assert.equal([entry?.channelId, entry?.channelName, entry?.key, entry?.kind, entry?.error], [created.data.id, 'Down hook', 'web-1/cpu', 'firing', failed[0]]);
    assert.ok((entry?.attempts ?? 0) > 1);
    const logged = await stack.admin.get<Array<{ type: string; message: string }>>('/api/events?type=notify.failed');
    assert.match(logged.data[0]?.message ?? '', /Notification to "Down hook" \(webhook\) failed: gave up/);
    if (haveChromium()) {
      await buildWeb();
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
        await signInThroughForm(page, stack.url, 'admin', 'admin-password-1');
        await page.goto(`${stack.url}/#/admin/channels`);
        await page.locator('[data-testid=outbox-summary][data-failed="1"]').waitFor({ timeout: 10_000 });
        const listed = await page.getByTestId('outbox-failed').innerText();
        assert.match(listed, /Down hook · web-1\/cpu \(firing\)/);
        assert.match(listed, /gave up after 0\.3 s: HTTP 503/);
        await shot(page, 'channels-undelivered.png');
      } finally {
        await browser.close();
      }
    }
  } finally {
    await stack.close();
    await server.close();
  }
});

test('kill -9 during retries: after a restart the notice is delivered exactly once, collapsed to one notice per alert state; notify.db is 0600', async () => {
  let up = false;
  const server = await startRecorder((_req, _n, res) => res.writeHead(up ? 200 : 503).end());
  const dir = tempDir();
  const children: ChildProcess[] = [];
  const start = (args: string[]): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [CHILD, dir.path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(child); });
      child.on('exit', (code) => reject(new Error(`notifier process exited with ${code}`)));
    });
  };
  try {
    const setup = ChannelStore.open(dir.path);
    setup.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    setup.close();
    // What the alert service told the notifier before the crash: web-1 fired, escalated, was reminded, resolved; db-1 fired.
    const notices = [
      notice({ severity: 'warning' }), notice({ kind: 'escalated' }), notice({ kind: 'repeat' }), notice({ kind: 'repeat', value: 99 }), resolvedNotice(),
      notice({ host: 'db-1', key: 'db-1/mem', rule: 'mem' }),
    ];
    writeFileSync(join(dir.path, 'notices.json'), JSON.stringify(notices));
    const first = await start([join(dir.path, 'notices.json')]);
    await waitFor('three refused attempts', () => server.requests.length >= 3, 10_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const refused = server.requests.length;

    const check = ChannelStore.open(dir.path);
    assert.ok(new Outbox(check.db).pendingCount() >= 3, 'the notices are still in the outbox after the kill');
    check.close();
    assert.is(statSync(join(dir.path, NOTIFY_FILE)).mode & 0o777, 0o600);

    up = true;
    await pause(300);
    assert.is(server.requests.length, refused, 'nothing is sent while no notifier runs');
    const second = await start([]);
    await waitFor('the delivery after restart', () => server.requests.length > refused, 10_000);
    await pause(700); // several retry periods: a second copy would have come
    const after = server.requests.slice(refused);
    assert.is(after.length, 1, 'delivered exactly once');
    assert.equal([...carried(after[0]!)].sort(), ['escalated web-1/cpu', 'firing db-1/mem', 'firing web-1/cpu', 'resolved web-1/cpu'], 'one notice per alert state: the reminders are collapsed');
    second.kill('SIGKILL');
    const done = ChannelStore.open(dir.path);
    assert.is(new Outbox(done.db).pendingCount(), 0);
    done.close();
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await server.close();
    dir.remove();
  }
});

test.run();
