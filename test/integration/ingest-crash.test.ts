/**
 * Issue 10, item 14: a kill -9 of the ingest under load loses no sample the
 * broker had acknowledged to its publisher. The ingest acknowledges a QoS 1
 * message only once its sample is committed, so the broker redelivers the
 * rest to the restarted ingest; a sample's seq already committed is not
 * stored twice; `stored` tells each publisher what is committed.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTopics } from '../../protocol/topics.js';
import { tempDir, waitFor } from '../helpers/env.js';
import { startIngestProcess } from '../helpers/ingest-process.js';
import { addCredentials, startTestStack, type TestStack } from '../helpers/stack.js';

const topics = createTopics('vigie');
const HOSTS = ['crash-a', 'crash-b', 'crash-c'];
const WINDOW = 32;
const data = tempDir();
let broker: TestStack;

test.before(async () => {
  broker = await startTestStack('broker');
});
test.after(async () => {
  await broker.close();
  data.remove();
});

interface Publisher {
  host: string;
  /** Seqs whose PUBACK came back from the broker. */
  acked: Set<number>;
  /** Highest seq a `stored` message of this host announced. */
  stored: () => number;
  storedMessages: () => number;
  run(stop: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** A raw QoS 1 publisher carrying seq, like an agent without its buffer: only the broker's PUBACK counts. */
async function publisher(host: string, t0: number): Promise<Publisher> {
  const creds = addCredentials(broker.dataDir, { kind: 'agent', host });
  const client = await mqtt.connectAsync(broker.mqttUrl, { clientId: `vigie-agent-${host}`, ...creds });
  let stored = 0;
  let storedMessages = 0;
  client.on('message', (_topic, payload) => {
    stored = Math.max(stored, (JSON.parse(payload.toString()) as { seq: number }).seq);
    storedMessages += 1;
  });
  await client.subscribeAsync(topics.stored(host), { qos: 1 });
  const acked = new Set<number>();
  let seq = 0;
  return {
    host, acked, stored: () => stored, storedMessages: () => storedMessages,
    async run(stop) {
      const inflight = new Set<Promise<void>>();
      while (!stop()) {
        seq += 1;
        const s = seq;
        const payload = { v: 1, ts: t0 + s, seq: s, cpu: { usage: s % 100, load1: 0, load5: 0, load15: 0 } };
        const p: Promise<void> = client.publishAsync(topics.host(host, 'metrics'), JSON.stringify(payload), { qos: 1 }).then(() => void acked.add(s));
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
        if (inflight.size >= WINDOW) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    },
    close: () => client.endAsync(),
  };
}

function storedSeqs(dataDir: string, host: string, t0: number): number[] {
  const db = new BetterSqlite3(join(dataDir, 'vigie.db'), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT p.ts AS ts FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ? AND s.metric = 'cpu.usage' ORDER BY p.ts")
      .all(host) as Array<{ ts: number }>;
    return rows.map((r) => r.ts - t0);
  } finally {
    db.close();
  }
}

test('kill -9 of the ingest under load: every sample the broker acknowledged is stored once, and stored acks cover them', async () => {
  const t0 = Date.now() - 600_000;
  const set = { 'ingest.flushInterval': '1' };
  const first = await startIngestProcess({ brokerUrl: broker.mqttUrl, brokerDataDir: broker.dataDir, dataDir: data.path, set });
  const pubs = await Promise.all(HOSTS.map((h) => publisher(h, t0)));
  let stop = false;
  const load = Promise.all(pubs.map((p) => p.run(() => stop)));
  let second: Awaited<ReturnType<typeof startIngestProcess>> | undefined;
  let ackedAtKill = 0;
  try {
    // Load long enough that commits and stored acks happen, then kill mid-batch (flushInterval 1 s).
    await waitFor('first stored acks', () => pubs.every((p) => p.stored() > 0), 15_000);
    await new Promise((r) => setTimeout(r, 700));
    first.child.kill('SIGKILL');
    assert.is(await first.exited, 'SIGKILL');
    ackedAtKill = pubs.reduce((n, p) => n + p.acked.size, 0);
    // The broker keeps acknowledging publishers while the ingest is down (its persistent session queues).
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    second = await startIngestProcess({
      brokerUrl: broker.mqttUrl, brokerDataDir: broker.dataDir, dataDir: data.path, set, credentials: first.credentials,
    });
    for (const p of pubs) {
      const last = Math.max(...p.acked);
      await waitFor(`stored of ${p.host} to reach ${last} (at ${p.stored()})`, () => p.stored() >= last, 30_000);
    }
  } finally {
    stop = true;
    first.child.kill('SIGKILL');
    second?.child.kill('SIGTERM');
    await Promise.all([first.exited, second?.exited, load.catch(() => undefined)]);
    await Promise.all(pubs.map((p) => p.close()));
  }
  let total = 0;
  for (const p of pubs) {
    const seqs = storedSeqs(data.path, p.host, t0);
    const stored = new Set(seqs);
    const lost = [...p.acked].filter((s) => !stored.has(s));
    assert.equal(lost.slice(0, 20), [], `${p.host}: ${lost.length} acknowledged samples lost`);
    assert.is(stored.size, seqs.length, `${p.host}: no sample stored twice`);
    assert.ok(p.storedMessages() > 1, `${p.host}: stored acknowledgements observed`);
    total += p.acked.size;
  }
  assert.ok(ackedAtKill > 100 && total > ackedAtKill, `load ran through the kill (${ackedAtKill} acked at kill, ${total} in all)`);
});

test.run();
