/** The HTTP(S) probe against real servers on 127.0.0.1 (test/helpers/check-targets.ts). */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeHttp } from '../../../agent/checks/http.js';
import { delayed, makeTargetCertificate, startHttpTarget, type HttpTarget, type TargetCertificate } from '../../helpers/check-targets.js';
import { runProbe } from './context.js';

let cert: TargetCertificate;
const targets: HttpTarget[] = [];
const target = async (...args: Parameters<typeof startHttpTarget>): Promise<HttpTarget> => {
  const t = await startHttpTarget(...args);
  targets.push(t);
  return t;
};

test.before(() => {
  cert = makeTargetCertificate(30);
});
test.after.each(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});
test.after(() => cert.remove());

test('up on 200 with method, headers and body sent; phases measured', async () => {
  const web = await target((_req, res) => res.end('hello Moodle'));
  const r = await runProbe(probeHttp, { kind: 'http', target: `${web.url}/x?y=1`, http: { method: 'POST', headers: { 'X-Token': 'abc' }, body: '{"a":1}' } });
  assert.is(r.state, 'up', r.message);
  assert.is(r.status, 200);
  const got = web.requests[0]!;
  assert.is(got.method, 'POST');
  assert.is(got.url, '/x?y=1');
  assert.is(got.headers['x-token'], 'abc');
  assert.is(got.body, '{"a":1}');
  assert.is(r.phases?.dns, null);
  assert.is(r.phases?.tls, null);
  assert.type(r.phases?.connect, 'number');
  assert.type(r.phases?.firstByte, 'number');
});

test('down when nothing listens: connection refused', async () => {
  const web = await target();
  const url = web.url;
  await web.close();
  targets.length = 0;
  const r = await runProbe(probeHttp, { kind: 'http', target: url });
  assert.is(r.state, 'down');
  assert.is(r.message, 'connection refused');
});

test('acceptStatus: ranges and classes', async () => {
  const web = await target((_req, res) => (res.writeHead(404), res.end('nope')));
  const accepted = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { acceptStatus: ['200', '4xx'] } });
  assert.is(accepted.state, 'up', accepted.message);
  const refused = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { acceptStatus: ['200-299'] } });
  assert.is(refused.state, 'down');
  assert.is(refused.message, 'status 404 not in 200-299');
  assert.is(refused.excerpt, 'nope');
});

test('keyword present and absent, plain and regex; the body excerpt comes with a failure', async () => {
  const web = await target((_req, res) => res.end('<title>Moodle</title> all good'));
  const t = { kind: 'http' as const, target: web.url };
  assert.is((await runProbe(probeHttp, { ...t, http: { keyword: { text: 'Moodle' } } })).state, 'up');
  const missing = await runProbe(probeHttp, { ...t, http: { keyword: { text: 'Nextcloud' } } });
  assert.is(missing.state, 'down');
  assert.is(missing.message, 'keyword "Nextcloud" not found');
  assert.is(missing.excerpt, '<title>Moodle</title> all good');
  const unwanted = await runProbe(probeHttp, { ...t, http: { keyword: { text: 'good', present: false } } });
  assert.is(unwanted.message, 'keyword "good" found');
  assert.is((await runProbe(probeHttp, { ...t, http: { keyword: { text: '<title>M\\w+</title>', regex: true } } })).state, 'up');
  const badRegex = await runProbe(probeHttp, { ...t, http: { keyword: { text: '(', regex: true } } });
  assert.is(badRegex.state, 'down');
  assert.match(badRegex.message, /not a valid regular expression/);
});

test('JSON path conditions', async () => {
  const web = await target((_req, res) => res.end(JSON.stringify({ status: 'ok', checks: [{ ok: true, ms: 12 }], version: '4.1' })));
  const t = { kind: 'http' as const, target: web.url };
  assert.is((await runProbe(probeHttp, { ...t, http: { json: { path: '$.status', op: '==', value: 'ok' } } })).state, 'up');
  assert.is((await runProbe(probeHttp, { ...t, http: { json: { path: '$.checks[0].ms', op: '<', value: 100 } } })).state, 'up');
  assert.is((await runProbe(probeHttp, { ...t, http: { json: { path: '$.checks[0].ok', op: 'exists' } } })).state, 'up');
  assert.is((await runProbe(probeHttp, { ...t, http: { json: { path: '$.checks[?(@.ok === true)].ms', op: '==', value: 12 } } })).state, 'up');
  const wrong = await runProbe(probeHttp, { ...t, http: { json: { path: '$.status', op: '==', value: 'degraded' } } });
  assert.is(wrong.state, 'down');
  assert.is(wrong.message, 'JSON $.status == "degraded" failed (got "ok")');
  const absent = await runProbe(probeHttp, { ...t, http: { json: { path: '$.nothing', op: 'exists' } } });
  assert.is(absent.message, 'JSON path $.nothing not found');
  // No script evaluation: a filter reaching for JavaScript is refused, not run.
  const script = await runProbe(probeHttp, { ...t, http: { json: { path: '$..[?(@.constructor.constructor("return process")().exit())]', op: 'exists' } } });
  assert.is(script.state, 'down');
  const notJson = await startHttpTarget((_req, res) => res.end('<html>'));
  targets.push(notJson);
  const nj = await runProbe(probeHttp, { kind: 'http', target: notJson.url, http: { json: { path: '$.a', op: 'exists' } } });
  assert.match(nj.message, /not JSON/);
});

