import { loadavg } from 'node:os';
import { loadSi } from './si.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { round } from '../../protocol/units.js';
import { createLinuxCpu } from './cpu.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

export type CpuMetrics = NonNullable<MetricsPayload['cpu']>;

/**
 * `cpu`: usage % since the previous sample (the first sample: since boot),
 * load averages, iowait % where the OS gives it (Linux), online cores.
 */
export function createCpuCollector(opts: CollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? createLinuxCpu(opts.root) : readWithSysteminformation;
  return { name: 'cpu', collect: async () => ({ cpu: await read() }) };
}

// systeminformation keeps its own previous counters (module level, inside the library).
async function readWithSysteminformation(): Promise<CpuMetrics> {
  const load = await (await loadSi()).currentLoad();
  const [load1 = 0, load5 = 0, load15 = 0] = loadavg(); // zeros on Windows, which has no load average
  const cpu: CpuMetrics = { usage: round(clamp(load.currentLoad)), load1, load5, load15, cores: load.cpus.length };
  return cpu;
}

const clamp = (v: number): number => (Number.isFinite(v) ? Math.min(100, Math.max(0, v)) : 0);
