import { loadSi } from './si.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { percent, round } from '../../protocol/units.js';
import { parseMem, readMeminfo } from './mem.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

export type MemMetrics = NonNullable<MetricsPayload['mem']>;
export type SwapMetrics = NonNullable<MetricsPayload['swap']>;

/** `mem`: total, used (total − available), available in bytes, and used %. */
export function createMemCollector(opts: CollectorOptions = {}): Collector {
  const procfs = (opts.source ?? defaultSource()) === 'procfs';
  return {
    name: 'mem',
    collect: async () => ({ mem: procfs ? parseMem(await readMeminfo(opts.root)) : await readWithSysteminformation() }),
  };
}

async function readWithSysteminformation(): Promise<MemMetrics> {
  const m = await (await loadSi()).mem();
  const available = Math.min(m.total, m.available);
  const used = m.total - available;
  return { total: m.total, used, available, usedPercent: round(percent(used, m.total)) };
}
