/**
 * With `ha.enabled` false (the default) the ingest publishes nothing under
 * Home Assistant's prefix, not even after Home Assistant's birth message,
 * while the rest of the stack runs as usual.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentHostId } from '../../../agent/index.js';
import { waitFor } from '../../helpers/env.js';
import { addCredentials, startTestStack } from '../../helpers/stack.js';

test('ha.enabled=false: no discovery config, birth message or not', async () => {
  const up = await startTestStack('up');
  try {
    assert.is(up.config.ha.enabled, false, 'off by default');
    const local = agentHostId(up.config.agent);
    const ha = await mqtt.connectAsync(up.mqttUrl, { ...addCredentials(up.dataDir, { kind: 'service', role: 'reader', name: 'homeassistant' }), reconnectPeriod: 0 });
    const under: string[] = [];
    ha.on('message', (topic) => {
      if (topic.startsWith('homeassistant/') && topic !== 'homeassistant/status') under.push(topic);
    });
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
    await waitFor('the local agent online with samples', () => up.stack.ingest!.getHost(local)?.latest, 20_000);
    // The reader may send the birth message even when discovery is off (the broker's rules do not depend on ha.enabled).
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    // Enabled, configs go out within a second of the first sample; here, wait for three more samples of the agent (1 s apart).
    const seenTs = up.stack.ingest!.getHost(local)!.latest!.ts;
    await waitFor('three more samples', () => (up.stack.ingest!.getHost(local)?.latest?.ts ?? 0) >= seenTs + 3000, 20_000);
    assert.equal(under, [], 'nothing published under homeassistant/');
    assert.is(up.stack.ingest!.haStats, undefined, 'no discovery publisher');
    await ha.endAsync(true);
  } finally {
    await up.close();
  }
});

test.run();
