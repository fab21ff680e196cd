/**
 * Agent sampling cost, side by side in one run (Linux):
 *   (a) the collectors through systeminformation,
 *   (b) the collectors through /proc and statfs (the agent's Linux hot path),
 *   (c) Debian's prometheus-node-exporter scraped at the same interval.
 * Each runs in its own process; CPU is utime+stime+cutime+cstime from
 * /proc/<pid>/stat (so child processes count), RSS from /proc/<pid>/status.
 *
 * Usage: node dist/bench/agent/run.js [--samples 30] [--interval 1]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { markdownTable, percentile, readProcStats } from '../lib/proc-stats.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '30' }, interval: { type: 'string', default: '1' } } });
const samples = Math.max(1, Number(values.samples));
const interval = Math.max(0.1, Number(values.interval));
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

interface Row {
  name: string;
  cpuMsPerSample: number;
  rssMiB: number;
  peakRssMiB: number;
  wallP50: number;
  wallMax: number;
  loopP50?: number;
  loopMax?: number;
}

const peakRssMiB = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const once = <T>(child: ChildProcess, pick: (m: unknown) => T | undefined): Promise<T> =>
  new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      const v = pick(m);
      if (v !== undefined) { child.off('message', onMessage); resolve(v); }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });

/** Starts a sampler child and resolves when it is warmed up; `run()` then measures it. */
async function prepareSampler(source: 'systeminformation' | 'procfs', label: string) {
  const child = fork(new URL('./sampler.js', import.meta.url), [source, String(samples), String(interval)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, (m) => ((m as { ready?: boolean }).ready ? true : undefined));
  return async (): Promise<Row> => {
    const pid = child.pid as number;
    const before = readProcStats(pid);
    child.send({ go: true });
    const done = await once(child, (m) => ((m as { done?: boolean }).done ? (m as { walls: number[]; loopMax: number[] }) : undefined));
    const after = readProcStats(pid);
    const peak = peakRssMiB(pid);
    child.kill();
    const walls = sorted(done.walls);
    const loops = sorted(done.loopMax);
    return {
      name: label,
      cpuMsPerSample: ((after.cpuSeconds - before.cpuSeconds) * 1000) / samples,
      rssMiB: after.rssBytes / 2 ** 20,
      peakRssMiB: peak,
      wallP50: percentile(walls, 50),
      wallMax: walls.at(-1) ?? NaN,
      loopP50: percentile(loops, 50),
      loopMax: loops.at(-1) ?? NaN,
    };
  };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts node_exporter on a free 127.0.0.1 port, warms it with one scrape; `run()` scrapes at the interval. */
async function prepareNodeExporter() {
  const port = await freePort();
  // stdio ignored: without a running systemd its systemd collector logs an error on every scrape.
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async (): Promise<number> => {
    const start = performance.now();
    const res = await fetch(url);
    await res.text();
    if (!res.ok) throw new Error(`node_exporter answered ${res.status}`);
    return performance.now() - start;
  };
  for (let tries = 0; ; tries += 1) {
    try {
      await scrape();
      break;
    } catch (error) {
      if (tries > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return async (): Promise<Row> => {
    const pid = child.pid as number;
    const before = readProcStats(pid);
    const walls: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const next = Date.now() + interval * 1000;
      walls.push(await scrape());
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const after = readProcStats(pid);
    const peak = peakRssMiB(pid);
    child.kill();
    const w = sorted(walls);
    return {
      name: 'node_exporter 1.5 (Debian), one scrape',
      cpuMsPerSample: ((after.cpuSeconds - before.cpuSeconds) * 1000) / samples,
      rssMiB: after.rssBytes / 2 ** 20,
      peakRssMiB: peak,
      wallP50: percentile(w, 50),
      wallMax: w.at(-1) ?? NaN,
    };
  };
}

if (process.platform !== 'linux') throw new Error('bench/agent compares Linux collection paths; run it on Linux');
let hasNodeExporter = true;
try {
  readFileSync(NODE_EXPORTER);
} catch {
  hasNodeExporter = false;
  console.error(`${NODE_EXPORTER} not found (apt-get install prometheus-node-exporter): its row is left out`);
}

console.error(`agent collectors: ${samples} samples every ${interval} s, three processes side by side…`);
const runners = await Promise.all([
  prepareSampler('systeminformation', '(a) collectors via systeminformation'),
  prepareSampler('procfs', '(b) collectors via /proc + statfs'),
  ...(hasNodeExporter ? [prepareNodeExporter()] : []),
]);
const rows = await Promise.all(runners.map((run) => run()));
const f = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
console.log(
  markdownTable(
    ['path', 'CPU ms / sample', 'RSS MiB', 'peak RSS MiB', 'wall ms p50', 'wall ms max', 'event-loop block ms p50', 'event-loop block ms max'],
    rows.map((r) => [r.name, f(r.cpuMsPerSample, 2), f(r.rssMiB), f(r.peakRssMiB), f(r.wallP50), f(r.wallMax), f(r.loopP50), f(r.loopMax)]),
  ),
);
console.log(`\n${samples} samples at ${interval} s; CPU includes child processes (cutime+cstime), USER_HZ resolution 10 ms.`);
