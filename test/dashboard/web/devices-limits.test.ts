/**
 * The device form's lists and numbers (dashboard/web/src/views/device-limits.ts)
 * are copies, kept out of the bundle; they must match the contract
 * (protocol/schemas/device.ts) they stand for.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AUTH_PROTOCOLS, DEVICE_DEFAULTS, PRIV_PROTOCOLS } from '../../../dashboard/web/src/views/device-limits.js';
import { ifLevel } from '../../../dashboard/web/src/views/iface-state.js';
import { DEVICE_LIMITS, SNMP_AUTH_PROTOCOLS, SNMP_PRIV_PROTOCOLS } from '../../../protocol/schemas/device.js';

test('the form offers exactly the protocols of the contract', () => {
  assert.equal([...AUTH_PROTOCOLS], [...SNMP_AUTH_PROTOCOLS]);
  assert.equal([...PRIV_PROTOCOLS], [...SNMP_PRIV_PROTOCOLS]);
});

test('defaults and bounds are the contract\'s', () => {
  assert.is(DEVICE_DEFAULTS.interval, DEVICE_LIMITS.interval.default);
  assert.is(DEVICE_DEFAULTS.intervalMin, DEVICE_LIMITS.interval.min);
  assert.is(DEVICE_DEFAULTS.intervalMax, DEVICE_LIMITS.interval.max);
  assert.is(DEVICE_DEFAULTS.timeout, DEVICE_LIMITS.timeout.default);
  assert.is(DEVICE_DEFAULTS.retries, DEVICE_LIMITS.retries.default);
  assert.is(DEVICE_DEFAULTS.customOids, DEVICE_LIMITS.customOids);
});

test('interface levels: admin down is disabled whatever oper says; down needs admin up', () => {
  assert.is(ifLevel({ oper: 'down', admin: 'down' }), 'disabled');
  assert.is(ifLevel({ oper: 'up', admin: 'down' }), 'disabled');
  assert.is(ifLevel({ oper: 'down', admin: 'up' }), 'down');
  assert.is(ifLevel({ oper: 'lowerLayerDown', admin: 'up' }), 'down');
  assert.is(ifLevel({ oper: 'dormant', admin: 'up' }), 'degraded');
  assert.is(ifLevel({ oper: 'notPresent', admin: 'up' }), 'unknown');
  assert.is(ifLevel({}), 'unknown');
  assert.is(ifLevel({ oper: 'up', admin: 'up' }), 'up');
});

test.run();
