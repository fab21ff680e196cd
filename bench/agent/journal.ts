/**
 * Cost of the agent's durable sample buffer (agent/buffer.ts + journal.ts):
 * each sample is appended and fdatasync'ed before it is published. Measures
 * per-sample latency of `add()` (encode + append + fdatasync) and the event
 * loop's worst stall meanwhile (the writes run on libuv's thread pool, so
 * it measures what the machine's load adds, not the disk), on the disk holding --dir (default: the OS
 * temp dir), against the same buffer in memory.
 *
 * Usage: node dist/bench/agent/journal.js [--samples 2000] [--dir /var/lib/vigie]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { SampleBuffer } from '../../agent/buffer.js';
import type { Logger } from '../../core/logger.js';
import { systemClock } from '../../core/time.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { markdownTable, percentile } from '../lib/proc-stats.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '2000' }, dir: { type: 'string' } } });
const samples = Math.max(10, Number(values.samples));
const log = pino({ level: 'silent' }) as unknown as Logger;

/** A sample the size of a real one: cpu, mem, swap, three disks, two interfaces (~700 bytes). */
const sample = (i: number): MetricsPayload => ({
  v: 1, ts: Date.now(),
  cpu: { usage: 12.5, load1: 0.5, load5: 0.4, load15: 0.3, iowait: 0.1, cores: 4 },
  mem: { total: 8_000_000_000, used: 3_000_000_000, available: 5_000_000_000, usedPercent: 37.5 },
  swap: { total: 2_000_000_000, used: 0, usedPercent: 0 },
  disks: ['/', '/home', '/var'].map((mount) => ({ mount, fs: 'ext4', total: 100_000_000_000, used: 40_000_000_000, free: 60_000_000_000, usedPercent: 40 })),
  net: ['eth0', 'wlan0'].map((iface) => ({ iface, rxRate: 1234.5, txRate: 567.8, rxBytes: 123_456_789, txBytes: 98_765_432 })),
  temperature: { cpu: 48.2 }, uptime: 123_456, processes: i,
});

async function run(name: string, dir: string | undefined): Promise<Array<string | number>> {
  const buffer = await SampleBuffer.open({ ...(dir ? { dir } : {}), maxSamples: samples, maxBytes: 1 << 30, clock: systemClock, log });
  const lat: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < samples; i += 1) {
    const t = performance.now();
    const e = await buffer.add(sample(i));
    lat.push(performance.now() - t);
    bytes += e.bytes;
    // Release as the ingest would, a second's worth at a time, so segment deletion is in the figures.
    if (i % 5 === 4) buffer.release(e.seq);
  }
  const wall = performance.now() - start;
  loop.disable();
  await buffer.close();
  lat.sort((a, b) => a - b);
  const f = (n: number): string => n.toFixed(3);
  return [name, samples, Math.round(bytes / samples), f(percentile(lat, 50)), f(percentile(lat, 99)), f(lat.at(-1)!), Math.round(samples / (wall / 1000)), dir ? f(loop.max / 1e6) : '– (never yields)'];
}

const base = values.dir ?? tmpdir();
const dir = mkdtempSync(join(base, 'vigie-bench-journal-'));
try {
  const rows = [await run('memory only', undefined), await run(`journal (fdatasync per sample) in ${base}`, join(dir, 'agent', 'bench'))];
  process.stdout.write(`${markdownTable(['buffer', 'samples', 'bytes/sample', 'add ms p50', 'add ms p99', 'add ms max', 'samples/s', 'event-loop block ms max'], rows)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
