/**
 * Issue 10, item 14, end to end with nothing simulated: real `vigie broker`,
 * `vigie server` and `vigie agent` processes, each killed with -9 in turn
 * (the broker, then the ingest, then an agent) while the agents sample every
 * 0.5 s. Counted by seq: every sample an agent numbered is in the store
 * (points are keyed by series and time, so never twice), or still in that
 * agent's journal to be sent at its next start.
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
    await waitFor('the broker to listen', async () => (await mqtt.connectAsync(url, { ...reader, clientId: 'loss-probe', reconnectPeriod: 0 }).then((c) => c.endAsync().then(() => true), () => false)), 15_000, 200);
    // The first seq of each agent, seen live before anything is killed.
    const firstSeq = new Map<string, number>();
    watch = await mqtt.connectAsync(url, { ...reader, clientId: 'loss-watch' });
    watch.on('message', (topic, payload) => {
      const host = topic.split('/')[1]!;
      const seq = (JSON.parse(payload.toString()) as { seq?: number }).seq;
      if (seq !== undefined && !firstSeq.has(host)) firstSeq.set(host, seq);
    });
    await watch.subscribeAsync('vigie/+/metrics', { qos: 1 });
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

    const db = new BetterSqlite3(join(serverDir.path, 'vigie.db'), { readonly: true });
    try {
      for (const [i, host] of HOSTS.entries()) {
        // Any series counts: a sample whose CPU reading missed its deadline still has the others.
        const stored = db
          .prepare('SELECT DISTINCT p.ts AS ts FROM points_raw p JOIN series s ON s.id = p.series_id WHERE s.host = ?')
          .all(host) as Array<{ ts: number }>;
        const committed = (db.prepare('SELECT seq FROM host_seq WHERE host = ?').get(host) as { seq: number } | undefined)?.seq ?? 0;
        const held = journalSamples(join(agentDirs[i]!.path, 'agent', host));
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
  } finally {
    await watch?.endAsync().catch(() => undefined);
    for (const a of agents) a.kill('SIGKILL');
    ingest?.child.kill('SIGKILL');
    broker.kill('SIGKILL');
    await Promise.all([...agents.map(exited), ...(ingest ? [ingest.exited] : []), exited(broker)]);
    for (const d of [brokerDir, serverDir, ...agentDirs]) d.remove();
  }
});

test.run();
