/**
 * Issue 11 item 7 on the real stack: alert and event texts come in the
 * caller's language (`?lang=`, Accept-Language, per socket); a channel set
 * to French gets its alerts and its test notice in French through a real
 * SMTP server and a real webhook receiver, while an English one, told about
 * the same alert, gets English; events page through the whole log.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'socket.io-client';
import type { AlertView } from '../../../alerts/service.js';
import type { VigieEvent } from '../../../events/event-log.js';
import type { WebhookBody } from '../../../notify/channels/webhook.js';
import { waitFor } from '../../helpers/env.js';
import { body, header, startSmtp, type Smtp } from '../../helpers/mail.js';
import { startRecorder, type Recorder } from '../../notify/helpers.js';
import { connectSocket, metricsPayload, startDashboardStack, statusPayload, type DashboardStack } from '../stack.js';

let s: DashboardStack;
let hook: Recorder;
let smtp: Smtp;
const sockets: Socket[] = [];

const connect = async (auth: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Socket> => {
  const socket = await connectSocket(s.url, { cookie: s.admin.cookieHeader(), ...headers }, auth);
  sockets.push(socket);
  return socket;
};

test.before(async () => {
  s = await startDashboardStack();
  hook = await startRecorder();
  smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  await s.admin.send('PUT', '/api/alert-settings', { defaults: { cpu: { for: 0 } }, hosts: {} });
});

test.after(async () => {
  for (const socket of sockets) socket.disconnect();
  await s?.close();
  await hook?.close();
  await smtp?.close();
});

test('a channel has a language, en by default, and a wrong one is refused naming the field', async () => {
  const plain = await s.admin.send<{ language: string; id: number }>('POST', '/api/channels', { type: 'webhook', name: 'en hook', url: `${hook.base}/en` });
  assert.is(plain.status, 201);
  assert.is(plain.data.language, 'en');
  const bad = await s.admin.send<unknown>('POST', '/api/channels', { type: 'webhook', name: 'bad', url: `${hook.base}/x`, language: 'de' });
  assert.is(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /language/);
  const fr = await s.admin.send<{ language: string }>('POST', '/api/channels', { type: 'webhook', name: 'fr hook', url: `${hook.base}/fr`, language: 'fr' });
  assert.is(fr.data.language, 'fr');
  await s.admin.send('POST', '/api/channels', {
    type: 'email', name: 'fr mail', host: '127.0.0.1', port: smtp.port, security: 'none', username: 'vigie', password: 's3cret pass',
    from: 'vigie@box.example', to: ['ops@example.com'], language: 'fr',
  });
});

test('the test notice comes in the channel\'s language', async () => {
  const channels = (await s.admin.get<Array<{ id: number; name: string }>>('/api/channels')).data;
  const frHook = channels.find((c) => c.name === 'fr hook')!;
  const answer = await s.admin.send<{ ok: boolean }>('POST', `/api/channels/${frHook.id}/test`);
  assert.is(answer.data.ok, true);
  const received = hook.requests.find((r) => r.path === '/fr')!;
  const payload = JSON.parse(received.body) as WebhookBody;
  assert.is(payload.notices[0]!.title, 'Notification de test de Vigie');
  assert.match(payload.summary.title, /AVERTISSEMENT/);
  hook.requests.length = 0;
});

test('an alert: REST and sockets in each caller\'s language; each channel in its own', async () => {
  const enSocket = await connect({ lang: 'en' });
  const frSocket = await connect({}, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
  const switched = await connect({ lang: 'en' });
  const ack = await new Promise<{ ok: boolean }>((resolve) => switched.emit('lang', { lang: 'fr' }, resolve));
  assert.ok(ack.ok, 'a socket changes language');
  const badAck = await new Promise<{ ok: boolean; error?: { message: string } }>((resolve) => switched.emit('lang', { lang: 'xx' }, resolve));
  assert.is(badAck.ok, false);
  assert.match(badAck.error!.message, /lang/);
  const got = new Map<Socket, AlertView[]>([[enSocket, []], [frSocket, []], [switched, []]]);
  for (const [socket, list] of got) {
    socket.emit('overview');
    socket.on('alert', (a: AlertView) => list.push(a));
  }
  await new Promise((r) => setTimeout(r, 100));

  await s.publish('web-1', 'status', { ...statusPayload(), interval: 60 });
  await s.publish('web-1', 'metrics', metricsPayload(97));
  await waitFor('the cpu alert fires', () => s.alerts.firing().some((a) => a.host === 'web-1' && a.rule === 'cpu'));
  await waitFor('every socket hears it', () => [...got.values()].every((l) => l.some((a) => a.rule === 'cpu')));
  assert.match(got.get(enSocket)!.find((a) => a.rule === 'cpu')!.title, /^CPU at 97 % on web-1/);
  assert.match(got.get(frSocket)!.find((a) => a.rule === 'cpu')!.title, /^Processeur à 97 % sur web-1/, 'from the handshake\'s Accept-Language');
  assert.match(got.get(switched)!.find((a) => a.rule === 'cpu')!.title, /^Processeur à 97 %/, 'after its `lang` message');

  const en = (await s.admin.get<AlertView[]>('/api/alerts?state=firing&lang=en')).data.find((a) => a.rule === 'cpu')!;
  const fr = (await s.admin.get<AlertView[]>('/api/alerts?state=firing&lang=fr')).data.find((a) => a.rule === 'cpu')!;
  assert.is(en.title, 'CPU at 97 % on web-1');
  assert.is(fr.title, 'Processeur à 97 % sur web-1');
  assert.match(fr.detail, /^Au-dessus du seuil critique de 95 % depuis/);
  assert.match(fr.advice, /processus/);
  const byHeader = await fetch(`${s.url}/api/alerts?state=firing`, { headers: { cookie: s.admin.cookieHeader(), 'accept-language': 'fr' } });
  const viaHeader = ((await byHeader.json()) as { data: AlertView[] }).data.find((a) => a.rule === 'cpu')!;
  assert.is(viaHeader.title, 'Processeur à 97 % sur web-1', 'Accept-Language when no ?lang=');
  const refused = await s.admin.get<unknown>('/api/alerts?lang=klingon');
  assert.is(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /lang: expected one of en, fr/);
  // Acknowledging answers in the caller's language too.
  const acked = await s.admin.send<AlertView>('POST', `/api/alerts/${fr.id}/ack?lang=fr`, { comment: 'vu' });
  assert.is(acked.data.title, 'Processeur à 97 % sur web-1');

  // Notifications: the French channels in French, the English one in English.
  await waitFor('both webhooks are told', () => hook.requests.some((r) => r.path === '/fr') && hook.requests.some((r) => r.path === '/en'), 20_000);
  const frBody = JSON.parse(hook.requests.find((r) => r.path === '/fr')!.body) as WebhookBody;
  const enBody = JSON.parse(hook.requests.find((r) => r.path === '/en')!.body) as WebhookBody;
  assert.is(frBody.notices[0]!.title, 'Processeur à 97 % sur web-1');
  assert.match(frBody.notices[0]!.detail, /^Au-dessus du seuil critique/);
  assert.is(enBody.notices[0]!.title, 'CPU at 97 % on web-1');
  assert.not.ok('facts' in frBody.notices[0]!, 'the webhook body keeps its documented shape');
  await waitFor('the French mail arrives', () => smtp.mails.length > 0, 20_000);
  const mail = smtp.mails.at(-1)!;
  assert.is(header(mail.raw, 'Subject'), '[Vigie] CRITIQUE : Processeur à 97 % sur web-1');
  assert.match(body(mail.raw), /Action suggérée : Regardez les processus/);
});

test('the event log in each language, and paged through with beforeId and afterId, filters kept', async () => {
  const en = (await s.admin.get<VigieEvent[]>('/api/events?type=alert.firing&lang=en')).data[0]!;
  const fr = (await s.admin.get<VigieEvent[]>('/api/events?type=alert.firing&lang=fr')).data[0]!;
  assert.is(en.message, 'CPU at 97 % on web-1');
  assert.is(fr.message, 'Processeur à 97 % sur web-1');
  const ackFr = (await s.admin.get<VigieEvent[]>('/api/events?type=alert.acknowledged&lang=fr')).data[0]!;
  assert.is(ackFr.message, 'Processeur à 97 % sur web-1 — acquittée');
  const chFr = (await s.admin.get<VigieEvent[]>('/api/events?type=settings.channel_created&lang=fr')).data.map((e) => e.message);
  assert.ok(chFr.includes('Canal de notification « fr hook » (webhook) créé'), chFr.join(' | '));

  for (let i = 0; i < 30; i++) s.events.append({ type: 'host.online', host: `h-${i}`, message: `h-${i} is back online`, data: { reason: 'connected' } });
  const all = (await s.admin.get<VigieEvent[]>('/api/events?limit=1000')).data;
  const seen: number[] = [];
  let cursor = '';
  for (let pages = 0; pages < 100; pages++) {
    const page = (await s.admin.get<VigieEvent[]>(`/api/events?limit=7${cursor}`)).data;
    if (page.length === 0) break;
    seen.push(...page.map((e) => e.id));
    cursor = `&beforeId=${page.at(-1)!.id}`;
  }
  assert.equal(seen, all.map((e) => e.id), 'every event once, newest first');
  const hosts = (await s.admin.get<VigieEvent[]>('/api/events?type=host.*&limit=10&lang=fr')).data;
  const next = (await s.admin.get<VigieEvent[]>(`/api/events?type=host.*&limit=10&lang=fr&beforeId=${hosts.at(-1)!.id}`)).data;
  assert.is(next.length, 10);
  assert.ok(next.every((e) => e.type.startsWith('host.')), 'the filter holds on the next page');
  assert.match(next[0]!.message, /est de nouveau en ligne$/);
  const back = (await s.admin.get<VigieEvent[]>(`/api/events?type=host.*&limit=10&afterId=${next[0]!.id}`)).data;
  assert.equal(back.map((e) => e.id), hosts.map((e) => e.id), 'afterId gives the page before');
  const both = await s.admin.get<unknown>('/api/events?beforeId=3&afterId=1');
  assert.is(both.status, 400);
});

test.run();
