/**
 * The agent under test of bench/snmp/poller.ts, forked by it: a real agent
 * (startAgent: the device poller and the publisher, no collectors, no
 * services) that records each device poll's duration and answers `stats`
 * over IPC, then `stop`s.
 *
 * Usage: forked with <broker url> <host id>
 */
import { Value } from '@sinclair/typebox/value';
import { AgentConfig } from '../../agent/config.js';
import { startAgent } from '../../agent/index.js';
import { setLogLevel } from '../../core/logger.js';

const [url, host] = process.argv.slice(2);
if (!url || !host || !process.send) throw new Error('usage: forked by bench/snmp/poller.js with <broker url> <host id>');
setLogLevel('warn');

const durations: number[] = [];
let failures = 0;
const config = Value.Default(AgentConfig, { broker: url, host, interval: 60, serverWait: 0 }) as AgentConfig;
const agent = await startAgent(config, {
  prefix: 'vigie', collectors: [], services: false, diagnostics: false, checks: false,
  onDevicePoll: (_device, ms, ok) => {
    durations.push(ms);
    if (!ok) failures += 1;
  },
});
process.send({ type: 'ready' });
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'reset') {
    durations.length = 0;
    failures = 0;
    process.send!({ type: 'reset' });
  } else if (msg.type === 'stats') {
    process.send!({ type: 'stats', durations, failures, devices: agent.stats().devices.devices });
  } else if (msg.type === 'stop') {
    void agent.close().then(() => process.exit(0));
  }
});
