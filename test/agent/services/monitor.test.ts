import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServiceMonitor } from '../../../agent/services/index.js';
import { createLogger } from '../../../core/logger.js';
import type { ServiceEntry, ServicesPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';

const ssh = (state: ServiceEntry['state']): ServiceEntry[] => [{ name: 'ssh.service', state, enabled: true }];

test('publishes the first list, then only on change or when publishEvery has passed', async () => {
  let now = 1_700_000_000_000;
  let current = ssh('running');
  let checks = 0;
  const published: ServicesPayload[] = [];
  const monitor = startServiceMonitor({
    list: async () => { checks += 1; return current; },
    checkEvery: 0.01,
    publishEvery: 60,
    clock: { now: () => now },
    log: createLogger('test'),
    publish: (p) => published.push(p),
  });
  try {
    await waitFor('first publication', () => published.length === 1);
    const before = checks;
    await waitFor('more checks', () => checks >= before + 3);
    assert.is(published.length, 1, 'an unchanged list within publishEvery is not republished');
    current = ssh('failed');
    await waitFor('change published', () => published.length === 2);
    assert.is(published[1]?.services[0]?.state, 'failed');
    now += 60_000;
    await waitFor('periodic publication', () => published.length === 3);
    assert.is(published[2]?.ts, now);
  } finally {
    await monitor.close();
  }
  const after = published.length;
  await new Promise((r) => setTimeout(r, 50));
  assert.is(published.length, after, 'nothing published after close');
});

test('a failing listing keeps the monitor alive', async () => {
  let fail = true;
  const published: ServicesPayload[] = [];
  const monitor = startServiceMonitor({
    list: async () => { if (fail) throw new Error('systemctl exploded'); return ssh('running'); },
    checkEvery: 0.01,
    publishEvery: 60,
    clock: { now: () => Date.now() },
    log: createLogger('test'),
    publish: (p) => published.push(p),
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    assert.is(published.length, 0);
    fail = false;
    await waitFor('publication after recovery', () => published.length === 1);
  } finally {
    await monitor.close();
  }
});

test.run();
