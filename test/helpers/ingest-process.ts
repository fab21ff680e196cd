import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { createTopics } from '../../protocol/topics.js';
import { addCredentials } from './stack.js';
import { waitFor } from './env.js';

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface IngestProcess {
  child: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code or signal once the child has exited. */
  exited: Promise<string>;
}

/**
 * Starts `vigie server` (ingest, dashboard, alerts) as a real child process
 * (`node dist/cli/main.js server`) on `dataDir`, subscribed to the broker at `brokerUrl` with the
 * service credentials made in `brokerDataDir`. Resolves once the ingest has
 * subscribed (its retained server summary says online).
 */
export async function startIngestProcess(opts: {
  brokerUrl: string;
  brokerDataDir: string;
  dataDir: string;
  set?: Record<string, string>;
  credentials?: { username: string; password: string };
}): Promise<IngestProcess & { credentials: { username: string; password: string } }> {
  const credentials = opts.credentials ?? addCredentials(opts.brokerDataDir, { kind: 'service', role: 'ingest' });
  const set = {
    dataDir: opts.dataDir, 'ingest.broker': opts.brokerUrl, 'ingest.username': credentials.username, 'ingest.password': credentials.password,
    'http.host': '127.0.0.1', 'http.port': '0', 'log.level': 'warn', ...opts.set,
  };
  const args = [MAIN, 'server', ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`])];
  // Subscribed before the child starts: an old retained "online" would not prove this child is up.
  const topics = createTopics('vigie');
  // An agent's identity (agents read the summary), with the client id that identity owns.
  const watcherHost = `summary-watch-${process.pid}`;
  const watcher: MqttClient = await mqtt.connectAsync(opts.brokerUrl, {
    ...addCredentials(opts.brokerDataDir, { kind: 'agent', host: watcherHost }), clientId: `vigie-agent-${watcherHost}`,
  });
  let online = false;
  let sawOffline = false;
  watcher.on('message', (_t, payload) => {
    try {
      const state = (JSON.parse(payload.toString()) as { state?: string }).state;
      if (state === 'offline') sawOffline = true;
      if (state === 'online' && (sawOffline || started)) online = true;
    } catch {
      // not ours to judge
    }
  });
  let started = false;
  await watcher.subscribeAsync(topics.serverSummary(), { qos: 1 });
  await new Promise((r) => setTimeout(r, 100));
  started = true;
  let out = '';
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  try {
    await waitFor(`the ingest child to subscribe (output: ${out.slice(-500)})`, () => online || child.exitCode !== null, 20_000);
    if (child.exitCode !== null) throw new Error(`ingest child exited with ${child.exitCode}: ${out.slice(-2000)}`);
  } finally {
    await watcher.endAsync();
  }
  return { child, output: () => out, exited, credentials };
}
