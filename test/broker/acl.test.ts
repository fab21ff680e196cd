import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canPublish, canSubscribe, publishVerdict, type Principal } from '../../broker/acl.js';
import { createTopics } from '../../protocol/topics.js';

const t = createTopics('vigie');
const agentA: Principal = { kind: 'agent', host: 'a' };
const ingest: Principal = { kind: 'service', role: 'ingest' };
const reader: Principal = { kind: 'service', role: 'reader' };
const lab: Principal = { kind: 'anonymous' };

test('an agent publishes only its own host topics', () => {
  for (const kind of ['status', 'info', 'metrics', 'services'] as const) assert.ok(canPublish(t, agentA, t.host('a', kind)), kind);
  assert.ok(canPublish(t, agentA, t.commandResponse('a', '42')));
  for (const topic of [
    t.host('b', 'metrics'), // another host
    t.commandRequest('a', '42'), // requests come from the ingest
    t.alert('a', 'cpu'),
    t.serverSummary(),
    'vigie/a/metrics/extra',
    'vigie/A/metrics',
    'other/a/metrics',
    '$SYS/broker/uptime',
  ]) {
    assert.not.ok(canPublish(t, agentA, topic), topic);
  }
});

test('an agent subscribes only to its own command requests and the server summary', () => {
  assert.ok(canSubscribe(t, agentA, 'vigie/a/cmd/req/+'));
  assert.ok(canSubscribe(t, agentA, 'vigie/_server/summary'));
  for (const filter of ['vigie/#', '#', 'vigie/+/metrics', 'vigie/b/cmd/req/+', 'vigie/+/cmd/req/+', 'vigie/a/#', '$share/g/vigie/a/cmd/req/+']) {
    assert.not.ok(canSubscribe(t, agentA, filter), filter);
  }
});

test('the ingest reads everything under the prefix, also as shared subscriptions, and publishes only its own kinds', () => {
  for (const filter of ['vigie/#', 'vigie/+/metrics', '$share/vigie-ingest/vigie/+/metrics']) assert.ok(canSubscribe(t, ingest, filter), filter);
  for (const filter of ['#', '+/+/metrics', '$SYS/#', '$share/vigie-ingest/#', '$share//vigie/#', '$share/g']) assert.not.ok(canSubscribe(t, ingest, filter), filter);
  assert.ok(canPublish(t, ingest, t.alert('a', 'cpu')));
  assert.ok(canPublish(t, ingest, t.commandRequest('a', '1')));
  assert.ok(canPublish(t, ingest, t.serverSummary()));
  assert.not.ok(canPublish(t, ingest, t.host('a', 'metrics')), 'the ingest cannot forge agent data');
});

test('a reader reads under the prefix and publishes nothing', () => {
  assert.ok(canSubscribe(t, reader, 'vigie/#'));
  assert.not.ok(canSubscribe(t, reader, '$share/x/vigie/#'));
  assert.not.ok(canSubscribe(t, reader, '#'));
  for (const topic of [t.host('a', 'metrics'), t.serverSummary(), t.alert('a', 'cpu')]) assert.not.ok(canPublish(t, reader, topic), topic);
});

test('anonymous is allowed everything: it exists only in the explicit lab mode', () => {
  assert.ok(canPublish(t, lab, t.host('b', 'metrics')));
  assert.ok(canSubscribe(t, lab, '#'));
});


test('Home Assistant\'s discovery prefix: the ingest writes it, a reader reads it and publishes only the birth message, agents neither', () => {
  const ha = { haPrefix: 'homeassistant' };
  const config = 'homeassistant/sensor/vigie_web-1/cpu/config';
  assert.ok(canPublish(t, ingest, config, ha));
  assert.ok(canPublish(t, ingest, 'homeassistant/status', ha));
  assert.ok(canPublish(t, reader, 'homeassistant/status', ha), 'Home Assistant\'s birth message');
  assert.not.ok(canPublish(t, reader, config, ha));
  assert.not.ok(canPublish(t, agentA, 'homeassistant/status', ha));
  assert.is(publishVerdict(t, agentA, config, undefined, ha), 'deny');
  assert.is(publishVerdict(t, ingest, config, undefined, ha), 'allow');
  assert.ok(canSubscribe(t, ingest, 'homeassistant/status', ha));
  assert.ok(canSubscribe(t, reader, 'homeassistant/#', ha));
  assert.not.ok(canSubscribe(t, agentA, 'homeassistant/#', ha));
  // Without the prefix configured, nothing outside ours.
  assert.not.ok(canPublish(t, ingest, config));
  assert.not.ok(canSubscribe(t, reader, 'homeassistant/#'));
  // A look-alike prefix is not the prefix.
  assert.not.ok(canPublish(t, ingest, 'homeassistantx/sensor/a/config', ha));
});

test.run();