test('the body is read up to maxBodyBytes only', async () => {
  const big = 'a'.repeat(10_000) + 'NEEDLE';
  const web = await target((_req, res) => res.end(big));
  const cut = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { maxBodyBytes: 1000, keyword: { text: 'NEEDLE' } } });
  assert.is(cut.state, 'down', 'the keyword past the cap is not seen');
  assert.is(cut.excerpt, 'a'.repeat(1000));
  const whole = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { maxBodyBytes: 20_000, keyword: { text: 'NEEDLE' } } });
  assert.is(whole.state, 'up', whole.message);
});

test('a slow endpoint times out at the check timeout', async () => {
  const web = await target(delayed(5000));
  const r = await runProbe(probeHttp, { kind: 'http', target: web.url, timeout: 1 });
  assert.is(r.state, 'down');
  assert.is(r.message, 'timed out after 1 s');
});

test('redirects: followed up to maxRedirects; given headers never reach another origin', async () => {
  const other = await target((_req, res) => res.end('landed'));
  const first = await target((req, res) => {
    if (req.url === '/same') return void (res.writeHead(302, { location: '/final' }), res.end());
    if (req.url === '/final') return void res.end('same origin');
    res.writeHead(301, { location: `${other.url}/elsewhere` });
    res.end();
  });
  const headers = { Authorization: 'Bearer secret', Cookie: 'session=s3cret', 'X-Api-Key': 'k3y' };
  const r = await runProbe(probeHttp, { kind: 'http', target: `${first.url}/start`, http: { headers, keyword: { text: 'landed' } } });
  assert.is(r.state, 'up', r.message);
  assert.is(first.requests[0]!.headers.authorization, 'Bearer secret', 'the first origin gets them');
  const second = other.requests[0]!;
  assert.is(second.url, '/elsewhere');
  assert.is(second.headers.authorization, undefined);
  assert.is(second.headers.cookie, undefined);
  assert.is(second.headers['x-api-key'], undefined);
  // URL credentials are a given header too.
  const withUser = await runProbe(probeHttp, { kind: 'http', target: `http://me:pw@127.0.0.1:${first.port}/start` });
  assert.is(withUser.state, 'up');
  assert.ok(first.requests.at(-1)!.headers.authorization?.startsWith('Basic '));
  assert.is(other.requests.at(-1)!.headers.authorization, undefined);
  // Same origin keeps them.
  await runProbe(probeHttp, { kind: 'http', target: `${first.url}/same`, http: { headers } });
  assert.is(first.requests.at(-1)!.url, '/final');
  assert.is(first.requests.at(-1)!.headers.cookie, 'session=s3cret');
  // Not followed past maxRedirects.
  const stop = await runProbe(probeHttp, { kind: 'http', target: `${first.url}/start`, http: { maxRedirects: 0 } });
  assert.is(stop.state, 'down');
  assert.is(stop.status, 301);
  assert.is(stop.message, 'more than 0 redirects (status 301)');
  assert.is((await runProbe(probeHttp, { kind: 'http', target: `${first.url}/start`, http: { maxRedirects: 0, acceptStatus: ['3xx'] } })).state, 'up');
});

test('a redirect into a denied network is refused, naming the address and the key', async () => {
  const first = await target((_req, res) => (res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }), res.end()));
  const r = await runProbe(probeHttp, { kind: 'http', target: first.url });
  assert.is(r.state, 'down');
  assert.is(r.message, 'redirect to http://169.254.169.254: address 169.254.169.254 is refused by agent.checks.deny (169.254.0.0/16)');
});

test('https: phases, certificate, verifyTls', async () => {
  const web = await target((_req, res) => res.end('secure'), { cert: cert.cert, key: cert.key });
  const ca = [...rootCertificates, readFileSync(cert.ca, 'utf8')];
  const trusted = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { headers: { Authorization: 'x' } } }, { ca });
  assert.is(trusted.state, 'up', trusted.message);
  assert.type(trusted.phases?.tls, 'number');
  assert.is(trusted.cert?.chainValid, true);
  assert.is(trusted.cert?.hostnameMatch, true);
  assert.is(trusted.cert?.notAfter, cert.notAfter.getTime());
  // An unknown CA: down before any request is sent (no header reaches an unverified server).
  const before = web.requests.length;
  const untrusted = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { headers: { Authorization: 'x' } } });
  assert.is(untrusted.state, 'down');
  assert.match(untrusted.message, /^certificate chain invalid: /);
  assert.is(untrusted.cert?.chainValid, false);
  assert.is(web.requests.length, before, 'nothing was sent');
  const lax = await runProbe(probeHttp, { kind: 'http', target: web.url, http: { verifyTls: false } });
  assert.is(lax.state, 'up', lax.message);
  assert.is(lax.cert?.chainValid, false, 'still reported');
});

test.run();
