/**
 * Issue 16, goal 3, with nothing simulated: real `vigie broker`, `vigie
 * server` and `vigie agent` processes, and the ingest frozen (SIGSTOP) for
 * 10 s while the agents sample every 0.2 s (the broker runs in this process,
 * so that its counters can be read as it goes): the limiting case of an overload,
 * where the ingest takes nothing. The broker keeps at most its ingest window
 * for the ingest (4 % of what the agents offer here) and holds the rest of the
 * publishes; the agents keep their samples in their journals; the ingest is
 * never cut as a slow consumer nor reconnects; once it runs again the backlog
 * drains, and every sample the agents numbered is stored exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalSamples } from '../helpers/agent-journal.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { startIngestProcess, type IngestProcess } from '../helpers/ingest-process.js';
import { addCredentials } from '../helpers/stack.js';
import { loadConfig } from '../../cli/config.js';
import { startStack } from '../../cli/stack.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const HOSTS = ['flood-a', 'flood-b'];
const INGEST_WINDOW = 20;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function run(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VIGIE_CONFIG: '', ...env } });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

test('the ingest frozen under real agents: held at the edges, never cut, drained after, every sample stored once', async () => {
  const brokerDir = tempDir();
  const serverDir = tempDir();
  const agentDirs = HOSTS.map(() => tempDir());
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const creds = HOSTS.map((host) => addCredentials(brokerDir.path, { kind: 'agent', host }));
  const reader = addCredentials(brokerDir.path, { kind: 'service', role: 'reader', name: 'flood-reader' });
  // The broker in this process (the code `vigie broker` runs), so its flow counters can be read as it goes.
  const loaded = loadConfig({ env: {}, overrides: { dataDir: brokerDir.path, 'broker.host': '127.0.0.1', 'broker.port': String(port), 'broker.ingestWindow': String(INGEST_WINDOW), 'http.host': '127.0.0.1', 'http.port': '0', 'log.level': 'warn' } });
  if (!loaded.ok) throw new Error(loaded.error);
  const broker = await startStack('broker', loaded.value);
  const brokerStats = () => broker.broker!.stats();
  const agents: Array<ReturnType<typeof run>> = [];
  let ingest: IngestProcess | undefined;
  const journal = (i: number) => journalSamples(join(agentDirs[i]!.path, 'agent', HOSTS[i]!));
  const committedSeq = (db: BetterSqlite3.Database, host: string): number => (db.prepare('SELECT seq FROM host_seq WHERE host = ?').get(host) as { seq: number } | undefined)?.seq ?? 0;
  try {
    await waitFor('the broker to listen', async () => (await mqtt.connectAsync(url, { ...reader, clientId: 'flood-probe', reconnectPeriod: 0 }).then((c) => c.endAsync().then(() => true), () => false)), 15_000, 200);
    const firstSeq = new Map<string, number>();
    const watch = await mqtt.connectAsync(url, { ...reader, clientId: 'flood-watch' });
    watch.on('message', (topic, payload) => {
      const seq = (JSON.parse(payload.toString()) as { seq?: number }).seq;
      if (seq !== undefined && !firstSeq.has(topic.split('/')[1]!)) firstSeq.set(topic.split('/')[1]!, seq);
    });
    await watch.subscribeAsync('vigie/+/metrics', { qos: 1 });
    ingest = await startIngestProcess({ brokerUrl: url, brokerDataDir: brokerDir.path, dataDir: serverDir.path, set: { 'ingest.flushInterval': '0.2', 'log.level': 'info' } });
    for (const [i, host] of HOSTS.entries()) {
      agents.push(run(['agent', '--data-dir', agentDirs[i]!.path, '--broker', url, '--host', host, '--interval', '0.2', '--log-level', 'warn'], {
        VIGIE_AGENT_USERNAME: creds[i]!.username, VIGIE_AGENT_PASSWORD: creds[i]!.password,
      }));
    }
    await waitFor('both agents sampling', () => HOSTS.every((h) => firstSeq.has(h)), 20_000);
    await watch.endAsync();
    await sleep(2000);

    // The ingest takes nothing for 10 s: ~100 samples offered against a window of 20.
    ingest.child.kill('SIGSTOP');
    let backlogPeak = 0;
    for (let t = 0; t < 10; t++) {
      await sleep(1000);
      backlogPeak = Math.max(backlogPeak, brokerStats().ingestBacklog);
    }
    const waits = brokerStats().ingestWaits;
    const heldDuring = HOSTS.map((_, i) => journal(i).length);
    ingest.child.kill('SIGCONT');
    for (const [i, held] of heldDuring.entries()) assert.ok(held >= 30, `${HOSTS[i]} kept its samples while the ingest was frozen: ${held} in its journal`);
    assert.ok(backlogPeak <= INGEST_WINDOW, `the broker held at most its window for the ingest: ${backlogPeak}`);
    assert.ok(backlogPeak >= INGEST_WINDOW / 2, `and the window filled: ${backlogPeak}`);
    assert.ok(waits > 0, `publishes beyond it waited at the edge: ${waits}`);

    // The backlog drains: the store acknowledges what the agents numbered, and their journals empty.
    const db = new BetterSqlite3(join(serverDir.path, 'vigie.db'), { readonly: true });
    try {
      await waitFor('the backlog drained', () => HOSTS.every((h, i) => journal(i).filter((s) => s.seq > committedSeq(db, h)).length <= 3), 30_000, 250);
    } finally {
      db.close();
    }
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => exited(a.child)));
    await sleep(1000);
    ingest.child.kill('SIGTERM');
    await ingest.exited;

    assert.is(brokerStats().slowClientsCut, 0, 'the broker never cut the ingest as a slow consumer');
    assert.is(ingest.output().match(/connected to broker/g)?.length, 1, `the ingest kept its one connection: ${ingest.output().slice(-1500)}`);
    const store = new BetterSqlite3(join(serverDir.path, 'vigie.db'), { readonly: true });
    try {
      for (const [i, host] of HOSTS.entries()) {
        const storedTs = new Set((store.prepare('SELECT DISTINCT p.ts AS ts FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ?').all(host) as Array<{ ts: number }>).map((r) => r.ts));
        const committed = committedSeq(store, host);
        const held = journal(i).filter((s) => s.seq > committed);
        const first = firstSeq.get(host)!;
        const numbered = Math.max(committed, ...held.map((s) => s.seq)) - first + 1;
        assert.ok(numbered >= 60, `${host}: ${numbered} samples numbered over the run`);
        const accounted = new Set([...storedTs, ...held.map((s) => s.ts)]);
        assert.is(accounted.size, numbered, `${host}: every sample from seq ${first} is stored (${storedTs.size}) or still held by its agent (${held.length}), once`);
      }
    } finally {
      store.close();
    }
  } finally {
    if (ingest) {
      ingest.child.kill('SIGCONT');
      ingest.child.kill('SIGKILL');
    }
    for (const a of agents) a.child.kill('SIGKILL');
    await Promise.all([...agents.map((a) => exited(a.child)), ...(ingest ? [ingest.exited] : [])]);
    await broker.close();
    for (const d of [brokerDir, serverDir, ...agentDirs]) d.remove();
  }
});

test.run();
