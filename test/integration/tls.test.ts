/** MQTT over TLS and HTTPS with certificates the user provides; clients verify them, optionally against a pinned CA. */
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTestCertificates, type TestCertificates } from '../helpers/certs.js';
import { waitFor } from '../helpers/env.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';

let certs: TestCertificates;
let up: TestStack;
let agent: TestStack | undefined;

test.before(async () => {
  certs = makeTestCertificates();
  up = await startTestStack('up', {
    set: {
      'broker.tls.port': '0', 'broker.tls.host': '127.0.0.1', 'broker.tls.cert': certs.cert, 'broker.tls.key': certs.key,
      'http.tls.cert': certs.cert, 'http.tls.key': certs.key,
    },
  });
});
test.after(async () => {
  await agent?.close();
  await up.close();
  certs.remove();
});

const tlsUrl = (): string => `mqtts://127.0.0.1:${up.stack.broker!.tlsPort}`;

/** How a connection attempt ended: 'connected', or the error; a silent close counts as 'closed'. */
function attempt(url: string, opts: mqtt.IClientOptions): Promise<string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { ...opts, reconnectPeriod: 0, connectTimeout: 3000 });
    client.once('connect', () => (client.end(true), resolve('connected')));
    client.once('error', (e) => (client.end(true), resolve(e.message)));
    client.once('close', () => resolve('closed'));
  });
}

/** GET over HTTPS, trusting `ca` only when given. */
function httpsGet(url: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('the dashboard is served over HTTPS and a client trusting the CA gets it', async () => {
  assert.match(up.httpUrl, /^https:\/\//);
  const { status, body } = await httpsGet(`${up.httpUrl}/api/health`, readFileSync(certs.ca));
  assert.is(status, 200);
  assert.match(body, /"ok":true/);
  const untrusted = await httpsGet(`${up.httpUrl}/api/health`).then(() => 'accepted', (e: Error) => e.message);
  assert.match(untrusted, /self[- ]signed|unable to verify|certificate/i);
});

test('an agent pinning the CA connects over mqtts:// and its host appears', async () => {
  const creds = addCredentials(up.dataDir, { kind: 'agent', host: 'secure-pc' });
  agent = await startTestStack('agent', {
    set: { 'agent.broker': tlsUrl(), 'agent.ca': certs.ca, 'agent.host': 'secure-pc', 'agent.username': creds.username, 'agent.password': creds.password },
  });
  await waitFor('secure-pc ingested', () => up.stack.ingest!.getHost('secure-pc')?.latest, 15_000);
});

test('without the CA, or in plain MQTT on the TLS port, the connection fails', async () => {
  const creds = addCredentials(up.dataDir, { kind: 'agent', host: 'careless-pc' });
  assert.match(await attempt(tlsUrl(), creds), /self[- ]signed|unable to verify|certificate/i);
  assert.is.not(await attempt(`mqtt://127.0.0.1:${up.stack.broker!.tlsPort}`, creds), 'connected');
  assert.is(await attempt(tlsUrl(), { ...creds, ca: readFileSync(certs.ca) }), 'connected', 'the same credentials with the CA do connect');
});

test('a certificate file that cannot be read is a start error naming its key', async () => {
  const failed = await startTestStack('broker', { set: { 'broker.tls.cert': '/nonexistent/cert.pem', 'broker.tls.key': certs.key, 'broker.tls.port': '0' } }).then(
    async (s) => (await s.close(), 'started'),
    (e: Error) => e.message,
  );
  assert.match(failed, /^broker\.tls\.cert: cannot read "\/nonexistent\/cert\.pem" \(ENOENT\)/);
});

test.run();
