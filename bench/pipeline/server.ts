/**
 * The measured side of the pipeline bench: broker + ingest + dashboard, as in
 * `vigie up` but without a local agent, in its own process so its CPU and RSS
 * are not mixed with the load generator's. Reports its ports and the ingest's
 * counters to the parent over IPC.
 */
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import { loadConfig } from '../../cli/config.js';
import { startStack } from '../../cli/stack.js';
import { createTopics } from '../../protocol/topics.js';
import { probeStages } from './stages.js';

const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('usage: forked by bench/pipeline/run.js with a data dir');

const loaded = loadConfig({
  env: {},
  overrides: { dataDir, 'http.host': '127.0.0.1', 'http.port': '0', 'broker.host': '127.0.0.1', 'broker.port': '0', 'log.level': 'warn', ...(process.env.BENCH_CONFIG ? JSON.parse(process.env.BENCH_CONFIG) : {}) },
});
if (!loaded.ok) throw new Error(loaded.error);
// Two stacks in one process is what `up` runs, minus the agent: the ingest takes
// messages from the broker in-process, or with ingest.inProcess false
// (BENCH_CONFIG) authenticates over MQTT like a separate `vigie server`.
const broker = await startStack('broker', loaded.value);
const db = openAccountsDatabase(dataDir);
const ingestCredentials = new MqttCredentialStore(db).add({ kind: 'service', role: 'ingest' });
db.close();
const server = await startStack('server', {
  ...loaded.value,
  ingest: { ...loaded.value.ingest, broker: `mqtt://127.0.0.1:${broker.broker!.port}`, ...ingestCredentials },
}, { embeddedBroker: broker.broker! });
// The ingest cut by the broker (keep-alive, slow consumer) and reconnecting: counted, the overload run fails on it.
let ingestDisconnects = 0;
let ingestWasConnected = true;
setInterval(() => {
  const connected = server.ingest!.stats().connected;
  if (ingestWasConnected && !connected) ingestDisconnects += 1;
  ingestWasConnected = connected;
}, 200).unref();
const stages = probeStages(broker.broker!.aedes, server.ingest!.bus, createTopics(loaded.value.mqtt.prefix));
const link = loaded.value.ingest.inProcess ? 'in-process, as in `vigie up`' : 'over MQTT (ingest.inProcess false)';
process.stdout.write(`bench server ready: broker, ingest and dashboard in one process; the ingest takes messages ${link}\n`);
process.send({ type: 'ready', mqttPort: broker.broker!.port, httpUrl: server.http!.url });

// Never left behind by a parent that died (timeout, Ctrl-C): the IPC channel closes with it.
process.on('disconnect', () => process.exit(1));
process.on('message', async (msg: { type: string; hosts?: string[] }) => {
  if (msg.type === 'stages-watch') {
    stages.watch(msg.hosts ?? []);
    process.send!({ type: 'stages-watch' });
  }
  if (msg.type === 'stages') process.send!({ type: 'stages', ...stages.results() });
  if (msg.type === 'stats') process.send!({ type: 'stats', stats: server.ingest!.stats(), broker: broker.broker!.stats(), ingestDisconnects });
  if (msg.type === 'stop') {
    await server.close();
    await broker.close();
    process.exit(0);
  }
});
