import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/env.js';
import type { ChannelConfig } from '../../notify/channel-config.js';
import type { WebhookBody } from '../../notify/channels/webhook.js';
import { createNotifier } from '../../notify/notifier.js';
import type { AlertNotice } from '../../notify/types.js';
import { notice, resolvedNotice, startRecorder, tempStore, type Received, LOCAL } from './helpers.js';

/** Notices a webhook request carried, as `kind key` strings. */
const carried = (req: Received): string[] => (JSON.parse(req.body) as WebhookBody).notices.map((n) => `${n.kind} ${n.key}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('grouping: three notices within the window make one message; a later one makes a second', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 300 });
  try {
    store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    notifier.notify(notice());
    notifier.notify(notice({ host: 'web-2', key: 'web-2/cpu' }));
    notifier.notify(resolvedNotice({ host: 'db-1', key: 'db-1/mem' }));
    await waitFor('the grouped message', () => server.requests.length === 1);
    const first = JSON.parse(server.requests[0]!.body) as WebhookBody;
    assert.equal(carried(server.requests[0]!), ['firing web-1/cpu', 'firing web-2/cpu', 'resolved db-1/mem']);
    assert.is(first.summary.title, '[Vigie] 3 alerts: 2 critical, 1 resolved');
    notifier.notify(notice({ host: 'web-3', key: 'web-3/cpu', severity: 'warning' }));
    await waitFor('the second message', () => server.requests.length === 2);
    assert.equal(carried(server.requests[1]!), ['firing web-3/cpu']);
    await notifier.flush(); // the server saw the request; let the notifier see the answer
    assert.equal(notifier.stats(), { delivered: 2, failed: 0, retries: 0, dropped: 0, pending: 0 });
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('routing: by severity, by host group, sendResolved and enabled', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
  try {
    store.create({ type: 'webhook', name: 'critical only', url: `${server.base}/critical`, minSeverity: 'critical' });
    store.create({ type: 'webhook', name: 'db team', url: `${server.base}/db`, groups: ['db', 'storage'] });
    store.create({ type: 'webhook', name: 'no resolved', url: `${server.base}/quiet`, sendResolved: false });
    store.create({ type: 'webhook', name: 'off', url: `${server.base}/off`, enabled: false });
    notifier.notify(notice({ severity: 'warning', groups: ['web'] }));
    notifier.notify(notice({ host: 'db-1', key: 'db-1/cpu', groups: ['db'] }));
    notifier.notify(resolvedNotice({ host: 'db-1', key: 'db-1/cpu', groups: ['db'] }));
    await notifier.flush();
    const by = (path: string) => server.requests.filter((r) => r.path === path).flatMap(carried);
    assert.equal(by('/critical'), ['firing db-1/cpu', 'resolved db-1/cpu'], 'the warning is below minSeverity; the resolved kept its critical severity');
    assert.equal(by('/db'), ['firing db-1/cpu', 'resolved db-1/cpu'], 'web-1 is not in the db group');
    assert.equal(by('/quiet'), ['firing web-1/cpu', 'firing db-1/cpu'], 'no resolved message');
    assert.equal(by('/off'), []);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('repeat: a reminder after repeatMinutes for what the alert source says is firing (on the injected clock), none once it is not', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  let now = Date.UTC(2025, 2, 1, 12);
  let firing: AlertNotice[] = [];
  const notifier = createNotifier({ store, allowInternal: LOCAL, clock: { now: () => now }, groupWindowMs: 0, repeatCheckMs: 10, reminders: () => firing });
  try {
    store.create({ type: 'webhook', name: 'remind', url: `${server.base}/r`, repeatMinutes: 1 });
    store.create({ type: 'webhook', name: 'never', url: `${server.base}/n` });
    notifier.notify(notice());
    firing = [notice()];
    await waitFor('the first message', () => server.requests.length === 2);
    now += 30_000;
    await pause(100); // ten reminder checks: too early for one
    assert.is(server.requests.length, 2);
    now += 31_000;
    await waitFor('the reminder', () => server.requests.length === 3);
    assert.is(server.requests[2]!.path, '/r', 'only the channel with repeatMinutes reminds');
    assert.equal(carried(server.requests[2]!), ['repeat web-1/cpu']);
    assert.match((JSON.parse(server.requests[2]!.body) as WebhookBody).summary.title, /^\[Vigie\] REMINDER · CRITICAL: CPU at 97 %/);
    now += 61_000;
    await waitFor('the second reminder', () => server.requests.length === 4);
    notifier.notify(resolvedNotice());
    firing = [];
    await waitFor('the resolved messages', () => server.requests.length === 6);
    now += 10 * 60_000;
    await pause(100);
    await notifier.flush();
    assert.is(server.requests.length, 6, 'no reminder after resolved');
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('retries: 500 twice then 200 → delivered once after 3 attempts', async () => {
  const server = await startRecorder((_req, n, res) => res.writeHead(n <= 2 ? 500 : 200).end(n <= 2 ? 'try later' : 'ok'));
  const { store, remove } = tempStore();
  const delivered: number[] = [];
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 10, retry: { baseMs: 10 }, onDelivered: (_c, _n, attempts) => delivered.push(attempts) });
  try {
    const channel = store.create({ type: 'webhook', name: 'flaky', url: `${server.base}/f` });
    notifier.notify(notice());
    await waitFor('the delivery', () => delivered.length === 1);
    assert.is(server.requests.length, 3);
    assert.equal(delivered, [3]);
    const rows = store.recentDeliveries(channel.id);
    assert.equal(rows.map((r) => [r.ok, r.attempts, r.error]), [[true, 3, null]]);
    assert.equal(notifier.stats(), { delivered: 1, failed: 0, retries: 2, dropped: 0, pending: 0 });
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('retries: always 503, with an attempt limit → onFailure once with the status (secret-free channel), a failed delivery row', async () => {
  const server = await startRecorder((_req, _n, res) => res.writeHead(503).end('down for maintenance'));
  const { store, remove } = tempStore();
  const failures: Array<{ channel: ChannelConfig; error: string; notices: readonly AlertNotice[] }> = [];
  const notifier = createNotifier({
    store, allowInternal: LOCAL, groupWindowMs: 10, retry: { attempts: 4, baseMs: 5 },
    onFailure: (channel, error, notices) => failures.push({ channel, error, notices }),
  });
  try {
    const channel = store.create({ type: 'webhook', name: 'down', url: `${server.base}/d`, secret: 'hmac-key' });
    notifier.notify(notice());
    await waitFor('the failure', () => failures.length === 1);
    assert.is(server.requests.length, 4);
    assert.is(failures[0]!.error, 'HTTP 503', 'the status only: the body is not quoted');
    assert.is((failures[0]!.channel as { secret?: string }).secret, '********');
    assert.equal(failures[0]!.notices.map((n) => n.key), ['web-1/cpu']);
    assert.equal(store.recentDeliveries(channel.id).map((r) => [r.ok, r.attempts, r.error, r.keys]), [[false, 4, 'HTTP 503', ['web-1/cpu']]]);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('retries: a 400 is not retried; a 429 waits at least its Retry-After', async () => {
  let limitedCalls = 0;
  const server = await startRecorder((req, _n, res) => {
    if (req.path === '/bad') res.writeHead(400).end('{"message":"Invalid JSON"}');
    else if ((limitedCalls += 1) === 1) res.writeHead(429, { 'retry-after': '1' }).end();
    else res.writeHead(204).end();
  });
  const { store, remove } = tempStore();
  const failures: string[] = [];
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 10, retry: { baseMs: 5 }, onFailure: (_c, e) => failures.push(e) });
  try {
    const bad = store.create({ type: 'webhook', name: 'bad', url: `${server.base}/bad` });
    notifier.notify(notice());
    await notifier.flush();
    assert.is(server.requests.length, 1);
    assert.equal(failures, ['HTTP 400']);
    store.delete(bad.id);

    const slow = store.create({ type: 'webhook', name: 'limited', url: `${server.base}/limited` });
    const started = Date.now();
    notifier.notify(notice({ key: 'web-1/mem', rule: 'mem' }));
    await waitFor('the retried delivery', () => store.recentDeliveries(slow.id).length === 1);
    const limited = server.requests.filter((r) => r.path === '/limited');
    assert.is(limited.length, 2);
    assert.ok(Date.now() - started >= 990, 'the retry waited for Retry-After: 1');
    assert.equal(store.recentDeliveries(slow.id).map((r) => [r.ok, r.attempts]), [[true, 2]]);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('bounded: past maxPendingPerChannel the oldest pending notices are marked failed (visible) and counted', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 60_000, maxPendingPerChannel: 5 });
  try {
    store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    for (let i = 1; i <= 8; i += 1) notifier.notify(notice({ host: `web-${i}`, key: `web-${i}/cpu` }));
    assert.equal(notifier.stats().pending, 5);
    await notifier.flush();
    assert.equal(carried(server.requests[0]!), [4, 5, 6, 7, 8].map((i) => `firing web-${i}/cpu`));
    assert.is(notifier.stats().dropped, 3);
    assert.equal(notifier.outbox.failed().map((e) => [e.notice.key, e.error]).reverse(), [1, 2, 3].map((i) => [`web-${i}/cpu`, 'dropped: more than 5 notices waiting for this channel']));
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('a newer notice of the same alert and kind replaces the pending one', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 60_000 });
  try {
    store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    notifier.notify(notice({ kind: 'escalated', value: 96 }));
    notifier.notify(notice({ kind: 'escalated', value: 99 }));
    await notifier.flush();
    const body = JSON.parse(server.requests[0]!.body) as WebhookBody;
    assert.equal(body.notices.map((n) => n.value), [99]);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('close() sends what is pending, is idempotent, and later notices are ignored; nothing throws into the caller', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 60_000, onDelivered: () => { throw new Error('listener bug'); } });
  try {
    store.create({ type: 'webhook', name: 'hook', url: `${server.base}/h` });
    notifier.notify(notice());
    await Promise.all([notifier.close(), notifier.close()]);
    assert.is(server.requests.length, 1);
    notifier.notify(notice({ key: 'web-1/mem' }));
    await notifier.flush();
    assert.is(server.requests.length, 1);
    store.close();
    const other = createNotifier({ store, allowInternal: LOCAL });
    other.notify(notice()); // the store is closed: logged, not thrown
    assert.equal(await other.sendTest(1), { ok: false, attempts: 0, error: 'No notification channel 1' });
    await other.close();
  } finally {
    remove();
    await server.close();
  }
});

test.run();
