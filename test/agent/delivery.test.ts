/**
 * Delivery guarantees of the agent against a real Aedes broker (issue 10):
 * holding metrics while the server summary says offline (item 10), a hung
 * collector (item 11), reconnection within the back-off cap (item 13), and
 * the `stored` acknowledgement (item 14) in one process; the kill -9 and
 * restart cases with child processes are in crash.test.ts.
 */
import { Value } from '@sinclair/typebox/value';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCollectors, type Collector } from '../../agent/collectors/index.js';
import { AgentConfig } from '../../agent/config.js';
import { startAgent, type AgentHandle } from '../../agent/index.js';
import { decodePayload } from '../../protocol/payloads.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { connectClient, nextMessage, startTestBroker } from '../helpers/mqtt.js';
import { startGatedBroker, type GatedBroker } from './helpers/gated-broker.js';
import { publishStored, publishSummary, recordSamples } from './helpers/ingest-double.js';

const config = (partial: Partial<AgentConfig>): AgentConfig => Value.Default(AgentConfig, structuredClone(partial)) as AgentConfig;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** One cheap real collector from the registry, so samples are small and quick. */
const uptimeOnly = (): Collector[] => createCollectors({}, ['uptime']);

test('item 10: a retained summary saying offline holds metrics (serverWait does not fire); online releases them in order', async () => {
  const broker = await startTestBroker();
  const server = await connectClient(broker.url);
  let agent: AgentHandle | undefined;
  try {
    await publishSummary(server, 'offline'); // the ingest's Last Will, retained
    const got = await recordSamples(server, 'held-box');
    agent = await startAgent(config({ broker: broker.url, host: 'held-box', interval: 0.1, serverWait: 0.3 }), {
      prefix: 'vigie', services: false, diagnostics: false, collectors: uptimeOnly(),
    });
    const a = agent;
    await waitFor('connected, told the ingest is offline', () => a.stats().server === 'offline');
    await sleep(1500); // five times serverWait
    assert.is(got.all.length, 0, 'nothing flushed into an offline ingest');
    assert.ok(a.stats().buffered >= 10, 'sampling goes on into the buffer');
    const held = a.stats().buffered;
    await publishSummary(server, 'online');
    await waitFor('the held samples', () => got.all.length >= held);
    const seqs = got.seqs();
    assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1), `in seq order, none missing: ${seqs.join(',')}`);
    // The ingest leaves again: metrics are held again.
    await publishSummary(server, 'offline');
    await waitFor('held again', () => a.stats().server === 'offline');
    const before = got.all.length;
    await sleep(600);
    assert.ok(got.all.length <= before + 2, 'at most what was in flight when the summary changed');
  } finally {
    await agent?.close();
    await server.endAsync();
    await broker.close();
  }
});

test('item 11: a collector that never returns does not silence the agent; it is reported in status.failing and not started twice', async () => {
  const broker = await startTestBroker();
  const watcher = await connectClient(broker.url);
  let calls = 0;
  // A statfs on a dead NFS mount: the promise never settles.
  const hung: Collector = { name: 'disks', collect: () => { calls += 1; return new Promise(() => {}); } };
  let agent: AgentHandle | undefined;
  try {
    const got = await recordSamples(watcher, 'nfs-box');
    const status = nextMessage(watcher, 'vigie/nfs-box/status', {
      timeoutMs: 10_000,
      match: (m) => {
        const s = decodePayload('status', m.payload);
        return s.ok && s.value.state === 'online' && (s.value.failing?.length ?? 0) > 0;
      },
    });
    await status.subscribed;
    agent = await startAgent(config({ broker: broker.url, host: 'nfs-box', interval: 0.5, serverWait: 0 }), {
      prefix: 'vigie', services: false, diagnostics: false, collectors: [...createCollectors({}, ['uptime', 'mem']), hung],
    });
    await waitFor('eight samples', () => got.all.length >= 8, 15_000);
    const ts = got.all.map((m) => m.ts);
    assert.ok(ts.every((t, i) => i === 0 || t - ts[i - 1]! < 2 * 500), `a sample every interval, none skipped: ${ts.map((t) => t - ts[0]!).join(',')}`);
    assert.ok(got.all.every((m) => typeof m.uptime === 'number' && m.mem !== undefined && m.disks === undefined), 'the other groups are published');
    assert.is(calls, 1, 'the stuck collector is not started again');
    const s = decodePayload('status', (await status).payload);
    assert.ok(s.ok);
    if (s.ok) {
      assert.is(s.value.failing?.[0]?.collector, 'disks');
      assert.match(s.value.failing?.[0]?.error ?? '', /timed out after 0\.4 s|still running/);
    }
    assert.equal(agent.stats().failing.map((f) => f.collector), ['disks']);
  } finally {
    await agent?.close();
    await watcher.endAsync();
    await broker.close();
  }
});

