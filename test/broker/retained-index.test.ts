/**
 * The retained messages' topic tree (broker/retained-index.ts): it must find
 * exactly what aedes-persistence's scan found, filter by filter, and through
 * a real broker a subscriber must get what is retained under its filter.
 */
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RetainedIndex } from '../../broker/retained-index.js';
import { sleep, startAuthRig } from './rig.js';

// The reference: Qlobber, which aedes-persistence scanned retained topics with, set as the broker's live
// delivery sets it (broker/message-queue.ts): `+` matches an empty level too, as MQTT 3.1.1 §4.7.1.3 says.
const require = createRequire(import.meta.url);
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (opts: object) => { add(pattern: string): void; test(topic: string): boolean } };
const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/', match_empty_levels: true };

const byScan = (topics: Iterable<string>, pattern: string): string[] => {
  const q = new QlobberTrue(QLOBBER_OPTIONS);
  q.add(pattern);
  return [...topics].filter((t) => q.test(t)).sort();
};
const byIndex = (index: RetainedIndex<{ topic: string }>, pattern: string): string[] => [...index.match(pattern)].map((p) => p.topic).sort();

test('every filter finds what a scan of all retained topics finds, wildcards, empty levels and $ topics included', () => {
  const words = ['vigie', 'h1', 'h2', 'status', 'info', 'cmd', 'req', '', '$SYS', 'a'];
  // A seeded generator: the same topics on every run, so a failure can be replayed.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const topicOf = (levels: number): string => Array.from({ length: levels }, () => words[rand(words.length)]!).join('/');
  const index = new RetainedIndex<{ topic: string }>();
  const topics = new Set<string>();
  for (let i = 0; i < 2000; i += 1) {
    const topic = topicOf(1 + rand(5));
    topics.add(topic);
    index.set({ topic });
  }
  for (const topic of [...topics].slice(0, 300)) {
    topics.delete(topic);
    index.delete(topic);
  }
  assert.is(index.size, topics.size);
  const filters = ['#', '+', '+/+', 'vigie/#', 'vigie/+/status', '+/h1/#', 'vigie/h1', 'vigie/h1/#', '/#', '+/', '$SYS/#', 'a/+/+/#', 'nothing/here'];
  for (let i = 0; i < 300; i += 1) {
    const levels = topicOf(1 + rand(5)).split('/').map((w) => (rand(4) === 0 ? '+' : w));
    if (rand(3) === 0) levels.push('#');
    filters.push(levels.join('/'));
  }
  let found = 0;
  for (const filter of filters) {
    const expected = byScan(topics, filter);
    assert.equal(byIndex(index, filter), expected, `filter ${JSON.stringify(filter)}`);
    found += expected.length;
  }
  assert.ok(found > 1000, `the filters matched something (${found})`);
});

test('a replaced message is kept once, a deleted one is gone with the levels only it used', () => {
  const index = new RetainedIndex<{ topic: string; v: number }>();
  assert.is(index.set({ topic: 'vigie/h1/status', v: 1 }), undefined);
  assert.equal(index.set({ topic: 'vigie/h1/status', v: 2 }), { topic: 'vigie/h1/status', v: 1 }, 'the replaced one is returned: the broker counts its bytes out');
  index.set({ topic: 'vigie/h1', v: 3 });
  assert.is(index.size, 2);
  assert.equal([...index.match('vigie/h1/status')].map((p) => p.v), [2]);
  assert.equal(index.delete('vigie/h1/status'), { topic: 'vigie/h1/status', v: 2 });
  assert.is(index.delete('vigie/h1/nothing'), undefined);
  assert.is(index.size, 1);
  assert.equal([...index.match('vigie/#')].map((p) => p.v), [3], '`#` matches the parent level too');
  index.delete('vigie/h1');
  assert.is(index.size, 0);
  assert.equal([...index.match('#')], []);
});

test('a topic thousands of levels deep is stored and found without exhausting the stack', () => {
  const index = new RetainedIndex<{ topic: string }>();
  const deep = Array.from({ length: 30_000 }, () => 'a').join('/');
  index.set({ topic: deep });
  index.set({ topic: 'a' });
  assert.equal(byIndex(index, '#').length, 2);
  assert.equal(byIndex(index, deep), [deep]);
  index.delete(deep);
  assert.equal(byIndex(index, '#'), ['a']);
});

test('through the broker: each subscriber gets the retained messages under its filters, once cleared none', async () => {
  const rig = await startAuthRig();
  try {
    const agents = ['s1', 's2', 's3'];
    for (const host of agents) {
      const agent = await rig.connect({ clientId: `vigie-agent-${host}`, ...rig.store.add({ kind: 'agent', host }) });
      await agent.publishAsync(`vigie/${host}/status`, `{"v":1,"host":"${host}"}`, { qos: 1, retain: true });
      await agent.publishAsync(`vigie/${host}/info`, `{"v":1,"info":"${host}"}`, { qos: 1, retain: true });
      if (host === 's3') await agent.publishAsync(`vigie/${host}/info`, '', { qos: 1, retain: true });
      agent.end(true);
    }
    const reader = await rig.connect(rig.store.add({ kind: 'service', role: 'reader', name: 'wild' }));
    const seen: string[] = [];
    reader.on('message', (topic, payload, packet) => {
      if (packet.retain) seen.push(`${topic}=${payload.toString()}`);
    });
    await reader.subscribeAsync({ 'vigie/+/status': { qos: 1 }, 'vigie/s2/#': { qos: 1 } });
    await sleep(300); // retained messages follow the SUBACK at once
    assert.equal(seen.sort(), [
      'vigie/s1/status={"v":1,"host":"s1"}',
      'vigie/s2/info={"v":1,"info":"s2"}',
      // Matched by both filters: sent for each, as aedes-persistence did.
      'vigie/s2/status={"v":1,"host":"s2"}',
      'vigie/s2/status={"v":1,"host":"s2"}',
      'vigie/s3/status={"v":1,"host":"s3"}',
    ]);
    assert.is(rig.broker.stats().retained.messages, 5);
  } finally {
    await rig.close();
  }
});

test.run();
