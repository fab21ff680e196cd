import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CRITICAL_PERCENT, WARNING_PERCENT, hostHealth } from '../../ingest/host-health.js';
import { metrics } from './fixtures.js';

const base = metrics(Date.now());
const disk = (usedPercent: number) => ({ mount: '/data', fs: 'ext4', total: 100, used: usedPercent, free: 100 - usedPercent, usedPercent });

test('offline whatever the values when the host is not present', () => {
  assert.is(hostHealth('offline', metrics(Date.now(), { cpu: { usage: 99, load1: 0, load5: 0, load15: 0 } })), 'offline');
});

test('online with no sample yet, or below the warning threshold', () => {
  assert.is(hostHealth('online', null), 'online');
  assert.is(hostHealth('online', base), 'online');
});

test('thresholds apply to CPU, memory and the fullest disk, inclusive', () => {
  assert.is(hostHealth('online', { ...base, cpu: { usage: WARNING_PERCENT, load1: 0, load5: 0, load15: 0 } }), 'warning');
  assert.is(hostHealth('online', { ...base, mem: { ...base.mem!, usedPercent: CRITICAL_PERCENT } }), 'critical');
  assert.is(hostHealth('online', { ...base, disks: [disk(10), disk(85)] }), 'warning');
  assert.is(hostHealth('online', { ...base, disks: [disk(95), disk(10)] }), 'critical');
  assert.is(hostHealth('online', { ...base, disks: [disk(79.9)] }), 'online');
});

test.run();
