/** TCP and TLS probes against real listeners on 127.0.0.1, with openssl-made certificates of chosen expiry. */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeTcp } from '../../../agent/checks/tcp.js';
import { probeTls } from '../../../agent/checks/tls.js';
import { makeTargetCertificate, startHttpTarget, startTcpTarget } from '../../helpers/check-targets.js';
import { freePort } from '../../helpers/env.js';
import { runProbe } from './context.js';

test('tcp: up with a connect latency, down when refused', async () => {
  const listener = await startTcpTarget();
  try {
    const up = await runProbe(probeTcp, { kind: 'tcp', target: '127.0.0.1', port: listener.port });
    assert.is(up.state, 'up', up.message);
    assert.ok(up.latency !== null && up.latency >= 0);
    assert.is(listener.accepted(), 1);
  } finally {
    await listener.close();
  }
  const closed = await runProbe(probeTcp, { kind: 'tcp', target: '127.0.0.1', port: await freePort() });
  assert.is(closed.state, 'down');
  assert.is(closed.message, 'connection refused');
  assert.is(closed.latency, null);
});

test('tcp: a name is resolved (localhost); a target looking like an option is refused', async () => {
  const listener = await startTcpTarget();
  try {
    const up = await runProbe(probeTcp, { kind: 'tcp', target: 'localhost', port: listener.port }, { allow: ['127.0.0.0/8', '::1/128'] });
    assert.is(up.state, 'up', up.message);
    const bad = await runProbe(probeTcp, { kind: 'tcp', target: '-oProxyCommand=x', port: listener.port });
    assert.is(bad.state, 'down');
    assert.match(bad.message, /not a host name or IP address/);
  } finally {
    await listener.close();
  }
});

test('allowed networks: outside allow and inside deny are refused, naming the address and the key', async () => {
  const listener = await startTcpTarget();
  try {
    const outside = await runProbe(probeTcp, { kind: 'tcp', target: '127.0.0.1', port: listener.port }, { allow: ['10.0.0.0/8'] });
    assert.is(outside.state, 'down');
    assert.is(outside.message, 'address 127.0.0.1 is outside agent.checks.allow');
    const denied = await runProbe(probeTcp, { kind: 'tcp', target: '127.0.0.1', port: listener.port }, { deny: ['127.0.0.0/8'] });
    assert.is(denied.message, 'address 127.0.0.1 is refused by agent.checks.deny (127.0.0.0/8)');
    // A name is judged by every address it resolves to.
    const named = await runProbe(probeTcp, { kind: 'tcp', target: 'localhost', port: listener.port }, { deny: ['127.0.0.0/8', '::1/128'] });
    assert.match(named.message, /^localhost: address (127\.0\.0\.1|::1) is refused by agent\.checks\.deny/);
    // The default deny list keeps cloud metadata out.
    const metadata = await runProbe(probeTcp, { kind: 'tcp', target: '169.254.169.254', port: 80 });
    assert.is(metadata.message, 'address 169.254.169.254 is refused by agent.checks.deny (169.254.0.0/16)');
    const mapped = await runProbe(probeTcp, { kind: 'tcp', target: '::ffff:169.254.169.254', port: 80 });
    assert.match(mapped.message, /refused by agent\.checks\.deny/);
    assert.is(listener.accepted(), 0, 'no connection was made');
  } finally {
    await listener.close();
  }
});

test('tls: days left, chain and host name; each problem makes it down and says which', async () => {
  const good = makeTargetCertificate(30);
  const expired = makeTargetCertificate(-2);
  const soon = makeTargetCertificate(5);
  const wrongName = makeTargetCertificate(30, ['DNS:other.example']);
  const servers = await Promise.all([good, expired, soon, wrongName].map((c) => startHttpTarget(undefined, { cert: c.cert, key: c.key })));
  const trust = (c: { ca: string }): string[] => [...rootCertificates, readFileSync(c.ca, 'utf8')];
  try {
    const [g, e, s, w] = servers as [typeof servers[0], typeof servers[0], typeof servers[0], typeof servers[0]];
    const up = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: g.port }, { ca: trust(good) });
    assert.is(up.state, 'up', up.message);
    assert.is(up.cert?.notAfter, good.notAfter.getTime());
    assert.is(up.cert?.chainValid, true);
    assert.is(up.cert?.hostnameMatch, true);
    assert.match(up.cert?.issuer ?? '', /Vigie check test CA/);
    assert.match(up.message, /^certificate valid for (29|30) days$/);
    const fiveDays = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: s.port }, { ca: trust(soon) });
    assert.is(fiveDays.state, 'up', 'expiring soon is an alert, not down');
    assert.match(fiveDays.message, /valid for [45] days/);
    const untrusted = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: g.port });
    assert.is(untrusted.state, 'down');
    assert.match(untrusted.message, /^certificate chain invalid: /);
    const old = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: e.port }, { ca: trust(expired) });
    assert.is(old.state, 'down');
    assert.match(old.message, /^certificate expired on \d{4}-\d\d-\d\d$/);
    assert.ok(old.cert!.notAfter < Date.now());
    const mismatch = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: w.port }, { ca: trust(wrongName) });
    assert.is(mismatch.state, 'down');
    assert.is(mismatch.message, 'certificate does not match host name 127.0.0.1');
    assert.is(mismatch.cert?.hostnameMatch, false);
    assert.is(mismatch.cert?.chainValid, true);
    const plain = await startTcpTarget();
    const notTls = await runProbe(probeTls, { kind: 'tls', target: '127.0.0.1', port: plain.port });
    await plain.close();
    assert.is(notTls.state, 'down');
  } finally {
    await Promise.all(servers.map((t) => t.close()));
    for (const c of [good, expired, soon, wrongName]) c.remove();
  }
});

test.run();
