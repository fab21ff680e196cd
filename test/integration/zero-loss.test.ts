/**
 * Issue 10, item 14, end to end with nothing simulated: real `vigie broker`,
 * `vigie server` and `vigie agent` processes, each killed with -9 in turn
 * (the broker, then the ingest, then an agent) while the agents sample every
 * 0.5 s. Counted by seq: every sample an agent numbered is in the store
 * (points are keyed by series and time, so never twice), or still in that
 * agent's journal to be sent at its next start. Then the same with `vigie up`,
 * whose ingest takes messages from the broker in its process (issue 16).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalSamples } from '../helpers/agent-journal.js';
import { freePort, tempDir, waitFor } from '../helpers/env.js';
import { startIngestProcess, type IngestProcess } from '../helpers/ingest-process.js';
import { addCredentials } from '../helpers/stack.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const HOSTS = ['loss-a', 'loss-b'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function run(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, VIGIE_CONFIG: '', ...env } });
  child.stderr?.on('data', (d: Buffer) => { if (process.env.VIGIE_TEST_LOG) process.stderr.write(d); });
  return child;
}

/**
 * Every sample each agent numbered from `firstSeq` on is in `<dataDir>/vigie.db`
 * (points are keyed by series and time, so never twice) or still in that
 * agent's journal, to be sent at its next start.
 */
function accountFor(dataDir: string, hosts: string[], agentDirs: string[], firstSeq: Map<string, number>): void {
  const db = new BetterSqlite3(join(dataDir, 'vigie.db'), { readonly: true });
  try {
    for (const [i, host] of hosts.entries()) {
      // Any series counts: a sample whose CPU reading missed its deadline still has the others.
      const stored = db
        .prepare('SELECT DISTINCT p.ts AS ts FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ?')
        .all(host) as Array<{ ts: number }>;
      const committed = (db.prepare('SELECT seq FROM host_seq WHERE host = ?').get(host) as { seq: number } | undefined)?.seq ?? 0;
      const held = journalSamples(join(agentDirs[i]!, 'agent', host));
      const first = firstSeq.get(host)!;
      const last = Math.max(committed, ...held.map((h) => h.seq));
      const numbered = last - first + 1;
      const storedTs = new Set(stored.map((r) => r.ts));
      const missing = held.filter((h) => h.seq > committed && storedTs.has(h.ts));
      assert.ok(numbered > 20, `${host}: ${numbered} samples numbered over the run`);
      assert.equal(missing, [], `${host}: what the journal still holds is what the store does not have`);
      const accounted = new Set([...storedTs, ...held.filter((h) => h.seq > committed).map((h) => h.ts)]);
      assert.is(accounted.size, numbered, `${host}: every sample from seq ${first} to ${last} is stored (${storedTs.size}) or still held by its agent (${accounted.size - storedTs.size})`);
      assert.ok(held.filter((h) => h.seq > committed).length < numbered / 4, `${host}: the store acknowledged most of it`);
    }
  } finally {
    db.close();
  }
}

/** Records each host's first seq seen live on `vigie/+/metrics`. */
async function watchFirstSeqs(url: string, reader: { username: string; password: string }, clientId: string, firstSeq: Map<string, number>): Promise<MqttClient> {
  const watch = await mqtt.connectAsync(url, { ...reader, clientId });
  watch.on('message', (topic, payload) => {
    const host = topic.split('/')[1]!;
    const seq = (JSON.parse(payload.toString()) as { seq?: number }).seq;
    if (seq !== undefined && !firstSeq.has(host)) firstSeq.set(host, seq);
  });
  await watch.subscribeAsync('vigie/+/metrics', { qos: 1 });
  return watch;
}

/** Resolves once a reader can connect to `url`. */
const listening = async (url: string, reader: { username: string; password: string }, clientId: string): Promise<void> =>
  void await waitFor('the broker to listen', async () => (await mqtt.connectAsync(url, { ...reader, clientId, reconnectPeriod: 0 }).then((c) => c.endAsync().then(() => true), () => false)), 30_000, 200);

