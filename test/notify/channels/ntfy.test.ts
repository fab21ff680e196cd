import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import type { NtfyMessage } from '../../../notify/channels/ntfy.js';
import { notice, resolvedNotice, startRecorder, tempStore, writeSample, LOCAL } from '../helpers.js';

// ntfy JSON publishing (https://docs.ntfy.sh/publish/#publish-as-json): POST to the
// server root, topic in the body, priority 1–5, tags, click; access tokens as Bearer.
test('ntfy: JSON published to the server root with topic, title, priority, tags, click and the Bearer token', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
  try {
    store.create({ type: 'ntfy', name: 'phone', url: `${server.base}/ntfy/vigie-alerts`, token: 'tk_abcdef', tags: ['server'] });
    notifier.notify(notice());
    await notifier.flush();
    assert.is(server.requests.length, 1);
    const req = server.requests[0]!;
    const body = JSON.parse(req.body) as NtfyMessage;
    writeSample('ntfy', `POST ${req.path}\nauthorization: Bearer ********\n\n${JSON.stringify(body, null, 2)}\n`);
    assert.is(req.method, 'POST');
    assert.is(req.path, '/ntfy/');
    assert.is(req.headers.authorization, 'Bearer tk_abcdef');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.is(body.topic, 'vigie-alerts');
    assert.is(body.title, '[Vigie] CRITICAL: CPU at 97 % on web-1 (critical ≥ 95 % for 2 min)');
    assert.is(body.priority, 5);
    assert.equal(body.tags, ['rotating_light', 'server']);
    assert.is(body.click, 'http://vigie.local:8080/alerts/web-1/cpu');
    assert.ok(body.message.includes('Suggested action: Look at the top processes'), body.message);
    assert.ok(body.message.includes('4242  88.1  node server.js'), body.message);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('ntfy: a resolved warning has the default priority and a check mark; no token, no Authorization', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 10 });
  try {
    store.create({ type: 'ntfy', name: 'public', url: `${server.base}/topic_1` });
    notifier.notify(resolvedNotice({ severity: 'warning' }));
    await notifier.flush();
    const req = server.requests[0]!;
    const body = JSON.parse(req.body) as NtfyMessage;
    assert.is(req.path, '/');
    assert.is(req.headers.authorization, undefined);
    assert.equal([body.priority, body.tags, body.topic], [3, ['white_check_mark'], 'topic_1']);
    assert.match(body.title, /^\[Vigie\] RESOLVED: CPU back to 40 % on web-1$/);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test.run();
