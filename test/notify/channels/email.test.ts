import { readFileSync } from 'node:fs';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTestCertificates, type TestCertificates } from '../../helpers/certs.js';
import { freePort, waitFor } from '../../helpers/env.js';
import { createNotifier } from '../../../notify/notifier.js';
import { notice, tempStore, writeSample } from '../helpers.js';

/**
 * Email through a real SMTP server (the `smtp-server` package, in-process on
 * a free 127.0.0.1 port) that requires authentication: plain, STARTTLS
 * with a certificate made by openssl, and implicit TLS.
 */

interface Mail { raw: string; from: string; to: string[]; secure: boolean; user: unknown }

interface Smtp { port: number; mails: Mail[]; close(): Promise<void> }

async function startSmtp(options: Partial<SMTPServerOptions>): Promise<Smtp> {
  const mails: Mail[] = [];
  const port = await freePort();
  const server = new SMTPServer({
    authOptional: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'vigie' && auth.password === 's3cret pass') cb(null, { user: 'vigie' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user,
        });
        cb();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Unfolds headers and decodes RFC 2047 words (B and Q): enough to read a Subject without mailparser. */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)) ?? '';
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

/** The text body, decoded from quoted-printable or base64 as the message says. */
function body(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const text = rest.join('\n\n');
  const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(head ?? '')?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
  }
  return text;
}

const base = { name: 'Ops mail', from: 'vigie@box.example', to: ['ops@example.com', 'oncall@example.com'], username: 'vigie', password: 's3cret pass' };

let certs: TestCertificates;
test.before(() => {
  certs = makeTestCertificates();
});
test.after(() => certs.remove());

test('a firing alert arrives by SMTP with authentication: subject, from/to, title, advice and context in the body', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, groupWindowMs: 50 });
  try {
    const channel = store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'none' });
    notifier.notify(notice());
    await notifier.flush();
    assert.is(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.is(mail.user, 'vigie', 'the server authenticated the sender');
    assert.is(mail.from, 'vigie@box.example');
    assert.equal(mail.to, ['ops@example.com', 'oncall@example.com']);
    assert.is(header(mail.raw, 'Subject'), '[Vigie] CRITICAL: CPU at 97 % on web-1 (critical ≥ 95 % for 2 min)');
    assert.is(header(mail.raw, 'From'), 'vigie@box.example');
    assert.is(header(mail.raw, 'Auto-Submitted'), 'auto-generated');
    const text = body(mail.raw);
    writeSample('email', `${mail.raw}\n\n===== decoded =====\nSubject: ${header(mail.raw, 'Subject')}\n\n${text}`);
    assert.ok(text.includes('[CRITICAL] CPU at 97 % on web-1 (critical ≥ 95 % for 2 min)'), text);
    assert.ok(text.includes('Suggested action: Look at the top processes below; restart or limit the one using the CPU.'), text);
    assert.ok(text.includes('Details:'), text);
    assert.ok(text.includes(' 4242  88.1  node server.js'), text);
    assert.ok(text.includes('Host: web-1 (Web server)'), text);
    assert.ok(text.includes('http://vigie.local:8080/alerts/web-1/cpu'), text);
    const [row] = store.recentDeliveries(channel.id);
    assert.equal([row?.ok, row?.attempts, row?.keys], [true, 1, ['web-1/cpu']]);
  } finally {
    await notifier.close();
    remove();
    await smtp.close();
  }
});

test('a wrong password fails at once, without retrying, with the SMTP reply', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const { store, remove } = tempStore();
  const failures: string[] = [];
  const notifier = createNotifier({ store, groupWindowMs: 10, retry: { baseMs: 10 }, onFailure: (_c, error) => failures.push(error) });
  try {
    const channel = store.create({ ...base, password: 'wrong', type: 'email', host: '127.0.0.1', port: smtp.port, security: 'none' });
    notifier.notify(notice());
    await notifier.flush();
    assert.is(smtp.mails.length, 0);
    assert.is(failures.length, 1);
    assert.match(failures[0]!, /EAUTH 535/);
    assert.not.match(failures[0]!, /wrong/, 'the password is not in the error');
    const [row] = store.recentDeliveries(channel.id);
    assert.equal([row?.ok, row?.attempts], [false, 1]);
  } finally {
    await notifier.close();
    remove();
    await smtp.close();
  }
});

test('STARTTLS: the upgraded session verifies the server against caFile; the test button reports success', async () => {
  const smtp = await startSmtp({ key: readFileSync(certs.key), cert: readFileSync(certs.cert) });
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store });
  try {
    const channel = store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'starttls', caFile: certs.ca });
    const result = await notifier.sendTest(channel.id);
    assert.equal(result, { ok: true, attempts: 1, error: null });
    assert.is(smtp.mails.length, 1);
    assert.ok(smtp.mails[0]!.secure, 'the message travelled over TLS');
    assert.match(header(smtp.mails[0]!.raw, 'Subject'), /^\[Vigie\] WARNING: Test notification from Vigie$/);
    assert.equal(store.recentDeliveries(channel.id)[0]?.test, true);

    // Without the CA, the self-signed chain is refused (tlsRejectUnauthorized defaults to true)…
    const strict = store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'starttls' });
    const refused = await notifier.sendTest(strict.id);
    assert.is(refused.ok, false);
    assert.match(refused.error ?? '', /certificate/i);
    // …unless verification is turned off, as for a test server.
    const lax = store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'starttls', tlsRejectUnauthorized: false });
    assert.is((await notifier.sendTest(lax.id)).ok, true);
    assert.is(smtp.mails.length, 2);
  } finally {
    await notifier.close();
    remove();
    await smtp.close();
  }
});

test('STARTTLS required: a server that does not offer it gets nothing, not even the password', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store });
  try {
    const channel = store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'starttls' });
    const result = await notifier.sendTest(channel.id);
    assert.is(result.ok, false);
    assert.match(result.error ?? '', /STARTTLS/i);
    assert.is(smtp.mails.length, 0);
  } finally {
    await notifier.close();
    remove();
    await smtp.close();
  }
});

test('implicit TLS (port 465 style) with caFile', async () => {
  const smtp = await startSmtp({ secure: true, key: readFileSync(certs.key), cert: readFileSync(certs.cert) });
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, groupWindowMs: 20 });
  try {
    store.create({ ...base, type: 'email', host: '127.0.0.1', port: smtp.port, security: 'tls', caFile: certs.ca });
    notifier.notify(notice());
    await waitFor('the mail', () => smtp.mails.length === 1);
    assert.ok(smtp.mails[0]!.secure);
  } finally {
    await notifier.close();
    remove();
    await smtp.close();
  }
});

test.run();