test('kill -9 of the broker, the ingest and an agent in turn: every numbered sample is stored exactly once', async () => {
  const brokerDir = tempDir();
  const serverDir = tempDir();
  const agentDirs = HOSTS.map(() => tempDir());
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const brokerArgs = ['broker', '--set', `dataDir=${brokerDir.path}`, '--set', 'broker.host=127.0.0.1', '--set', `broker.port=${port}`, '--set', 'http.host=127.0.0.1', '--set', 'http.port=0', '--set', 'log.level=warn'];
  const creds = HOSTS.map((host) => addCredentials(brokerDir.path, { kind: 'agent', host }));
  const startAgent = (i: number): ChildProcess =>
    run(['agent', '--data-dir', agentDirs[i]!.path, '--broker', url, '--host', HOSTS[i]!, '--interval', '0.5', '--log-level', 'warn'], {
      VIGIE_AGENT_USERNAME: creds[i]!.username, VIGIE_AGENT_PASSWORD: creds[i]!.password,
    });
  const reader = addCredentials(brokerDir.path, { kind: 'service', role: 'reader', name: 'loss-reader' });

  let broker = run(brokerArgs);
  let ingest: IngestProcess | undefined;
  const agents: ChildProcess[] = [];
  let watch: MqttClient | undefined;
  try {
    await listening(url, reader, 'loss-probe');
    // The first seq of each agent, seen live before anything is killed.
    const firstSeq = new Map<string, number>();
    watch = await watchFirstSeqs(url, reader, 'loss-watch', firstSeq);
    const first = await startIngestProcess({ brokerUrl: url, brokerDataDir: brokerDir.path, dataDir: serverDir.path, set: { 'ingest.flushInterval': '0.2' } });
    const ingestCredentials = first.credentials;
    ingest = first;
    for (let i = 0; i < HOSTS.length; i++) agents.push(startAgent(i));
    await waitFor('both agents sampling', () => HOSTS.every((h) => firstSeq.has(h)), 20_000);
    await watch.endAsync();
    watch = undefined;
    await sleep(2000);

    // The broker dies with whatever it had acknowledged and not yet delivered.
    broker.kill('SIGKILL');
    await exited(broker);
    await sleep(1500);
    broker = run(brokerArgs);
    await sleep(4000);

    // The ingest dies with unacknowledged messages in flight.
    ingest.child.kill('SIGKILL');
    await ingest.exited;
    await sleep(1000);
    ingest = await startIngestProcess({ brokerUrl: url, brokerDataDir: brokerDir.path, dataDir: serverDir.path, credentials: ingestCredentials, set: { 'ingest.flushInterval': '0.2' } });
    await sleep(2000);

    // An agent dies in the middle of its journal and starts again from it.
    agents[0]!.kill('SIGKILL');
    await exited(agents[0]!);
    agents[0] = startAgent(0);
    await sleep(3000);

    // The agents stop; what the store does not have yet must still be in their journals (sent at their next start).
    await sleep(2000);
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map(exited));
    agents.splice(0);
    await sleep(1000);
    ingest.child.kill('SIGTERM');
    await ingest.exited;

    accountFor(serverDir.path, HOSTS, agentDirs.map((d) => d.path), firstSeq);
  } finally {
    await watch?.endAsync().catch(() => undefined);
    for (const a of agents) a.kill('SIGKILL');
    ingest?.child.kill('SIGKILL');
    broker.kill('SIGKILL');
    await Promise.all([...agents.map(exited), ...(ingest ? [ingest.exited] : []), exited(broker)]);
    for (const d of [brokerDir, serverDir, ...agentDirs]) d.remove();
  }
});

test('kill -9 of `vigie up` twice, its ingest in the broker\'s process (ingest.inProcess), and of an agent: every numbered sample is stored exactly once', async () => {
  const upDir = tempDir();
  const agentDirs = HOSTS.map(() => tempDir());
  const hosts = HOSTS.map((h) => `${h}-up`);
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const upArgs = ['up', ...Object.entries({
    dataDir: upDir.path, 'broker.host': '127.0.0.1', 'broker.port': String(port), 'http.host': '127.0.0.1', 'http.port': '0', 'log.level': 'warn', 'ingest.flushInterval': '0.2',
  }).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
  const creds = hosts.map((host) => addCredentials(upDir.path, { kind: 'agent', host }));
  const reader = addCredentials(upDir.path, { kind: 'service', role: 'reader', name: 'loss-up-reader' });
  const startAgent = (i: number): ChildProcess =>
    run(['agent', '--data-dir', agentDirs[i]!.path, '--broker', url, '--host', hosts[i]!, '--interval', '0.5', '--log-level', 'warn'], {
      VIGIE_AGENT_USERNAME: creds[i]!.username, VIGIE_AGENT_PASSWORD: creds[i]!.password,
    });
  let up = run(upArgs);
  const agents: ChildProcess[] = [];
  let watch: MqttClient | undefined;
  try {
    await listening(url, reader, 'loss-up-probe');
    const firstSeq = new Map<string, number>();
    watch = await watchFirstSeqs(url, reader, 'loss-up-watch', firstSeq);
    for (let i = 0; i < hosts.length; i++) agents.push(startAgent(i));
    await waitFor('both agents sampling', () => hosts.every((h) => firstSeq.has(h)), 20_000);
    await watch.endAsync();
    watch = undefined;

    // Broker and ingest die together, twice, with samples in flight and batches not committed.
    for (const wait of [2000, 3000]) {
      await sleep(wait);
      up.kill('SIGKILL');
      await exited(up);
      await sleep(1500);
      up = run(upArgs);
      await listening(url, reader, 'loss-up-probe');
    }
    await sleep(2000);

    agents[0]!.kill('SIGKILL');
    await exited(agents[0]!);
    agents[0] = startAgent(0);
    await sleep(5000);

    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map(exited));
    agents.splice(0);
    await sleep(1000);
    up.kill('SIGTERM');
    await exited(up);
    accountFor(upDir.path, hosts, agentDirs.map((d) => d.path), firstSeq);
  } finally {
    await watch?.endAsync().catch(() => undefined);
    for (const a of agents) a.kill('SIGKILL');
    up.kill('SIGKILL');
    await Promise.all([...agents.map(exited), exited(up)]);
    for (const d of [upDir, ...agentDirs]) d.remove();
  }
});

test.run();
