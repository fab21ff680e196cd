import { loadSi } from './si.js';
import { percent, round } from '../../protocol/units.js';
import type { SwapMetrics } from './mem.js';
import { parseSwap, readMeminfo } from './mem.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

/** `swap`: total and used in bytes, used % (0 when the host has no swap). Windows reports its page file. */
export function createSwapCollector(opts: CollectorOptions = {}): Collector {
  const procfs = (opts.source ?? defaultSource()) === 'procfs';
  return {
    name: 'swap',
    collect: async () => ({ swap: procfs ? parseSwap(await readMeminfo(opts.root)) : await readWithSysteminformation() }),
  };
}

async function readWithSysteminformation(): Promise<SwapMetrics> {
  const m = await (await loadSi()).mem();
  const used = Math.max(0, Math.min(m.swaptotal, m.swapused));
  return { total: m.swaptotal, used, usedPercent: round(percent(used, m.swaptotal)) };
}
