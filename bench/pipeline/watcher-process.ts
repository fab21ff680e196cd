/**
 * The dashboard watchers (bench/pipeline/watchers.ts) in a process of their
 * own: the fleet's thousands of MQTT clients would otherwise delay the
 * `sample` events on the same event loop, and that delay is the load
 * generator's, not Vigie's. Latencies go back to the parent over IPC.
 */
import { startWatchers, type Watchers } from './watchers.js';

if (!process.send) throw new Error('forked by bench/pipeline/run.js');
process.on('disconnect', () => process.exit(1)); // never left behind by a parent that died
let watchers: Watchers | undefined;
process.on('message', async (msg: { type: string; httpUrl?: string; token?: string; hosts?: string[]; on?: boolean }) => {
  try {
    if (msg.type === 'start') {
      watchers = await startWatchers({ httpUrl: msg.httpUrl!, token: msg.token!, hosts: msg.hosts! });
      process.send!({ type: 'start' });
    } else if (msg.type === 'measuring') {
      watchers!.measuring(msg.on!);
      process.send!({ type: 'measuring' });
    } else if (msg.type === 'results') {
      process.send!({ type: 'results', latencies: watchers!.latencies, samplesByHost: [...watchers!.samplesByHost] });
    } else if (msg.type === 'stop') {
      watchers?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send!({ type: 'error', message: String(error) });
  }
});
