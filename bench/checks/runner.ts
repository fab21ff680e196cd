/**
 * What network checks cost a runner (issue 12): the bundled standalone agent
 * (dist/agent/vigie-agent.mjs, copied alone into a scratch directory as an
 * install would) is given N checks through its retained `config` topic on a
 * real Aedes broker started here, half HTTP against a local server and half
 * TCP against a local listener, and runs them for the duration. Its process is
 * read from /proc (RSS, CPU with waited-for children), results are counted as
 * they arrive on `vigie/<runner>/checks/+`, and their `latency` gives the
 * probes' own p50/p99. One agent per N, one after the other.
 *
 * Usage: node dist/bench/checks/runner.js [--checks 0,50,200] [--interval 10] [--duration 60]
 *   (npm run build first: it writes the bundle)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import mqtt from 'mqtt';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/index.js';
import { setLogLevel } from '../../core/logger.js';
import { decodePayload, encodePayload, PROTOCOL_VERSION, type CheckSpec } from '../../protocol/payloads.js';
import { createTopics } from '../../protocol/topics.js';
import { markdownTable, percentile, sampleProcess } from '../lib/proc-stats.js';

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '0,50,200' },
    interval: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    bundle: { type: 'string', default: fileURLToPath(new URL('../../agent/vigie-agent.mjs', import.meta.url)) },
  },
});
const counts = values.checks.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0);
const interval = Math.max(10, Math.round(Number(values.interval)));
const duration = Math.max(interval, Number(values.duration));
if (process.platform !== 'linux') throw new Error('bench/checks/runner reads /proc; run it on Linux');
if (!existsSync(values.bundle)) throw new Error(`${values.bundle} not found: run npm run build first`);
setLogLevel('warn');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

// The targets: a small HTTP page and a TCP listener, both on loopback.
const http = createHttpServer((_req, res) => res.end('<html><title>ok</title>Vigie bench</html>'));
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const tcp = createTcpServer((socket) => socket.end());
await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
const httpPort = (http.address() as AddressInfo).port;
const tcpPort = (tcp.address() as AddressInfo).port;

const topics = createTopics('vigie');
const broker = await startBroker(Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true }) as BrokerConfig, {});
const server = await mqtt.connectAsync(broker.url);
const scratch = mkdtempSync(join(tmpdir(), 'vigie-checks-bench-'));
const bundle = join(scratch, 'vigie-agent.mjs');
copyFileSync(values.bundle, bundle);

const specs = (n: number): CheckSpec[] => Array.from({ length: n }, (_, i) => i % 2 === 0
  ? { id: `http-${i}`, kind: 'http', target: `http://127.0.0.1:${httpPort}/${i}`, interval, timeout: 5, trace: false, http: { keyword: { text: 'Vigie' } } }
  : { id: `tcp-${i}`, kind: 'tcp', target: '127.0.0.1', port: tcpPort, interval, timeout: 5, trace: false });

const rows: Array<Array<string | number>> = [];
const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');
try {
  for (const n of counts) {
    const host = `bench-runner-${n}`;
    const latencies: number[] = [];
    let results = 0;
    let down = 0;
    let counting = false;
    const onMessage = (topic: string, payload: Buffer): void => {
      if (!counting || !topic.startsWith(`vigie/${host}/checks/`) || payload.length === 0) return;
      const r = decodePayload('checkResult', payload);
      if (!r.ok) return;
      results += 1;
      if (r.value.state === 'down') down += 1;
      if (r.value.latency !== null) latencies.push(r.value.latency * 1000);
    };
    server.on('message', onMessage);
    await server.subscribeAsync(`vigie/${host}/checks/+`);
    // The server's side of the contract: the runner's checks, retained, before it connects.
    await server.publishAsync(topics.agentConfig(host), encodePayload('agentConfig', { v: PROTOCOL_VERSION, ts: Date.now(), checks: specs(n) }), { qos: 1, retain: true });
    const configFile = join(scratch, `${host}.json`);
    // serverWait 0: no ingest here to send a server summary; metrics every 60 s to keep them out of the figures.
    writeFileSync(configFile, JSON.stringify({ dataDir: join(scratch, 'data'), log: { level: 'warn' }, agent: { broker: broker.url, host, interval: 60, serverWait: 0 } }));
    const child = spawn(process.execPath, [bundle, 'run', '--config', configFile], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '' } });
    try {
      // One interval of warm-up: every check has been scheduled (first runs are jittered over ≤ 10 s).
      await sleep(interval * 1000 + 2000);
      if (child.exitCode !== null) throw new Error(`the agent for ${n} checks exited (${child.exitCode})`);
      counting = true;
      const { rssMiB: rss, cpuSeconds: cpuS, wallSeconds: wallS } = await sampleProcess(child.pid!, duration);
      counting = false;
      latencies.sort((a, b) => a - b);
      const expected = (n * wallS) / interval;
      rows.push([
        n, results, n === 0 ? '-' : f((results / expected) * 100, 0), down,
        n === 0 ? '-' : f(percentile(latencies, 50), 2), n === 0 ? '-' : f(percentile(latencies, 99), 2),
        f(percentile(rss, 50)), f(rss.at(-1) ?? NaN), f((cpuS / wallS) * 100, 2), n === 0 ? '-' : f(results > 0 ? (cpuS * 1000) / results : NaN, 2),
      ]);
    } finally {
      child.kill('SIGTERM');
      if (await Promise.race([exited(child), sleep(10_000).then(() => 'timeout' as const)]) !== 0) {
        console.error(`${host} did not stop cleanly on SIGTERM`);
        process.exitCode = 1;
        child.kill('SIGKILL');
      }
      server.off('message', onMessage);
      await server.unsubscribeAsync(`vigie/${host}/checks/+`);
    }
  }
  console.log(markdownTable(
    ['checks', 'results', '% of expected', 'down', 'probe latency p50 ms', 'p99 ms', 'RSS p50 MiB', 'RSS max MiB', 'CPU %', 'CPU ms / result'],
    rows,
  ));
  console.log(`\n${duration} s per row at ${interval} s per check (half HTTP with a keyword, half TCP, on 127.0.0.1), after one interval of warm-up; the bundled agent, Node ${process.version}; CPU = utime+stime(+children) from /proc.`);
} finally {
  await server.endAsync();
  await broker.close();
  http.close();
  tcp.close();
  rmSync(scratch, { recursive: true, force: true });
}
