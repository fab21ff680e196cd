import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTestCertificates, type TestCertificates } from '../../helpers/certs.js';
import { waitFor } from '../../helpers/env.js';
import { body, header, startSmtp } from '../../helpers/mail.js';
import { createNotifier } from '../../../notify/notifier.js';
import { notice, tempStore, writeSample, LOCAL } from '../helpers.js';

/**
 * Email through a real SMTP server (the `smtp-server` package, in-process on
 * a free 127.0.0.1 port) that requires authentication: plain, STARTTLS
 * with a certificate made by openssl, and implicit TLS.
 */

const base = { name: 'Ops mail', from: 'vigie@box.example', to: ['ops@example.com', 'oncall@example.com'], username: 'vigie', password: 's3cret pass' };

let certs: TestCertificates;
test.before(() => {
  certs = makeTestCertificates();
});
test.after(() => certs.remove());

test('a firing alert arrives by SMTP with authentication: subject, from/to, title, advice and context in the body', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const { store, remove } = tempStore();
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 50 });
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
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 10, retry: { baseMs: 10 }, onFailure: (_c, error) => failures.push(error) });
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
  const notifier = createNotifier({ store, allowInternal: LOCAL });
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
  const notifier = createNotifier({ store, allowInternal: LOCAL });
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
  const notifier = createNotifier({ store, allowInternal: LOCAL, groupWindowMs: 20 });
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