test('item 11: a collector deadline not below the interval is a clear config error', async () => {
  await startAgent(config({ broker: 'mqtt://127.0.0.1:1', host: 'x', interval: 1, collectorTimeout: 1 }), { prefix: 'vigie', services: false }).then(
    () => assert.unreachable('should reject'),
    (error: Error) => assert.match(error.message, /^agent\.collectorTimeout: expected a number of seconds below agent\.interval \(1\), got 1/),
  );
});

test('item 13: with the default back-off, a broker restarted on the same port is noticed within the 5 s cap', async () => {
  const port = await freePort();
  let broker: GatedBroker | undefined = await startGatedBroker(port);
  const agent = await startAgent(config({ broker: broker.url, host: 'jitter-box', interval: 1, serverWait: 0 }), {
    prefix: 'vigie', services: false, diagnostics: false, collectors: uptimeOnly(),
  });
  try {
    await waitFor('connected', () => agent.stats().connected);
    await broker.close();
    broker = undefined;
    await waitFor('disconnected', () => !agent.stats().connected);
    // 8 s of failed attempts: the old 1, 2, 4, 8 s back-off would next try at 15 s.
    await sleep(8000);
    broker = await startGatedBroker(port);
    const back = Date.now();
    await waitFor('reconnected', () => agent.stats().connected, 10_000, 20);
    const took = Date.now() - back;
    assert.ok(took <= 5000 + 500, `reconnected ${took} ms after the broker returned`);
  } finally {
    await agent.close();
    await broker?.close();
  }
});

test('item 13: a broker that refuses the credentials is retried with the same jitter but up to 60 s, not every cap', async () => {
  const port = await freePort();
  const broker = await startGatedBroker(port, 'vigie-agent-refused-box'); // never opened
  let attempts = 0;
  broker.aedes.on('clientError', (client) => { if (client.id === 'vigie-agent-refused-box') attempts += 1; });
  // random → 1: every delay is its envelope, so the counts are exact: 0.1, 0.2, 0.4, 0.8, 1.6, 3.2… s.
  const agent = await startAgent(config({ broker: broker.url, host: 'refused-box', interval: 1, serverWait: 0, reconnectMin: 0.1, reconnectMax: 0.2 }), {
    prefix: 'vigie', services: false, diagnostics: false, collectors: uptimeOnly(), random: () => 0.999_999,
  });
  try {
    await sleep(4000);
    // An outage (no CONNACK) would be retried every 0.2 s here: about 20 attempts.
    assert.ok(attempts >= 4 && attempts <= 7, `${attempts} attempts in 4 s`);
  } finally {
    await agent.close();
    await broker.close();
  }
});

