/** DNS against a real dnsmasq answering chosen records; ping through Debian's iputils `ping` to 127.0.0.1. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normaliseAnswer, probeDns } from '../../../agent/checks/dns.js';
import { parsePing, probePing } from '../../../agent/checks/ping.js';
import { haveDnsmasq, havePing, startDnsmasq, type DnsTarget } from '../../helpers/check-targets.js';
import { freePort } from '../../helpers/env.js';
import { runProbe } from './context.js';

let dns: DnsTarget | undefined;
const withDns = haveDnsmasq();
const withPing = havePing();

test.before(async () => {
  if (!withDns) return;
  dns = await startDnsmasq({
    address: { 'www.vigie.test': ['192.0.2.10', '192.0.2.11'], 'v6.vigie.test': ['2001:db8::5'] },
    cname: { 'alias.vigie.test': 'www.vigie.test' },
    mx: { 'vigie.test': [[10, 'mail.vigie.test'], [20, 'backup.vigie.test']] },
    txt: { 'txt.vigie.test': ['v=spf1 ', '-all'] },
    local: ['vigie.test'],
  });
});
test.after(async () => {
  await dns?.close();
});

const ask = (target: string, type: 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS', expect?: string[], server = dns!.server) =>
  runProbe(probeDns, { kind: 'dns', target, timeout: 3, dns: { type, server, ...(expect ? { expect } : {}) } });

test('answers of each record type, with expected values compared case-insensitively without the trailing dot', async () => {
  if (!dns) return;
  const a = await ask('www.vigie.test', 'A', ['192.0.2.10']);
  assert.is(a.state, 'up', a.message);
  assert.equal([...a.answers!].sort(), ['192.0.2.10', '192.0.2.11']);
  assert.is(a.message, '2 A answers');
  const aaaa = await ask('v6.vigie.test', 'AAAA', ['2001:DB8::5']);
  assert.is(aaaa.state, 'up', aaaa.message);
  const cname = await ask('alias.vigie.test', 'CNAME', ['WWW.vigie.test.']);
  assert.is(cname.state, 'up', cname.message);
  const mx = await ask('vigie.test', 'MX', ['10 mail.vigie.test', '20 Backup.Vigie.Test.']);
  assert.is(mx.state, 'up', mx.message);
  assert.ok(mx.answers!.includes('10 mail.vigie.test'));
  const txt = await ask('txt.vigie.test', 'TXT', ['v=spf1 -all']);
  assert.is(txt.state, 'up', txt.message);
  assert.equal(txt.answers, ['v=spf1 -all'], 'chunks are joined');
});

test('down: an expected value missing, a name that does not exist, a type with no record', async () => {
  if (!dns) return;
  const wrong = await ask('www.vigie.test', 'A', ['192.0.2.99']);
  assert.is(wrong.state, 'down');
  assert.is(wrong.message, 'expected "192.0.2.99" not in the A answer');
  assert.equal(wrong.answers?.length, 2, 'the answers come with the failure');
  const none = await ask('nothing.vigie.test', 'A');
  assert.is(none.state, 'down');
  assert.is(none.message, 'no such name (NXDOMAIN)');
  const noMx = await ask('www.vigie.test', 'MX');
  assert.is(noMx.state, 'down');
});

test('a wrong server: no answer, down', async () => {
  if (!withDns) return;
  const port = await freePort();
  const r = await runProbe(probeDns, { kind: 'dns', target: 'www.vigie.test', timeout: 2, dns: { type: 'A', server: `127.0.0.1:${port}` } });
  assert.is(r.state, 'down');
  assert.match(r.message, /^(no answer from server 127\.0\.0\.1:\d+|server 127\.0\.0\.1:\d+ refused the query|timed out after 2 s)$/);
});

test('a DNS server in a denied network is refused', async () => {
  const r = await runProbe(probeDns, { kind: 'dns', target: 'www.vigie.test', dns: { type: 'A', server: '169.254.169.253' } });
  assert.is(r.state, 'down');
  assert.is(r.message, 'DNS server: address 169.254.169.253 is refused by agent.checks.deny (169.254.0.0/16)');
  const outside = await runProbe(probeDns, { kind: 'dns', target: 'www.vigie.test', dns: { type: 'A', server: '[::1]:53' } }, { allow: ['127.0.0.0/8'] });
  assert.is(outside.message, 'DNS server: address ::1 is outside agent.checks.allow');
});

test('normaliseAnswer', () => {
  assert.is(normaliseAnswer(' Mail.Example.ORG. '), 'mail.example.org');
  assert.is(normaliseAnswer('10  mx.example.org.'), '10 mx.example.org');
});

test('ping 127.0.0.1: RTTs in seconds and no loss', async () => {
  if (!withPing) return;
  const r = await runProbe(probePing, { kind: 'ping', target: '127.0.0.1', ping: { count: 2 } });
  assert.is(r.state, 'up', r.message);
  assert.is(r.ping?.sent, 2);
  assert.is(r.ping?.received, 2);
  assert.is(r.ping?.loss, 0);
  assert.ok(r.ping!.avg! > 0 && r.ping!.avg! < 1, 'seconds, not milliseconds');
  assert.is(r.latency, r.ping!.avg);
  assert.ok(r.ping!.min! <= r.ping!.avg! && r.ping!.avg! <= r.ping!.max!);
});

test('ping: everything lost is down; the target is validated and checked against the networks', async () => {
  if (!withPing) return;
  // TEST-NET-2 (RFC 5737) is never routed: nothing comes back.
  const lost = await runProbe(probePing, { kind: 'ping', target: '198.51.100.1', ping: { count: 1 }, timeout: 3 });
  assert.is(lost.state, 'down');
  assert.ok(lost.ping === undefined || lost.ping.loss === 100, JSON.stringify(lost));
  const option = await runProbe(probePing, { kind: 'ping', target: '-f' });
  assert.match(option.message, /not a host name or IP address/);
  const denied = await runProbe(probePing, { kind: 'ping', target: '127.0.0.1' }, { deny: ['127.0.0.0/8'] });
  assert.is(denied.message, 'address 127.0.0.1 is refused by agent.checks.deny (127.0.0.0/8)');
});

test('parsePing: iputils summaries, with and without replies', () => {
  const ok = parsePing('--- x ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms\nrtt min/avg/max/mdev = 0.041/0.052/0.061/0.008 ms\n');
  assert.equal(ok, { sent: 3, received: 2, loss: 33.3333, min: 0.000041, avg: 0.000052, max: 0.000061 });
  const none = parsePing('3 packets transmitted, 0 received, 100% packet loss, time 2030ms\n');
  assert.equal(none, { sent: 3, received: 0, loss: 100, min: null, avg: null, max: null });
  const errors = parsePing('3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2030ms\n');
  assert.is(errors?.received, 0);
  assert.is(parsePing('ping: unknown host'), null);
});

test.run();
