import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MqttClient } from 'mqtt';
import { MINUTE_MS } from '../../core/time.js';
import type { CheckResultRecord } from '../../checks/types.js';
import { startIngest } from '../../ingest/index.js';
import type { IngestHandle } from '../../ingest/types.js';
import { agentClientId } from '../../protocol/client-ids.js';
import { startAuthRig, type AuthRig } from '../broker/rig.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { ingestConfig } from '../ingest/fixtures.js';
import { checkResult, outageSequence, publishResults, storedRows, topics } from './results-fixtures.js';

/**
 * The ingest side of check results against a real broker with real
 * credentials (agents may publish only their own checks), a real SQLite file
 * and the real ingest; the runner's part is played by an MQTT client.
 */

interface Rig {
  auth: AuthRig;
  dir: { path: string; remove(): void };
  ingest: IngestHandle;
  events: CheckResultRecord[];
  runner(host: string): Promise<MqttClient>;
  restart(): Promise<IngestHandle>;
}

const KNOWN = new Set(['r1/web', 'r2/web', 'r1/api']);

async function withRig(run: (rig: Rig) => Promise<void>): Promise<void> {
  const auth = await startAuthRig();
  const dir = tempDir();
  const creds = auth.store.add({ kind: 'service', role: 'ingest' });
  const config = ingestConfig(auth.broker.url, { clientId: `vigie-ingest-results-${process.pid}`, username: creds.username, password: creds.password });
  const events: CheckResultRecord[] = [];
  const start = async (): Promise<IngestHandle> => {
    // The rollups run every 0.2 s, so ranges are answered from the 1m tier plus raw rows, as in production.
    const ingest = await startIngest({ ingest: config, dataDir: dir.path, prefix: 'vigie' }, { acceptCheck: (r, c) => KNOWN.has(`${r}/${c}`), maintenanceInterval: 0.2 });
    ingest.bus.on('test', 'check', (e) => events.push(e));
    return ingest;
  };
  const rig: Rig = {
    auth, dir, events,
    ingest: await start(),
    runner: (host) => auth.connect({ clientId: agentClientId(host), ...auth.store.add({ kind: 'agent', host }) }),
    restart: async () => {
      await rig.ingest.close();
      rig.ingest = await start();
      return rig.ingest;
    },
  };
  try {
    await waitFor('ingest subscribed', () => rig.ingest.stats().connected);
    await run(rig);
  } finally {
    await rig.ingest.close();
    await auth.close();
    dir.remove();
  }
}

test('a runner\'s retained results are stored, kept as latest, emitted, and a 10-minute outage in 2 h reads 91.7 %', () =>
  withRig(async ({ ingest, events, runner, dir }) => {
    const r1 = await runner('r1');
    const seq = outageSequence(Date.now());
    await publishResults(r1, 'r1', 'web', seq.results);
    await waitFor('720 results accepted', () => events.length === 720, 30_000);
    await ingest.flush();

    const last = seq.results.at(-1)!;
    const latest = ingest.checks!.latest('web');
    assert.is(latest.length, 1);
    assert.is(latest[0]?.runner, 'r1');
    assert.is(latest[0]?.result.ts, last.ts, 'the latest is the newest result');
    assert.ok(events.every((e) => e.runner === 'r1' && e.check === 'web'));
    assert.is(events.filter((e) => e.result.state === 'down').length, 60);

    // Every result became check.* points: up and latency as the contract says.
    const up = await ingest.history({ host: 'r1', metric: 'check.up', key: 'web', from: seq.from, to: seq.to, step: 10_000 });
    assert.is(up.points.length, 720);
    const latency = await ingest.history({ host: 'r1', metric: 'check.latency', key: 'web', from: seq.from, to: seq.to, step: MINUTE_MS });
    assert.ok(latency.points.every((p) => Math.abs(p.avg - 0.042) < 1e-9), 'latency is stored where the runner measured one');

    // Once rolled up, the range is answered from the 1m tier (plus raw rows not rolled yet): still count-weighted.
    await waitFor('1m rollups written', () => storedRows(dir.path, 'points_1m', 'r1', 'check.up', 'web') >= 120, 20_000);
    const a = await ingest.checks!.availability({ check: 'web', runners: ['r1', 'r2'], from: seq.from, to: seq.to });
    assert.ok(a.percent !== null && Math.abs(a.percent - seq.expected) < 0.5, `91.7 % ± 0.5, got ${a.percent}`);
    assert.ok(Math.abs((a.byRunner.r1 ?? 0) - seq.expected) < 1e-9, `exact on minute-aligned data, got ${a.byRunner.r1}`);
    assert.is(a.byRunner.r2, null, 'a runner without results has no availability');
    assert.is(a.percent, a.byRunner.r1, 'the mean counts only runners with results');

    // The first hour alone has the whole outage: 50 of 60 minutes up.
    const firstHour = await ingest.checks!.availability({ check: 'web', runners: ['r1'], from: seq.from, to: seq.from + 60 * MINUTE_MS });
    assert.ok(Math.abs((firstHour.percent ?? 0) - (100 * 50) / 60) < 1e-9, `83.3 %, got ${firstHour.percent}`);

    // No result in the range: null, never 100 % by default.
    const empty = await ingest.checks!.availability({ check: 'web', runners: ['r1'], from: seq.to + 5 * MINUTE_MS, to: seq.to + 30 * MINUTE_MS });
    assert.is(empty.percent, null);
    assert.is(empty.byRunner.r1, null);

    // A second vantage point, always up: the check's availability is the mean of both.
    const r2 = await runner('r2');
    await publishResults(r2, 'r2', 'web', seq.results.map((r) => checkResult(r.ts, 'up')));
    await waitFor('r2 results', () => events.length === 1440, 30_000);
    await ingest.flush();
    const both = await ingest.checks!.availability({ check: 'web', runners: ['r1', 'r2'], from: seq.from, to: seq.to });
    assert.ok(Math.abs((both.byRunner.r2 ?? 0) - 100) < 1e-9);
    assert.ok(Math.abs((both.percent ?? 0) - (seq.expected + 100) / 2) < 1e-9, `mean of runners, got ${both.percent}`);
    assert.equal(ingest.checks!.latest('web').map((r) => r.runner), ['r1', 'r2']);
  }));

