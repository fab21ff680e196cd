/**
 * What the box hands out to other machines (issue 11): loopback and
 * documentation addresses are recognised (the Hosts & agents page and the
 * CLI warn), the public dashboard URL comes from http.publicUrl or the bound
 * address, the broker's self-signed certificate is handed out as the CA to
 * pin, and agent versions compare numerically.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../cli/config.js';
import { brokerCaPem } from '../../cli/public-broker-url.js';
import { publicDashboardUrl } from '../../cli/public-url.js';
import { unreachableKind } from '../../core/public-address.js';
import { compareVersions, isOutdated } from '../../core/semver.js';
import { makeTestCertificates } from '../helpers/certs.js';

const config = (overrides: Record<string, string>) => {
  const r = loadConfig({ env: {}, overrides });
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

test('loopback, unspecified and documentation addresses are flagged; names and LAN addresses are not', () => {
  for (const url of ['http://127.0.0.1:8080', 'http://127.8.9.10', 'mqtt://[::1]:1883', 'http://localhost:8080', 'http://box.localhost', 'mqtt://[::ffff:127.0.0.1]:1883']) assert.is(unreachableKind(url), 'loopback', url);
  for (const url of ['http://192.0.2.2:8080', 'mqtt://198.51.100.7:1883', 'http://203.0.113.1', 'mqtts://[2001:db8::5]:8883']) assert.is(unreachableKind(url), 'documentation', url);
  assert.is(unreachableKind('http://0.0.0.0:8080'), 'unspecified');
  for (const url of ['http://192.168.1.20:8080', 'https://vigie.example.org', 'mqtt://10.0.0.2:1883', 'http://192.0.3.1', 'mqtt://[2001:db9::1]:1883', 'not a url']) assert.is(unreachableKind(url), null, url);
});

test('the public dashboard URL: http.publicUrl when set (no trailing slash), else the bound address and the port listened on', () => {
  assert.is(publicDashboardUrl(config({ 'http.publicUrl': 'https://vigie.example.org/' })), 'https://vigie.example.org');
  assert.is(publicDashboardUrl(config({ 'http.host': '127.0.0.1', 'http.port': '0' }), { port: 41234 }), 'http://127.0.0.1:41234');
  assert.is(publicDashboardUrl(config({ 'http.host': '::1' }), { port: 8080 }), 'http://[::1]:8080');
  assert.match(publicDashboardUrl(config({})), /^http:\/\/[\d.]+:8080$/, 'a LAN address (or 127.0.0.1) when bound to every address');
  assert.not.ok(loadConfig({ env: {}, overrides: { 'http.publicUrl': 'ftp://x' } }).ok, 'http(s) only');
});

test('the broker CA handed to enrolling agents: a self-signed certificate, else nothing', () => {
  const certs = makeTestCertificates();
  try {
    assert.is(brokerCaPem(config({})), null, 'no TLS: nothing');
    const selfSigned = brokerCaPem(config({ 'broker.tls.cert': certs.ca, 'broker.tls.key': certs.key }));
    assert.is(selfSigned, readFileSync(certs.ca, 'utf8'), 'the self-signed CA certificate, as it is');
    assert.is(brokerCaPem(config({ 'broker.tls.cert': certs.cert, 'broker.tls.key': certs.key })), null, 'a certificate issued by a CA is checked against the system CAs');
    assert.is(brokerCaPem(config({ 'broker.tls.cert': '/nonexistent/cert.pem', 'broker.tls.key': certs.key })), null);
  } finally {
    certs.remove();
  }
});

test('versions compare numerically; unknown ones are never called outdated', () => {
  assert.is(compareVersions('0.9.0', '0.10.0'), -1);
  assert.is(compareVersions('1.2.3', '1.2.3'), 0);
  assert.is(compareVersions('v2.0.0', '1.99.99'), 1);
  assert.is(compareVersions('1.2.0-rc.1', '1.2.0'), -1);
  assert.is(compareVersions('test', '1.0.0'), null);
  assert.ok(isOutdated('0.0.9', '0.1.0'));
  assert.not.ok(isOutdated('0.1.0', '0.1.0'));
  assert.not.ok(isOutdated('weird', '0.1.0'));
  assert.not.ok(isOutdated(null, '0.1.0'));
});

test.run();
