/**
 * Every collector on this real machine, through both sources (procfs and
 * systeminformation, where the platform has both), returns data the
 * contract accepts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COLLECTOR_NAMES, COLLECTORS, type CollectorSource } from '../../../agent/collectors/index.js';
import { PROTOCOL_VERSION, validatePayload } from '../../../protocol/payloads.js';
import '../../helpers/env.js';

const sources: CollectorSource[] = process.platform === 'linux' ? ['procfs', 'systeminformation'] : ['systeminformation'];

for (const source of sources) {
  for (const name of COLLECTOR_NAMES) {
    test(`${name} (${source}) on this machine passes the metrics schema`, async () => {
      const c = COLLECTORS[name]({ source });
      assert.is(c.name, name);
      await c.collect();
      await new Promise((r) => setTimeout(r, 50)); // rate collectors report from their second sample
      const group = await c.collect();
      assert.ok(Object.keys(group).length > 0, `${name} returned no group`);
      const checked = validatePayload('metrics', { ...group, v: PROTOCOL_VERSION, ts: Date.now() });
      assert.ok(checked.ok, checked.ok ? '' : checked.error);
    });
  }
}

if (process.platform === 'linux') {
  test('procfs and systeminformation agree on memory total and the root disk', async () => {
    const [a, b] = await Promise.all([COLLECTORS.mem({ source: 'procfs' }).collect(), COLLECTORS.mem({ source: 'systeminformation' }).collect()]);
    assert.is(a.mem?.total, b.mem?.total);
    const [da, db] = await Promise.all([COLLECTORS.disks({ source: 'procfs' }).collect(), COLLECTORS.disks({ source: 'systeminformation' }).collect()]);
    assert.is(da.disks?.find((d) => d.mount === '/')?.total, db.disks?.find((d) => d.mount === '/')?.total);
  });
}

test.run();