test('bad results are dropped and counted, the ingest goes on: schema, future ts, past retention, unknown pair', () =>
  withRig(async ({ ingest, events, runner }) => {
    const r1 = await runner('r1');
    const now = Date.now();
    const topic = topics.checkResult('r1', 'web');
    await r1.publishAsync(topic, JSON.stringify({ ...checkResult(now, 'up'), state: 'sideways' }), { qos: 1 });
    await r1.publishAsync(topic, '{"v":1,', { qos: 1 });
    await r1.publishAsync(topic, JSON.stringify(checkResult(now + 2 * 3_600_000, 'up')), { qos: 1 });
    await r1.publishAsync(topic, JSON.stringify(checkResult(now - 3 * 86_400_000, 'up')), { qos: 1 });
    await r1.publishAsync(topics.checkResult('r1', 'not-in-catalog'), JSON.stringify(checkResult(now, 'up')), { qos: 1, retain: true });
    await r1.publishAsync(topic, JSON.stringify(checkResult(now, 'down')), { qos: 1, retain: true });
    await waitFor('the valid result after the bad ones', () => events.length === 1);
    const stats = ingest.stats();
    assert.is(stats.invalid, 4, 'schema, JSON, future and too old are invalid');
    assert.is(stats.unknownChecks, 1, 'the unknown pair is dropped and counted');
    assert.is(stats.failed, 0, 'nothing hit an internal error');
    assert.is(events[0]?.result.state, 'down');
    assert.equal(ingest.checks!.latest().map((r) => `${r.runner}/${r.check}`), ['r1/web'], 'no latest for the unknown pair');
    await ingest.flush();
    assert.equal(await ingest.series('r1').then((s) => s.filter((x) => x.key === 'not-in-catalog')), [], 'no series for the unknown pair');
    const h = await ingest.history({ host: 'r1', metric: 'check.up', key: 'web', from: now - 4 * 86_400_000, to: now + 3 * 3_600_000, step: 3_600_000 });
    assert.is(h.points.length, 1, 'only the valid result was stored');
  }));

test('an agent cannot publish another runner\'s results; an empty retained payload forgets the pair', () =>
  withRig(async ({ ingest, events, runner }) => {
    const intruder = await runner('r1');
    const now = Date.now();
    // The broker refuses it (ACL) by closing the connection: the ingest never hears it.
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    void intruder.publishAsync(topics.checkResult('r2', 'web'), JSON.stringify(checkResult(now, 'down')), { qos: 1 }).catch(() => undefined);
    await closed;
    const r1 = await runner('r1');
    await r1.publishAsync(topics.checkResult('r1', 'api'), JSON.stringify(checkResult(now, 'up')), { qos: 1, retain: true });
    await waitFor('r1/api', () => events.length >= 1);
    assert.equal(events.map((e) => `${e.runner}/${e.check}`), ['r1/api'], 'r2/web from r1 never arrived');
    await r1.publishAsync(topics.checkResult('r1', 'api'), '', { qos: 1, retain: true });
    await waitFor('pair forgotten', () => ingest.checks!.latest('api').length === 0);
    assert.is(ingest.stats().invalid, 0, 'a cleared topic is not bad input');
  }));

