/**
 * A device that does not answer, or refuses the credentials, is offline
 * with a reason and net-snmp's words, not silent; one that stops answering
 * goes offline and comes back online when it answers again. Real snmpd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../../helpers/env.js';
import { haveSnmpd, startSnmpd, type Snmpd } from '../../helpers/snmpd.js';
import { device, startPollerRig, type PollerRig } from './rig.js';

if (haveSnmpd()) {
  let snmpd: Snmpd;
  let r: PollerRig;

  test.before(async () => {
    snmpd = await startSnmpd();
    const { host, port } = snmpd;
    r = await startPollerRig('poller2', [
      device('bad-community', host, port, { version: '2c', community: 'not-the-community' }, { timeout: 1 }),
      device('bad-pass', host, port, { version: '3', ...snmpd.v3.authOnly, authKey: 'wrong-passphrase' }),
      device('bad-user', host, port, { version: '3', ...snmpd.v3.private, user: 'nobody' }),
      device('flaky', host, port, { version: '2c', community: snmpd.community }, { timeout: 1 }),
    ]);
  });

  test.after(async () => {
    await r?.close();
    await snmpd?.close();
  });

  test('a wrong v2c community: offline snmp-timeout (v2c agents stay silent), with the error', async () => {
    const status = await waitFor('a status', () => r.seen('bad-community').status.at(-1), 15_000);
    assert.equal({ state: status.state, reason: status.reason, error: status.error }, { state: 'offline', reason: 'snmp-timeout', error: 'Request timed out' });
    assert.is(r.seen('bad-community').info.length, 0);
    assert.is(r.seen('bad-community').metrics.length, 0);
  });

  test('a wrong v3 passphrase or an unknown user: offline snmp-auth, with the report', async () => {
    const pass = await waitFor('a status', () => r.seen('bad-pass').status.at(-1), 15_000);
    assert.is(pass.state, 'offline');
    assert.is(pass.reason, 'snmp-auth');
    assert.match(pass.error ?? '', /Authentication|Wrong Digest/i);
    const user = await waitFor('a status', () => r.seen('bad-user').status.at(-1), 15_000);
    assert.is(user.reason, 'snmp-auth');
    assert.match(user.error ?? '', /Unknown User Name/i);
    assert.is(r.seen('bad-pass').metrics.length + r.seen('bad-user').metrics.length, 0);
  });

  test('stopping snmpd makes the device offline; starting it brings it back online', async () => {
    const seen = r.seen('flaky');
    await waitFor('flaky online', () => seen.status.at(-1)?.state === 'online' && seen.metrics.length > 0, 15_000);
    await snmpd.stop();
    const off = await waitFor('flaky offline', () => (seen.status.at(-1)?.state === 'offline' ? seen.status.at(-1) : undefined), 15_000);
    assert.equal({ reason: off.reason, error: off.error }, { reason: 'snmp-timeout', error: 'Request timed out' });
    const during = seen.metrics.length;
    assert.is(seen.status.filter((s) => s.state === 'offline').length, 1, 'the status is published when it changes, not at every failed poll');
    await snmpd.start();
    await waitFor('flaky online again', () => seen.status.at(-1)?.state === 'online', 15_000);
    await waitFor('metrics again', () => seen.metrics.length > during, 15_000);
    assert.equal(seen.status.map((s) => s.state), ['online', 'offline', 'online']);
    assert.is(r.agent.stats().devices.devices, 4);
    assert.ok(r.agent.stats().connected, 'nothing the agent published was refused');
  });
}

test.run();
