import { createHmac, timingSafeEqual } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import type { WebhookBody } from '../../../notify/channels/webhook.js';
import { memResolved, notice, startRecorder, tempStore, writeSample, LOCAL } from '../helpers.js';

/** What a receiver does (docs/notifications.md): HMAC the raw body with the shared secret, compare in constant time. */
function verify(rawBody: string, signatureHeader: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const actual = Buffer.from(signatureHeader ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

test('webhook: one signed JSON POST with v: 1, the notices and a summary', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
  try {
    store.create({ type: 'webhook', name: 'hook', url: `${server.base}/hooks/vigie?x=1`, secret: 'shared-secret' });
    notifier.notify(notice());
    notifier.notify(memResolved());
    await notifier.flush();
    assert.is(server.requests.length, 1);
    const req = server.requests[0]!;
    writeSample('webhook', `POST ${req.path}\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n\n${JSON.stringify(JSON.parse(req.body), null, 2)}\n`);
    assert.is(req.method, 'POST');
    assert.is(req.path, '/hooks/vigie?x=1');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    const body = JSON.parse(req.body) as WebhookBody;
    assert.is(body.v, 1);
    assert.is(body.notices.length, 2);
    assert.equal(body.notices.map((n) => [n.kind, n.key]), [['firing', 'web-1/cpu'], ['resolved', 'db-1/mem']]);
    assert.equal(body.summary, { title: '[Vigie] 2 alerts: 1 critical, 1 resolved', count: 2, critical: 1, warning: 0, resolved: 1 });
    assert.equal(body.notices[0]!.context, notice().context);
    assert.is(req.headers['x-vigie-timestamp'], String(body.sentAt), 'the timestamp header matches the signed sentAt');
    assert.ok(verify(req.body, req.headers['x-vigie-signature'] as string, 'shared-secret'), 'the signature verifies');
    assert.not.ok(verify(req.body, req.headers['x-vigie-signature'] as string, 'another-secret'), 'another secret does not');
    assert.not.ok(verify(req.body.replace('web-1', 'web-2'), req.headers['x-vigie-signature'] as string, 'shared-secret'), 'a changed body does not');
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('webhook without a secret: no signature header, timestamp still sent', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL });
  try {
    const channel = store.create({ type: 'webhook', name: 'plain', url: `${server.base}/in` });
    assert.equal(await notifier.sendTest(channel.id), { ok: true, attempts: 1, error: null });
    const req = server.requests[0]!;
    assert.is(req.headers['x-vigie-signature'], undefined);
    assert.ok(Number(req.headers['x-vigie-timestamp']) > 0);
    assert.is((JSON.parse(req.body) as WebhookBody).notices[0]!.rule, 'test');
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('webhook: a redirect is refused, not followed (the body goes only where configured)', async () => {
  const server = await startRecorder((_req, _n, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL });
  try {
    const channel = store.create({ type: 'webhook', name: 'moved', url: `${server.base}/old` });
    const result = await notifier.sendTest(channel.id);
    assert.is(result.ok, false);
    assert.match(result.error ?? '', /HTTP 302.*redirect refused/);
    assert.is(server.requests.length, 1);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test.run();
