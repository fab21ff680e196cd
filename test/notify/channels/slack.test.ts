import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import { COLOUR, type SlackBody } from '../../../notify/channels/slack.js';
import { notice, startRecorder, tempStore, writeSample, LOCAL } from '../helpers.js';

// Incoming webhooks (https://api.slack.com/messaging/webhooks): JSON with `text` (the
// notification fallback) and attachments carrying a colour bar and Block Kit sections.
test('slack: fallback text, an attachment coloured by severity, mrkdwn escaped', async () => {
  const server = await startRecorder((_req, _n, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 20 });
  try {
    store.create({ type: 'slack', name: 'ops', webhookUrl: `${server.base}/services/T000/B000/XXXX` });
    notifier.notify(notice({ severity: 'warning', title: 'CPU at 88 % on web-1 <!channel>' }));
    await notifier.flush();
    assert.is(server.requests.length, 1);
    const req = server.requests[0]!;
    const body = JSON.parse(req.body) as SlackBody;
    writeSample('slack', `POST /services/********\n\n${JSON.stringify(body, null, 2)}\n`);
    assert.is(req.method, 'POST');
    assert.is(req.path, '/services/T000/B000/XXXX');
    assert.is(body.text, '[Vigie] WARNING: CPU at 88 % on web-1 &lt;!channel&gt;');
    assert.is(body.attachments.length, 1);
    const [attachment] = body.attachments;
    assert.is(attachment!.color, COLOUR.warning);
    const texts = attachment!.blocks.map((b) => b.text?.text ?? b.elements?.[0]?.text ?? '');
    assert.ok(texts[0]!.startsWith('*WARNING* — CPU at 88 % on web-1 &lt;!channel&gt;'), texts[0]);
    assert.ok(texts[0]!.includes('<http://vigie.local:8080/alerts/web-1/cpu|Open in Vigie>'), texts[0]);
    assert.is(texts[1], '*Suggested action*: Look at the top processes below; restart or limit the one using the CPU.');
    assert.ok(texts[2]!.startsWith('```  PID  %CPU  COMMAND'), texts[2]);
    assert.is(texts[3], 'Host: web-1 (Web server)');
    assert.not.ok(req.body.includes('<!channel>'), 'no raw Slack control sequence from a title');
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test.run();
