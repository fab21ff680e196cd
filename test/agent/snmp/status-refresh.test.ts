/**
 * A device's unchanged status is published again every STATUS_REFRESH_MS,
 * so a late `poller-offline` from the server (its reaction to this agent's
 * Last Will, landing after the agent reconnected) cannot stick until the
 * device changes state. The poller's own monotonic clock is injected; the
 * device is a real snmpd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../../core/logger.js';
import { startDevicePoller, STATUS_REFRESH_MS, type DeviceSink } from '../../../agent/snmp/poller.js';
import type { StatusPayload } from '../../../protocol/payloads.js';
import { waitFor } from '../../helpers/env.js';
import { haveSnmpd, startSnmpd, type Snmpd } from '../../helpers/snmpd.js';
import { device, quickPolls } from './rig.js';

if (haveSnmpd()) {
  let snmpd: Snmpd;
  test.before(async () => {
    snmpd = await startSnmpd();
  });
  test.after(async () => {
    await snmpd?.close();
  });

  /** Polls a real device until `polls` polls succeeded; `step` ms of monotonic time pass at each reading of the clock. */
  const run = async (step: number, polls: number): Promise<StatusPayload[]> => {
    const statuses: StatusPayload[] = [];
    let metrics = 0;
    const sink: DeviceSink = { status: (_d, s) => statuses.push(s), info: () => undefined, metrics: () => void (metrics += 1), forget: () => undefined };
    let t = 0;
    const poller = startDevicePoller({
      poller: 'box', concurrency: 1, sink, clock: { now: () => Date.now() }, log: createLogger('test'),
      timers: quickPolls, random: () => 0.999, monotonic: () => (t += step),
    });
    try {
      poller.apply([device('sw', snmpd.host, snmpd.port, { version: '2c', community: snmpd.community })]);
      await waitFor(`${polls} polls`, () => metrics >= polls, 30_000);
    } finally {
      await poller.close();
    }
    return statuses;
  };

  test('unchanged, the status is published once while the refresh delay has not passed', async () => {
    const statuses = await run(1, 4);
    assert.equal(statuses.map((s) => `${s.state}/${s.reason}`), ['online/polled']);
  });

  test('unchanged, the status is published again once the refresh delay has passed', async () => {
    // Each poll reads the clock a few times: a third of the delay per reading passes it within every poll or two.
    const statuses = await run(Math.ceil(STATUS_REFRESH_MS / 3), 4);
    assert.ok(statuses.length >= 2, `published ${statuses.length} times`);
    assert.ok(statuses.every((s) => s.state === 'online' && s.reason === 'polled'));
  });
}

test.run();
