/**
 * Issue 10 item 4 (SSRF), through the REST API of a real dashboard stack:
 * channels of every kind pointed at 127.0.0.1 in every spelling testers
 * used are refused before any connection, with an error naming the field
 * and the reason; the allow-list (notify.allowInternal) lets a 127.0.0.1
 * server through; error answers are reported by status, never by body; an
 * email channel cannot tell open ports from closed ones.
 */
import { createServer as createTcpServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../cli/config.js';
import { createOutboundGuard } from '../../core/outbound-guard.js';
import { startDashboardStack, type DashboardStack } from '../dashboard/stack.js';
import { freePort } from '../helpers/env.js';
import { startSmtp } from '../helpers/mail.js';
import { startRecorder } from './helpers.js';

interface TestResult { ok: boolean; attempts: number; error: string | null }

async function tryChannel(stack: DashboardStack, channel: Record<string, unknown>): Promise<TestResult> {
  const created = await stack.admin.send<{ id: number }>('POST', '/api/channels', { name: 'probe', ...channel });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const result = (await stack.admin.send<TestResult>('POST', `/api/channels/${created.data.id}/test`)).data;
  await stack.admin.send('DELETE', `/api/channels/${created.data.id}`);
  return result;
}

/** Every way testers wrote "this machine": names, IPv6, IPv4-mapped, and numeric forms other than dotted quads. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '2130706433', '0x7f.1', '0177.0.0.1', '127.1', '0x7f000001', '0.0.0.0', '[::]'];

test('default: webhook, ntfy, Telegram apiUrl, Discord and Slack refuse 127.0.0.1 in every spelling, naming the field and why; nothing connects', async () => {
  const server = await startRecorder();
  const stack = await startDashboardStack({ allowInternal: [] });
  try {
    const port = new URL(server.base).port;
    for (const host of LOOPBACK_HOSTS) {
      const base = `http://${host}:${port}`;
      const cases: Array<[string, Record<string, unknown>]> = [
        ['url', { type: 'webhook', url: `${base}/hook` }],
        ['url', { type: 'ntfy', url: `${base}/alerts` }],
        ['apiUrl', { type: 'telegram', botToken: '123:secret-token', chatId: '42', apiUrl: base }],
        ['webhookUrl', { type: 'discord', webhookUrl: `${base}/api/webhooks/1/secret` }],
        ['webhookUrl', { type: 'slack', webhookUrl: `${base}/services/T0/B0/secret` }],
      ];
      for (const [field, channel] of cases) {
        const result = await tryChannel(stack, channel);
        assert.is(result.ok, false, `${channel.type} ${host}`);
        assert.match(result.error ?? '', new RegExp(`^${field}: refused: .*, an internal address \\((loopback|unspecified)\\); internal addresses are blocked unless listed in notify.allowInternal$`), `${channel.type} ${host}: ${result.error}`);
        assert.not.match(result.error ?? '', /secret/, 'the error never quotes the URL path (it holds the credential)');
      }
    }
    assert.is(server.requests.length, 0, 'no request reached the listener');
    const named = await tryChannel(stack, { type: 'webhook', url: `http://localhost:${port}/hook` });
    assert.match(named.error ?? '', /^url: refused: localhost resolves to (127\.0\.0\.1|::1), an internal address \(loopback\)/);
  } finally {
    await stack.close();
    await server.close();
  }
});

test('default: private, link-local (cloud metadata), CGNAT, multicast and reserved ranges are refused too, by name', async () => {
  const stack = await startDashboardStack({ allowInternal: [] });
  try {
    const cases: Array<[string, RegExp]> = [
      ['10.1.2.3', /private network/], ['172.16.0.1', /private network/], ['192.168.1.10', /private network/],
      ['169.254.169.254', /link-local/], ['[fe80::1]', /link-local/], ['100.64.0.1', /carrier-grade NAT/],
      ['224.0.0.1', /multicast/], ['[fd00::5]', /unique local/], ['[64:ff9b::7f00:1]', /reserved range/], ['192.0.2.1', /reserved range/],
    ];
    for (const [host, reason] of cases) {
      const result = await tryChannel(stack, { type: 'webhook', url: `http://${host}:8080/hook` });
      assert.match(result.error ?? '', /^url: refused: /, host);
      assert.match(result.error ?? '', reason, `${host}: ${result.error}`);
    }
  } finally {
    await stack.close();
  }
});

test('default: an email channel at 127.0.0.1 (any spelling) is refused before connecting, the same for an open and a closed port', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const closed = await freePort();
  const stack = await startDashboardStack({ allowInternal: [] });
  try {
    const mail = (host: string, port: number) => ({ type: 'email', host, port, security: 'none', from: 'vigie@box.example', to: ['ops@example.com'] });
    const open = await tryChannel(stack, mail('127.0.0.1', smtp.port));
    const shut = await tryChannel(stack, mail('127.0.0.1', closed));
    assert.is(open.error, 'host: refused: 127.0.0.1, an internal address (loopback); internal addresses are blocked unless listed in notify.allowInternal');
    assert.is(shut.error, open.error, 'open and closed ports read the same');
    for (const host of ['localhost', '2130706433', '0x7f.1', '0177.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const result = await tryChannel(stack, mail(host, smtp.port));
      assert.match(result.error ?? '', /^host: refused: .*\(loopback\)/, `${host}: ${result.error}`);
    }
    assert.is(smtp.mails.length, 0);
  } finally {
    await stack.close();
    await smtp.close();
  }
});

test('allow-listed 127.0.0.1: the test button reaches the server; an error answer shows its status, never its body', async () => {
  const server = await startRecorder((req, _n, res) => {
    if (req.path.startsWith('/broken')) res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>internal admin panel</h1> db_password=hunter2');
    else res.writeHead(200).end('{"ok":true}');
  });
  const stack = await startDashboardStack({ allowInternal: ['127.0.0.1'] });
  try {
    assert.equal(await tryChannel(stack, { type: 'webhook', url: `${server.base}/hook` }), { ok: true, attempts: 1, error: null });
    const broken = await tryChannel(stack, { type: 'webhook', url: `${server.base}/broken` });
    assert.equal(broken, { ok: false, attempts: 1, error: 'HTTP 500' });
    assert.is(server.requests.length, 2);
    // 127.0.0.1 is listed, not the whole loopback range nor every private one.
    assert.match((await tryChannel(stack, { type: 'webhook', url: 'http://127.0.0.2:9/hook' })).error ?? '', /^url: refused: 127\.0\.0\.2, an internal address \(loopback\)/);
    assert.match((await tryChannel(stack, { type: 'webhook', url: 'http://10.0.0.1:9/hook' })).error ?? '', /^url: refused: 10\.0\.0\.1, an internal address \(private network\)/);
  } finally {
    await stack.close();
    await server.close();
  }
});

test('allow-listed 127.0.0.1: SMTP at a closed port and at an open port that is not SMTP give the same error', async () => {
  const notSmtp = createTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((r) => notSmtp.listen(0, '127.0.0.1', r));
  const openPort = (notSmtp.address() as { port: number }).port;
  const closedPort = await freePort();
  const stack = await startDashboardStack({ allowInternal: ['127.0.0.1'] });
  try {
    const mail = (port: number) => ({ type: 'email', host: '127.0.0.1', port, security: 'none', from: 'vigie@box.example', to: ['ops@example.com'] });
    const open = await tryChannel(stack, mail(openPort));
    const closed = await tryChannel(stack, mail(closedPort));
    assert.is(open.error, `SMTP: no SMTP server answered at 127.0.0.1:${openPort}`);
    assert.is(closed.error, `SMTP: no SMTP server answered at 127.0.0.1:${closedPort}`);
  } finally {
    await stack.close();
    notSmtp.close();
  }
});

test('the allow-list: addresses, CIDR ranges and names; a bad entry is a config error naming it', async () => {
  const guard = createOutboundGuard(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', 'ntfy.lan'], 'notify.allowInternal');
  assert.equal(await guard.resolve('10.20.30.40'), ['10.20.30.40']);
  assert.equal(await guard.resolve('[fd00::7]'), ['fd00::7']);
  assert.equal(await guard.resolve('::ffff:192.168.1.10'), ['192.168.1.10'], 'an IPv4-mapped spelling is the IPv4 address');
  await guard.resolve('192.168.1.11').then(() => assert.unreachable('refused'), (e: Error) => assert.match(e.message, /private network/));
  await guard.resolve('localhost').then(() => assert.unreachable('refused'), (e: Error) => assert.match(e.message, /^refused: localhost resolves to .*loopback/));
  assert.throws(() => createOutboundGuard(['10.0.0.0/33'], 'notify.allowInternal'), /^notify\.allowInternal\.0: not a CIDR range/);
  const bad = loadConfig({ env: {}, overrides: { 'notify.allowInternal': '127.0.0.1,bad host!' } });
  assert.is(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /notify\.allowInternal\.1: /);
  const good = loadConfig({ env: {}, overrides: { 'notify.allowInternal': '127.0.0.1, 10.0.0.0/8' } });
  assert.equal(good.ok ? good.value.notify.allowInternal : null, ['127.0.0.1', '10.0.0.0/8']);
});

test.run();
