import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOutboundGuard, internalReason, pinnedLookup } from '../../core/outbound-guard.js';
import { startRecorder } from '../notify/helpers.js';

test('internalReason: public unicast passes; every internal or reserved range is named', () => {
  for (const ok of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4007::64']) assert.is(internalReason(ok), null, ok);
  const cases: Record<string, string> = {
    '127.0.0.1': 'loopback', '::1': 'loopback', '::ffff:127.0.0.1': 'loopback', '10.0.0.1': 'private network',
    '172.31.255.255': 'private network', '192.168.0.1': 'private network', 'fd12::1': 'private network (IPv6 unique local)',
    '169.254.169.254': 'link-local', 'fe80::1': 'link-local', '100.127.255.254': 'carrier-grade NAT (100.64.0.0/10)',
    '224.0.0.251': 'multicast', 'ff02::1': 'multicast', '255.255.255.255': 'broadcast', '0.0.0.0': 'unspecified', '::': 'unspecified',
    '192.0.2.10': 'reserved range (reserved)', '198.18.0.1': 'reserved range (reserved)', '2002:7f00:1::': 'reserved range (6to4)',
    '2001::1': 'reserved range (teredo)', '64:ff9b::a00:1': 'reserved range (rfc6052)',
  };
  for (const [address, reason] of Object.entries(cases)) assert.is(internalReason(address), reason, address);
});

test('a guard with no allow-list refuses what resolves internally and returns the checked addresses otherwise', async () => {
  const guard = createOutboundGuard();
  assert.equal(await guard.resolve('8.8.8.8'), ['8.8.8.8']);
  for (const host of ['localhost', '127.0.0.1', '[::1]', '2130706433', '0x7f.1', '0177.0.0.1', '::ffff:7f00:1']) {
    await guard.resolve(host).then(
      () => assert.unreachable(`${host} passed`),
      (e: Error) => assert.is(e.name, 'OutboundRefused', host),
    );
  }
});

test('pinnedLookup: the connection goes to the checked address, whatever the name would resolve to now', async () => {
  const server = await startRecorder();
  try {
    const port = Number(new URL(server.base).port);
    // `.invalid` never resolves (RFC 6761): reaching the server proves no second DNS lookup happened.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: 'rebind.invalid', port, path: '/pinned', method: 'POST', lookup: pinnedLookup(['127.0.0.1']), agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.is(status, 200);
    assert.is(server.requests[0]?.headers.host, `rebind.invalid:${port}`);
  } finally {
    await server.close();
  }
});

test.run();
