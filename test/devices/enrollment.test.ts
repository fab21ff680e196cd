/**
 * Enrollment and devices (issue 13): a device's host id never gets agent
 * credentials, whichever path enrolls — a new token is refused, and a token
 * made before the id became a device is refused when used.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts } from '../../accounts/index.js';
import { DeviceStore } from '../../devices/store.js';
import { tempDir } from '../helpers/env.js';

test('a token for a device id is refused; an older token for it is refused when used, and gives no credentials', () => {
  const dir = tempDir();
  const accounts = openAccounts(dir.path);
  const store = DeviceStore.open(dir.path);
  try {
    const early = accounts.enrollmentTokens.create({ host: 'nas', createdBy: 'admin' });
    const fine = accounts.enrollmentTokens.create({ host: 'agent-1', createdBy: 'admin' });
    store.create({ id: 'nas', address: '192.0.2.5', port: 161, snmp: { version: '2c', community: 'nas-ro' }, interval: 60, timeout: 5, retries: 1, custom: [], poller: 'agent-1', enabled: true }, null);
    assert.throws(() => accounts.enrollmentTokens.create({ host: 'nas', createdBy: 'admin' }), /host: nas is an SNMP device/);
    const used = accounts.enrollmentTokens.redeem(early.secret, '127.0.0.1');
    assert.is(used.ok, false);
    assert.ok(!used.ok && used.reason === 'device' && /nas is now an SNMP device/.test(used.message));
    assert.not.ok(accounts.credentials.list().some((c) => c.principal.kind === 'agent' && c.principal.host === 'nas'), 'no credentials for nas');
    assert.ok(accounts.enrollmentTokens.redeem(fine.secret, '127.0.0.1').ok, 'other hosts enroll as before');
  } finally {
    store.close();
    accounts.close();
    dir.remove();
  }
});

test.run();
