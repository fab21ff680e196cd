import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import type { TelegramRequest } from '../../../notify/channels/telegram.js';
import { notice, startRecorder, tempStore, writeSample, LOCAL } from '../helpers.js';

// Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage): POST
// <api>/bot<token>/sendMessage with chat_id and text; parse_mode HTML needs <, > and & escaped.
test('telegram: sendMessage at the configured API URL, HTML text with hostile characters escaped', async () => {
  const server = await startRecorder((_req, _n, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"result":{"message_id":1}}'));
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
  try {
    // The channel's language gives the fixed words (issue 11); these notices carry no facts, so their titles stay as written.
    store.create({ type: 'telegram', name: 'ops chat', botToken: '123456:ABC-def', chatId: '-1001234567', apiUrl: `${server.base}/`, language: 'fr' });
    notifier.notify(notice({
      title: 'CPU à 97 % sur <b>web-1</b> & co',
      detail: 'Le CPU dépasse 95 % depuis 2 minutes.',
      advice: 'Regardez les processus ci-dessous.',
    }));
    notifier.notify(notice({
      host: 'db-1', hostLabel: 'Base de données', key: 'db-1/mem', rule: 'mem', severity: 'warning', context: [],
      title: 'Mémoire à 88 % sur db-1', detail: 'La mémoire utilisée dépasse 85 % depuis 2 minutes.',
      advice: 'Fermez les programmes inutiles ou ajoutez de la mémoire.', url: 'http://vigie.local:8080/alerts/db-1/mem',
    }));
    await notifier.flush();
    assert.is(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.is(req.method, 'POST');
    assert.is(req.path, '/bot123456:ABC-def/sendMessage');
    const body = JSON.parse(req.body) as TelegramRequest['body'];
    writeSample('telegram', `POST /bot********/sendMessage\nchat_id: ${body.chat_id}\nparse_mode: ${body.parse_mode}\n\n${body.text}\n`);
    assert.is(body.chat_id, '-1001234567');
    assert.is(body.parse_mode, 'HTML');
    assert.is(body.disable_web_page_preview, true);
    assert.ok(body.text.startsWith('<b>[Vigie] 2 alertes : 1 critique, 1 avertissement</b>'), body.text);
    assert.ok(body.text.includes('CPU à 97 % sur &lt;b&gt;web-1&lt;/b&gt; &amp; co'), body.text);
    assert.not.ok(body.text.includes('<b>web-1</b>'), 'markup from a title is never sent as markup');
    assert.ok(body.text.includes('<i>Action suggérée :</i> Regardez les processus ci-dessous.'), body.text);
    assert.ok(body.text.includes('<pre>  PID  %CPU  COMMAND\n 4242  88.1  node server.js'), body.text);
    assert.ok(body.text.includes('<a href="http://vigie.local:8080/alerts/web-1/cpu">Ouvrir dans Vigie</a>'), body.text);
    assert.ok(body.text.length <= 4096);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test('telegram: many alerts stay under the 4096-character limit and say how many were left out', async () => {
  const server = await startRecorder();
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 20 });
  try {
    store.create({ type: 'telegram', name: 'busy', botToken: '1:x', chatId: '42', apiUrl: server.base });
    for (let i = 0; i < 60; i += 1) notifier.notify(notice({ host: `web-${i}`, key: `web-${i}/cpu`, context: Array(10).fill('x'.repeat(60)) }));
    await notifier.flush();
    const body = JSON.parse(server.requests[0]!.body) as TelegramRequest['body'];
    assert.ok(body.text.length <= 4096, `${body.text.length} characters`);
    assert.match(body.text, /\d+ more alerts not shown/);
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test.run();
