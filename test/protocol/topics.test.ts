import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics, isTopicLevel, parseTopic } from '../../protocol/topics.js';

const t = createTopics('vigie');

test('builds the contract topics', () => {
  assert.is(t.host('pc1', 'metrics'), 'vigie/pc1/metrics');
  assert.is(t.host('pc1', 'status'), 'vigie/pc1/status');
  assert.is(t.alert('pc1', 'cpu'), 'vigie/pc1/alerts/cpu');
  assert.is(t.commandRequest('pc1', 'abc'), 'vigie/pc1/cmd/req/abc');
  assert.is(t.commandResponse('pc1', 'abc'), 'vigie/pc1/cmd/res/abc');
  assert.is(t.serverSummary(), 'vigie/_server/summary');
  assert.is(t.allHosts('services'), 'vigie/+/services');
});

test('refuses a host or level that could escape its topic level', () => {
  for (const host of ['PC1', 'a/b', '+', '#', '_server', '']) assert.throws(() => t.host(host, 'metrics'), /host/);
  assert.throws(() => t.alert('pc1', ''), /rule/);
  // Rule ids holding a mount path or a wildcard are %-encoded into one level, and parse back unchanged.
  for (const [rule, level] of [['disk:/var/lib', 'disk:%2Fvar%2Flib'], ['a+b#c', 'a%2Bb%23c'], ['100%', '100%25']] as const) {
    assert.is(t.alert('pc1', rule), `vigie/pc1/alerts/${level}`);
    assert.equal(t.parse(t.alert('pc1', rule)), { host: 'pc1', kind: 'alert', rule });
  }
  assert.is(t.parse('vigie/pc1/alerts/%E0%A4%A'), null, 'a malformed escape is not ours');
  assert.throws(() => createTopics('vigie/#'), /mqtt.prefix/);
  assert.is(isTopicLevel('cpu.high'), true);
});

test('parses what it builds, and nothing else', () => {
  assert.equal(t.parse('vigie/pc1/metrics'), { host: 'pc1', kind: 'metrics' });
  assert.equal(t.parse('vigie/pc1/alerts/disk'), { host: 'pc1', kind: 'alert', rule: 'disk' });
  assert.equal(t.parse('vigie/pc1/cmd/res/42'), { host: 'pc1', kind: 'cmd/res', id: '42' });
  assert.equal(t.parse('vigie/_server/summary'), { host: '_server', kind: 'summary' });
  for (const bad of ['vigie/PC1/metrics', 'vigie/pc1/unknown', 'vigie/pc1/metrics/extra', 'other/pc1/metrics', 'vigie/pc1', 'vigie//metrics', 'vigiex/pc1/metrics']) {
    assert.is(t.parse(bad), null, bad);
  }
});

test('a multi-level prefix works', () => {
  const lab = createTopics('lab/vigie');
  assert.is(lab.host('pc1', 'info'), 'lab/vigie/pc1/info');
  assert.equal(parseTopic('lab/vigie', 'lab/vigie/pc1/info'), { host: 'pc1', kind: 'info' });
});

test.run();
