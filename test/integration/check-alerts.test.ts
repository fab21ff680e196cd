/**
 * Check alerts end to end (issue 12) on the real `vigie up` wiring: checks
 * created through the REST API run on the box's own agent (the runner)
 * against real targets on 127.0.0.1; its results go through the broker and
 * the ingest to the alert service, and the mails reach a real SMTP server.
 *
 * - a slow endpoint (150 ms against a 100 ms threshold, seed 002) warns and mails;
 * - an HTTP server stopped is "down" after 2 failed runs, and resolved when it comes back;
 * - an HTTPS certificate made by openssl to expire in 5 days warns.
 *
 * Checks run every 10 s at the fastest (the contract), so the three run at
 * once; the whole file takes about a minute.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AlertView } from '../../alerts/service.js';
import type { ApiClient } from '../helpers/api-client.js';
import { delayed, makeTargetCertificate, startHttpTarget, type HttpTarget, type TargetCertificate } from '../helpers/check-targets.js';
import { waitFor } from '../helpers/env.js';
import { body, header, startSmtp, type Smtp, type Mail } from '../helpers/mail.js';
import { adminClient, startTestStack, type TestStack } from '../helpers/stack.js';

let up: TestStack;
let admin: ApiClient;
let smtp: Smtp;
let slow: HttpTarget;
let secure: HttpTarget;
let cert: TargetCertificate;
let site: { port: number; start(): Promise<void>; stop(): Promise<void> };

/** A plain HTTP server that can be stopped and started again on the same port. */
async function restartableServer(): Promise<typeof site> {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  let port = 0;
  const start = async (): Promise<void> => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('welcome');
    });
    server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  await start();
  return {
    get port() { return port; },
    start,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    }),
  };
}

const firing = async (rule: string): Promise<AlertView | undefined> =>
  (await admin.get<AlertView[]>('/api/alerts?state=firing')).data.find((a) => a.rule === rule);
const mailWith = (text: string): Mail | undefined => smtp.mails.find((m) => `${header(m.raw, 'subject')}\n${body(m.raw)}`.includes(text));

test.before(async () => {
  cert = makeTargetCertificate(5);
  smtp = await startSmtp({ allowInsecureAuth: true });
  slow = await startHttpTarget(delayed(150));
  secure = await startHttpTarget(undefined, { cert: cert.cert, key: cert.key });
  site = await restartableServer();
  up = await startTestStack('up', {
    set: {
      'notify.allowInternal': '127.0.0.1',
      'alerts.groupSeconds': '1',
      'ingest.presenceGrace': '0',
      // The runner trusts the test CA, as a box with an internal CA would (agent.checks.ca).
      'agent.checks.ca': cert.ca,
    },
  });
  admin = await adminClient(up.httpUrl, up.dataDir);
  const email = await admin.send('POST', '/api/channels', {
    type: 'email', name: 'Teacher mail', host: '127.0.0.1', port: smtp.port, security: 'none',
    username: 'vigie', password: 's3cret pass', from: 'vigie@box.example', to: ['teacher@school.example'],
  });
  assert.is(email.status, 201, JSON.stringify(email.body));
  const none = { warning: null, critical: null, for: 0 };
  const checks = [
    { id: 'slow', name: 'Slow site', kind: 'http', target: `${slow.url}/`, interval: 10, timeout: 5, trace: false, alerting: { downAfter: 2, latency: { warning: 0.1, critical: 2, for: 0 } } },
    { id: 'site', name: 'Moodle', kind: 'http', target: `http://127.0.0.1:${site.port}/`, interval: 10, timeout: 5, alerting: { downAfter: 2, latency: none } },
    { id: 'secure', name: 'Secure site', kind: 'http', target: `${secure.url}/`, interval: 10, timeout: 5, trace: false, alerting: { downAfter: 2, latency: none } },
  ];
  for (const check of checks) {
    const created = await admin.send('POST', '/api/checks', check);
    assert.is(created.status, 201, JSON.stringify(created.body));
  }
});

test.after(async () => {
  await up?.close();
  await smtp?.close();
  await slow?.close();
  await secure?.close();
  await site?.stop();
  cert?.remove();
});

test('a 150 ms endpoint against a 100 ms threshold warns, and the mail reaches the SMTP server', async () => {
  const runner = up.stack.agent!.hostId;
  const alert = await waitFor('the latency alert', () => firing('check_latency:slow'), 30_000, 200);
  assert.is(alert.host, runner, 'the alert is on the runner');
  assert.is(alert.severity, 'warning');
  assert.ok(alert.value! >= 0.15, `latency ${alert.value}`);
  assert.is(alert.threshold, 0.1);
  assert.match(alert.title, /^Slow site slow from .+: [\d,]+ ms$/);
  assert.ok(alert.context.some((l) => /^Latency: \d+ ms/.test(l)), alert.context.join('\n'));
  const mail = await waitFor('the latency mail', () => mailWith(alert.title), 20_000, 200);
  assert.equal(mail.to, ['teacher@school.example']);
  assert.match(body(mail.raw), /Runner said: 200 OK/);
});

test('an HTTPS certificate 5 days from expiry warns', async () => {
  const alert = await waitFor('the certificate alert', () => firing('check_cert:secure'), 30_000, 200);
  assert.is(alert.severity, 'warning');
  assert.is(alert.title, 'The certificate of 127.0.0.1 expires in 5 days');
  assert.is(alert.threshold, 14 * 24);
  assert.ok(alert.value! > 4 * 24 && alert.value! <= 5 * 24, `hours left ${alert.value}`);
  await waitFor('the certificate mail', () => mailWith(alert.title), 20_000, 200);
});

test('stopping the HTTP server fires "down" after 2 failed runs; it resolves when the server comes back', async () => {
  // Up first, so the failures counted are the outage's.
  await waitFor('a first result, up', () => up.stack.ingest!.checks?.latest('site').some((r) => r.result.state === 'up'), 30_000, 200);
  await site.stop();
  const alert = await waitFor('the down alert', () => firing('check:site'), 40_000, 200);
  assert.is(alert.severity, 'critical');
  assert.match(alert.title, /^Moodle is down from /);
  assert.is(alert.value, 2, 'two failed runs in a row');
  assert.ok(alert.context.some((l) => /^Runner said: .*(refused|ECONNREFUSED)/i.test(l)), alert.context.join('\n'));
  await waitFor('the down mail', () => mailWith(alert.title), 20_000, 200);
  await site.start();
  await waitFor('resolved', async () => (await admin.get<AlertView[]>(`/api/alerts?host=${alert.host}`)).data.find((a) => a.id === alert.id)?.state === 'resolved', 30_000, 200);
  const resolved = await admin.get<AlertView[]>(`/api/alerts?host=${alert.host}`);
  assert.is(resolved.data.find((a) => a.id === alert.id)?.endCause, 'recovered');
  await waitFor('the resolved mail', () => mailWith('Resolved: Moodle was down from'), 20_000, 200);
});

test.run();
