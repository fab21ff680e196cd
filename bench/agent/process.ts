/**
 * The real agent process next to node_exporter, in the same run (Linux):
 * the bundled standalone agent (dist/agent/vigie-agent.mjs, copied alone into
 * a scratch directory as an install would) publishing to a real Aedes broker
 * started here, and Debian's prometheus-node-exporter scraped at the same
 * interval. Every interval both processes are read from /proc: RSS (VmRSS)
 * and CPU (utime+stime, with waited-for children).
 *
 * Usage: node dist/bench/agent/process.js [--duration 60] [--interval 1] [--warmup 5] [--variant=--lite-mode]…
 *   The first agent runs as the installed service runs it (core/heap.ts AGENT_NODE_FLAGS and AGENT_ENV);
 *   each --variant runs one more with these Node flags (space-separated) and nothing in its environment
 *   but the NAME=value words among them (--variant= for plain node), side by side
 *   (npm run build first: it writes the bundle)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import mqtt from 'mqtt';
import { BrokerConfig } from '../../broker/config.js';
import { startBroker } from '../../broker/index.js';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../core/heap.js';
import { setLogLevel } from '../../core/logger.js';
import { markdownTable, percentile, readProcStats } from '../lib/proc-stats.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    interval: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '5' },
    variant: { type: 'string', multiple: true, default: [] },
    bundle: { type: 'string', default: fileURLToPath(new URL('../../agent/vigie-agent.mjs', import.meta.url)) },
  },
});
const interval = Math.max(0.1, Number(values.interval));
const duration = Math.max(interval, Number(values.duration));
const warmup = Math.max(0, Number(values.warmup));
const variants: Array<{ flags: string[]; env: Readonly<Record<string, string>> }> = [
  { flags: [...AGENT_NODE_FLAGS], env: AGENT_ENV },
  ...values.variant.map((v) => {
    const words = v.split(/\s+/).filter((w) => w !== '');
    const isEnv = (w: string): boolean => /^[A-Z_][A-Z0-9_]*=/.test(w);
    return { flags: words.filter((w) => !isEnv(w)), env: Object.fromEntries(words.filter(isEnv).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])) };
  }),
];
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const MiB = 2 ** 20;

if (process.platform !== 'linux') throw new Error('bench/agent/process reads /proc; run it on Linux');
if (!existsSync(values.bundle)) throw new Error(`${values.bundle} not found: run npm run build first`);
setLogLevel('warn');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const freePort = (): Promise<number> => new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const port = (srv.address() as { port: number }).port;
    srv.close(() => resolve(port));
  });
});
const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

// The broker the agent publishes to, and a subscriber that counts what arrives.
const broker = await startBroker(Value.Default(BrokerConfig, { host: '127.0.0.1', port: 0, allowAnonymous: true }) as BrokerConfig, {});
const watcher = await mqtt.connectAsync(broker.url);
const metricsMessages = new Map<string, number>();
watcher.on('message', (topic) => { metricsMessages.set(topic, (metricsMessages.get(topic) ?? 0) + 1); });
await watcher.subscribeAsync('vigie/+/metrics');
const received = (host: string): number => metricsMessages.get(`vigie/${host}/metrics`) ?? 0;

// The bundle alone in a scratch directory, as the install line leaves it.
const scratch = mkdtempSync(join(tmpdir(), 'vigie-agent-bench-'));
const bundle = join(scratch, 'vigie-agent.mjs');
copyFileSync(values.bundle, bundle);
const agents = variants.map(({ flags, env }, i) => {
  const host = `bench-agent-${i}`;
  const configFile = join(scratch, `${host}.json`);
  // serverWait 0: no ingest here to send a server summary.
  writeFileSync(configFile, JSON.stringify({ dataDir: join(scratch, 'data'), log: { level: 'warn' }, agent: { broker: broker.url, host, interval, serverWait: 0 } }));
  const child = spawn(process.execPath, [...flags, bundle, 'run', '--config', configFile], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '', ...env } });
  return { host, flags, env, child };
});

const exporterPort = await freePort();
// stdio ignored: without a running systemd its systemd collector logs an error on every scrape.
const exporter = existsSync(NODE_EXPORTER)
  ? spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`, '--log.level=error'], { stdio: 'ignore' })
  : undefined;
if (!exporter) console.error(`${NODE_EXPORTER} not found (apt-get install prometheus-node-exporter): its row is left out`);
const scrape = async (): Promise<void> => {
  const res = await fetch(`http://127.0.0.1:${exporterPort}/metrics`);
  await res.text();
  if (!res.ok) throw new Error(`node_exporter answered ${res.status}`);
};

interface Track { name: string; pid: number; rss: number[]; cpuStart: number; cpuEnd: number; perSample: () => number }
const tracks: Track[] = [];
try {
  for (let tries = 0; agents.some((a) => received(a.host) === 0); tries += 1) {
    if (tries > 200 || agents.some((a) => a.child.exitCode !== null)) throw new Error('an agent published no metrics within 20 s');
    await sleep(100);
  }
  if (exporter) {
    for (let tries = 0; ; tries += 1) {
      try { await scrape(); break; } catch (error) { if (tries > 100) throw error; await sleep(50); }
    }
  }
  console.error(`warming up ${warmup} s, then ${duration} s at ${interval} s…`);
  const warmupEnd = Date.now() + warmup * 1000;
  while (Date.now() < warmupEnd) {
    if (exporter) await scrape();
    await sleep(interval * 1000);
  }

  let scrapes = 0;
  for (const a of agents) {
    const atStart = received(a.host);
    tracks.push({ name: `${Object.entries(a.env).map(([k, v]) => `${k}=${v} `).join('')}node${a.flags.length ? ` ${a.flags.join(' ')}` : ''} vigie-agent.mjs run (Node ${process.version})`, pid: a.child.pid!, rss: [], cpuStart: 0, cpuEnd: 0, perSample: () => received(a.host) - atStart });
  }
  if (exporter) tracks.push({ name: 'prometheus-node-exporter (Debian), scraped', pid: exporter.pid!, rss: [], cpuStart: 0, cpuEnd: 0, perSample: () => scrapes });
  for (const t of tracks) t.cpuStart = readProcStats(t.pid).cpuSeconds;
  const start = performance.now();
  const rounds = Math.round(duration / interval);
  for (let i = 0; i < rounds; i += 1) {
    const next = start + (i + 1) * interval * 1000;
    if (exporter) { await scrape(); scrapes += 1; }
    await sleep(Math.max(0, next - performance.now()));
    for (const t of tracks) t.rss.push(readProcStats(t.pid).rssBytes / MiB);
  }
  const wallS = (performance.now() - start) / 1000;
  for (const t of tracks) t.cpuEnd = readProcStats(t.pid).cpuSeconds;

  const f = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');
  console.log(markdownTable(
    ['process', 'samples', 'RSS p50 MiB', 'RSS max MiB', 'CPU ms / sample', 'CPU %'],
    tracks.map((t) => {
      const rss = [...t.rss].sort((a, b) => a - b);
      const cpuS = t.cpuEnd - t.cpuStart;
      const n = t.perSample();
      return [t.name, n, f(percentile(rss, 50)), f(rss.at(-1) ?? NaN), f(n > 0 ? (cpuS * 1000) / n : NaN, 2), f((cpuS / wallS) * 100, 2)];
    }),
  ));
  console.log(`\n${f(wallS, 0)} s at ${interval} s after ${warmup} s of warm-up; "samples" = metrics messages the broker delivered / scrapes; RSS read every interval; CPU = utime+stime(+children) from /proc, USER_HZ resolution 10 ms.`);
} finally {
  for (const a of agents) {
    a.child.kill('SIGTERM');
    const code = await Promise.race([exited(a.child), sleep(10_000).then(() => 'timeout' as const)]);
    if (code !== 0) {
      console.error(`${a.host} did not stop cleanly on SIGTERM (${code})`);
      process.exitCode = 1;
      a.child.kill('SIGKILL');
    }
  }
  exporter?.kill();
  await watcher.endAsync();
  await broker.close();
  rmSync(scratch, { recursive: true, force: true });
}
