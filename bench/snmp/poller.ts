/**
 * What polling N SNMP devices costs an agent (issue 13). A real snmpd
 * (Debian's, on a free UDP port of 127.0.0.1, test/helpers/snmpd.ts) stands
 * for every device: N device ids all point at it, over v2c. A real Aedes
 * broker on 127.0.0.1 carries the agent's retained configuration and what it
 * publishes. For each N, an agent process (bench/snmp/agent.ts) is forked,
 * warmed up for one interval, then measured for the duration: RSS and CPU
 * from /proc, polls per second and poll duration percentiles from the
 * agent's own poll hook. Stops by itself.
 *
 * Usage: node dist/bench/snmp/poller.js [--devices 0,10,50] [--interval 10] [--duration 60]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import mqtt from 'mqtt';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/index.js';
import { setLogLevel } from '../../core/logger.js';
import { DEVICE_LIMITS, encodePayload, PROTOCOL_VERSION, type DeviceSpec } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import { startSnmpd } from '../../test/helpers/snmpd.js';
import { request } from '../lib/child-request.js';
import { markdownTable, percentile, sampleProcess } from '../lib/proc-stats.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '0,10,50' },
    interval: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
  },
});
const counts = values.devices.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n <= DEVICE_LIMITS.perPoller);
const interval = Math.max(DEVICE_LIMITS.interval.min, Math.round(Number(values.interval)));
const duration = Math.max(5, Number(values.duration));
if (process.platform !== 'linux') throw new Error('bench/snmp/poller reads /proc; run it on Linux');
setLogLevel('warn');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

const snmpd = await startSnmpd();
const topics = createTopics('vigie');
const broker = await startBroker(Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true }) as BrokerConfig, {});
const server = await mqtt.connectAsync(broker.url);
let metrics = 0;
server.on('message', () => (metrics += 1));
await server.subscribeAsync('vigie/+/metrics');

const specs = (n: number): DeviceSpec[] => Array.from({ length: n }, (_, i) => ({
  id: `bench-dev-${i}`, address: snmpd.host, port: snmpd.port, snmp: { version: '2c', community: snmpd.community },
  interval, timeout: 5, retries: 1, custom: [],
}));

const rows: Array<Array<string | number>> = [];
const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');
try {
  for (const n of counts) {
    const host = `bench-poller-${n}`;
    // The server's side of the contract: the poller's devices, retained, before it connects.
    await server.publishAsync(topics.agentConfig(host), encodePayload('agentConfig', { v: PROTOCOL_VERSION, ts: Date.now(), checks: [], devices: specs(n) }), { qos: 1, retain: true });
    const child = fork(fileURLToPath(new URL('agent.js', import.meta.url)), [broker.url, host], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      await request(child, 'ready');
      // One interval and a bit: every device has had its (jittered, ≤ 10 s) first poll.
      await sleep(interval * 1000 + 2000);
      if (child.exitCode !== null) throw new Error(`the agent for ${n} devices exited (${child.exitCode})`);
      await request(child, 'reset');
      metrics = 0;
      const { rssMiB: rss, cpuSeconds: cpuS, wallSeconds: wallS } = await sampleProcess(child.pid!, duration);
      const stats = await request<{ durations: number[]; failures: number; devices: number }>(child, 'stats');
      const durations = [...stats.durations].sort((a, b) => a - b);
      rows.push([
        n, stats.devices, durations.length, f(durations.length / wallS, 2), stats.failures, metrics,
        n === 0 ? '-' : f(percentile(durations, 50)), n === 0 ? '-' : f(percentile(durations, 99)),
        f(percentile(rss, 50)), f(rss.at(-1) ?? NaN), f((cpuS / wallS) * 100, 2), n === 0 ? '-' : f(durations.length > 0 ? (cpuS * 1000) / durations.length : NaN, 2),
      ]);
    } finally {
      child.send({ type: 'stop' });
      if (await Promise.race([exited(child), sleep(10_000).then(() => 'timeout' as const)]) !== 0) {
        console.error(`${host} did not stop cleanly`);
        process.exitCode = 1;
        child.kill('SIGKILL');
      }
    }
  }
  console.log(markdownTable(
    ['devices', 'configured', 'polls', 'polls/s', 'failed', 'metrics msgs', 'poll p50 ms', 'poll p99 ms', 'RSS p50 MiB', 'RSS max MiB', 'CPU %', 'CPU ms / poll'],
    rows,
  ));
  console.log(`\n${duration} s per row, one poll per device every ${interval} s (±10 %), after one interval of warm-up; every device is the same snmpd on 127.0.0.1 (v2c); agent process from startAgent, Node ${process.version}; CPU = utime+stime from /proc.`);
} finally {
  await server.endAsync();
  await broker.close();
  await snmpd.close();
}