test('after a restart the retained result fills latest again, is stored once, and a replay is not counted twice', () =>
  withRig(async (rig) => {
    const r1 = await rig.runner('r1');
    const ts = Date.now() - 5000;
    await r1.publishAsync(topics.checkResult('r1', 'web'), JSON.stringify(checkResult(ts, 'down')), { qos: 1, retain: true });
    await waitFor('first result', () => rig.events.length === 1);
    await rig.ingest.flush();
    assert.is(storedRows(rig.dir.path, 'points_raw', 'r1', 'check.up', 'web', ts), 1);

    const ingest = await rig.restart();
    await waitFor('the retained result replayed into latest', () => ingest.checks!.latest('web').length === 1);
    assert.is(ingest.checks!.latest('web')[0]?.result.ts, ts);
    await ingest.flush();
    assert.is(storedRows(rig.dir.path, 'points_raw', 'r1', 'check.up', 'web', ts), 1, 'written again by (host, metric, key, ts): one row');
    assert.is(rig.events.length, 2, 'the restarted ingest emits the latest once');

    // The same result again (a resubscription's retained replay, a QoS 1 redelivery): neither stored nor emitted again.
    const written = ingest.stats().pointsWritten;
    await r1.publishAsync(topics.checkResult('r1', 'web'), JSON.stringify(checkResult(ts, 'down')), { qos: 1, retain: true });
    await waitFor('counted as a duplicate', () => ingest.stats().duplicates === 1);
    await ingest.flush();
    assert.is(ingest.stats().pointsWritten, written);
    assert.is(rig.events.length, 2);
    // An older one (late) is stored for history but does not replace the latest.
    await r1.publishAsync(topics.checkResult('r1', 'web'), JSON.stringify(checkResult(ts - 60_000, 'up')), { qos: 1 });
    await waitFor('older stored', async () => (await ingest.flush(), storedRows(rig.dir.path, 'points_raw', 'r1', 'check.up', 'web', ts - 60_000) === 1));
    assert.is(ingest.checks!.latest('web')[0]?.result.state, 'down');
  }));

test('removing a runner forgets its results and clears their retained topics', () =>
  withRig(async ({ ingest, events, runner, auth }) => {
    const r1 = await runner('r1');
    const r2 = await runner('r2');
    await r1.publishAsync(topics.checkResult('r1', 'web'), JSON.stringify(checkResult(Date.now(), 'up')), { qos: 1, retain: true });
    await r2.publishAsync(topics.checkResult('r2', 'web'), JSON.stringify(checkResult(Date.now(), 'up')), { qos: 1, retain: true });
    await waitFor('both results', () => events.length === 2);
    await ingest.removeHost('r1');
    assert.equal(ingest.checks!.latest('web').map((r) => r.runner), ['r2']);
    // A new reader: r1's retained result is gone. r2's, asked for after it, is the witness that retained ones arrive.
    const reader = await auth.connect(auth.store.add({ kind: 'service', role: 'reader' }));
    const got: string[] = [];
    reader.on('message', (topic) => got.push(topic));
    await reader.subscribeAsync(topics.checkResult('r1', 'web'), { qos: 1 });
    await reader.subscribeAsync(topics.checkResult('r2', 'web'), { qos: 1 });
    await waitFor('r2 retained', () => got.length > 0);
    assert.equal(got, [topics.checkResult('r2', 'web')]);
  }));

test('hostile check topics from an open broker are refused as invalid, and results go on', async () => {
  // An anonymous broker (no ACL in the way): what a misconfigured or foreign broker might let through.
  const broker = await startTestBroker();
  const dir = tempDir();
  const ingest = await startIngest({ ingest: ingestConfig(broker.url), dataDir: dir.path, prefix: 'vigie' });
  const client = await connectClient(broker.url);
  try {
    await waitFor('ingest subscribed', () => ingest.stats().connected);
    const body = JSON.stringify(checkResult(Date.now(), 'up'));
    for (const topic of ['vigie/r1/checks/UPPER', 'vigie/r1/checks/', 'vigie/R!/checks/web', `vigie/r1/checks/${'x'.repeat(70)}`, 'vigie/r1/checks/.dot']) {
      await client.publishAsync(topic, body, { qos: 1 });
    }
    await client.publishAsync(topics.checkResult('r1', 'web'), Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    await client.publishAsync(topics.checkResult('r1', 'web'), body, { qos: 1 });
    await waitFor('the valid result', () => ingest.checks!.latest('web').length === 1);
    const stats = ingest.stats();
    assert.is(stats.invalid, 6, 'five bad topics and one binary payload');
    assert.is(stats.failed, 0);
    assert.is(stats.accepted, 1);
    assert.equal(ingest.checks!.latest().map((r) => `${r.runner}/${r.check}`), ['r1/web']);
  } finally {
    client.end(true);
    await ingest.close();
    await broker.close();
    dir.remove();
  }
});

test.run();
