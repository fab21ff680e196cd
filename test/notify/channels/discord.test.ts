import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import { COLOUR, type DiscordBody } from '../../../notify/channels/discord.js';
import { memResolved, notice, startRecorder, tempStore, writeSample, LOCAL } from '../helpers.js';

// Execute Webhook (https://discord.com/developers/docs/resources/webhook#execute-webhook):
// JSON with content, embeds (title, description, color, fields, timestamp) and allowed_mentions.
test('discord: one embed per notice coloured by severity, mentions disabled', async () => {
  const server = await startRecorder((_req, _n, res) => res.writeHead(204).end());
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
  try {
    store.create({ type: 'discord', name: 'ops', webhookUrl: `${server.base}/api/webhooks/123/tok-en` });
    notifier.notify(notice({ hostLabel: '@everyone' }));
    notifier.notify(memResolved());
    await notifier.flush();
    assert.is(server.requests.length, 1);
    const req = server.requests[0]!;
    const body = JSON.parse(req.body) as DiscordBody;
    writeSample('discord', `POST /api/webhooks/********\n\n${JSON.stringify(body, null, 2)}\n`);
    assert.is(req.method, 'POST');
    assert.is(req.path, '/api/webhooks/123/tok-en');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.equal(body.allowed_mentions, { parse: [] });
    assert.is(body.content, '**\\[Vigie\\] 2 alerts: 1 critical, 1 resolved**');
    assert.is(body.embeds.length, 2);
    const [fire, ok] = body.embeds;
    assert.is(fire!.title, 'CRITICAL — CPU at 97 % on web-1 (critical ≥ 95 % for 2 min)');
    assert.is(fire!.color, COLOUR.critical);
    assert.is(ok!.color, COLOUR.resolved);
    assert.is(fire!.url, 'http://vigie.local:8080/alerts/web-1/cpu');
    assert.equal(fire!.fields.map((f) => f.name), ['Host', 'Suggested action', 'Details']);
    assert.equal(ok!.fields.map((f) => f.name), ['Host'], 'no advice or details once resolved');
    assert.ok(fire!.fields[2]!.value.startsWith('```\n  PID  %CPU  COMMAND'), fire!.fields[2]!.value);
    assert.is(fire!.timestamp, new Date(notice().firedAt!).toISOString());
    assert.is(fire!.fields[0]!.value, 'web-1 (@everyone)', 'plain text needs no escape');
    assert.is(ok!.title, 'RESOLVED — Memory back to 62 % on db-1');
  } finally {
    await notifier.close();
    remove();
    await server.close();
  }
});

test.run();