test('item 14: samples are kept until `stored` covers them, sent again after resendDelay, and a `stored` above the highest seq releases nothing', async () => {
  const broker = await startTestBroker();
  const server = await connectClient(broker.url);
  const dir = tempDir();
  let agent: AgentHandle | undefined;
  try {
    await publishSummary(server, 'offline');
    agent = await startAgent(config({ broker: broker.url, host: 'ack-box', interval: 0.1, serverWait: 5, resendDelay: 0.5 }), {
      prefix: 'vigie', services: false, diagnostics: false, collectors: uptimeOnly(), dataDir: dir.path,
    });
    const a = agent;
    await waitFor('five samples held', () => a.stats().server === 'offline' && a.stats().buffered >= 5);
    // An acknowledgement from another life of this host id: far above anything this agent sent.
    await publishStored(server, 'ack-box', 9_000_000_000_000_000);
    const got = await recordSamples(server, 'ack-box');
    await publishSummary(server, 'online');
    await waitFor('samples flow', () => got.all.length >= 5);
    const first = got.seqs()[0]!;
    assert.ok(a.stats().buffered >= 5, 'the bogus acknowledgement released nothing');
    // No `stored` yet: after resendDelay the same samples come again.
    await waitFor('a resend of the first sample', () => (got.count.get(first) ?? 0) >= 2, 5000);
    // Now the ingest stores everything received so far.
    const upTo = Math.max(...got.seqs());
    assert.ok(new Set(got.seqs()).size >= 8, 'several samples to release');
    // The ingest would drop anything up to that acknowledgement as already stored: new samples are numbered above it.
    assert.ok(upTo > 9_000_000_000_000_000, 'numbering went on above the acknowledgement');
    assert.ok(got.seqs().filter((s) => s < 9_000_000_000_000_000).length >= 5, 'the samples taken before it kept their seq');
    await publishStored(server, 'ack-box', upTo);
    await waitFor('the buffer shrinks to what came after', () => a.stats().buffered <= 5);
    await sleep(200); // a resend already on the wire when `stored` came may still land
    const resendsBefore = got.count.get(upTo) ?? 0;
    await sleep(1500); // three resend delays
    assert.is(got.count.get(upTo) ?? 0, resendsBefore, 'a stored sample is not sent again');
  } finally {
    await agent?.close();
    await server.endAsync();
    await broker.close();
    dir.remove();
  }
});

test('item 14: samples the broker acknowledged but that died with it are sent again to the next broker', async () => {
  const port = await freePort();
  let first: GatedBroker | undefined = await startGatedBroker(port);
  const dir = tempDir();
  let watcher: MqttClient | undefined;
  const agent = await startAgent(config({ broker: first.url, host: 'crash-broker-box', interval: 0.1, serverWait: 5, reconnectMax: 0.5 }), {
    prefix: 'vigie', services: false, diagnostics: false, collectors: uptimeOnly(), dataDir: dir.path,
  });
  let second: GatedBroker | undefined;
  try {
    // An ingest that receives but dies before committing: it never publishes `stored`.
    watcher = await connectClient(first.url);
    const before = await recordSamples(watcher, 'crash-broker-box');
    await publishSummary(watcher, 'online');
    await waitFor('five samples delivered and acknowledged by the broker', () => before.all.length >= 5 && agent.stats().published >= 5);
    const delivered = before.seqs();
    watcher.end(true);
    await first.close(); // an in-memory broker: its queues and retained messages are gone
    first = undefined;
    second = await startGatedBroker(port, 'vigie-agent-crash-broker-box');
    watcher = await connectClient(second.url);
    const after = await recordSamples(watcher, 'crash-broker-box');
    await publishSummary(watcher, 'online');
    second.open();
    const last = delivered.at(-1)!;
    await waitFor('everything again', () => after.count.has(last + 3), 15_000);
    assert.equal(after.missing(delivered[0]!, last + 3), [], 'no acknowledged sample lost with the broker');
  } finally {
    watcher?.end(true);
    await agent.close();
    await first?.close();
    await second?.close();
    dir.remove();
  }
});

test.run();
