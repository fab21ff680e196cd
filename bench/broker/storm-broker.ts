/**
 * The measured side of bench/broker/storm.ts: Vigie's broker alone (as
 * `vigie broker` starts it: broker/index.ts), anonymous, in its own process
 * so its CPU and RSS are its own. Tells the parent its port over IPC.
 */
import { startBroker } from '../../broker/index.js';
import { loadConfig } from '../../cli/config.js';
import { setLogLevel } from '../../core/logger.js';

const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('usage: forked by bench/broker/storm.js with a data dir');
const loaded = loadConfig({
  env: {},
  overrides: { dataDir, 'broker.host': '127.0.0.1', 'broker.port': '0', 'broker.allowAnonymous': 'true' },
});
if (!loaded.ok) throw new Error(loaded.error);
// The anonymous-mode warning and the agents cut at the end are expected here.
setLogLevel('error');
const broker = await startBroker(loaded.value.broker, { prefix: loaded.value.mqtt.prefix });
process.send({ type: 'ready', port: broker.port });
process.on('disconnect', () => process.exit(1));
process.on('message', async (msg: { type: string }) => {
  if (msg.type === 'stats') process.send!({ type: 'stats', retained: broker.stats().retained.messages, clients: broker.stats().clients });
  if (msg.type === 'stop') {
    await broker.close();
    process.exit(0);
  }
});
