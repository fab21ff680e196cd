import { loadSi } from './si.js';
import type { DiskMetrics } from '../../protocol/payloads.js';
import { percent, round } from '../../protocol/units.js';
import { createLinuxDisks, isIgnoredFs, type Statfs } from './disks.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

export interface DisksCollectorOptions extends CollectorOptions {
  /** Linux: statfs(2); fixtures supply recorded results. */
  statfs?: Statfs;
}

/** `disks`: one entry per real filesystem (pseudo ones left out, one per device): sizes in bytes, used %. */
export function createDisksCollector(opts: DisksCollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? createLinuxDisks(opts.root, opts.statfs) : readWithSysteminformation;
  return { name: 'disks', collect: async () => ({ disks: await read() }) };
}

async function readWithSysteminformation(): Promise<DiskMetrics[]> {
  const seen = new Set<string>();
  const out: DiskMetrics[] = [];
  for (const d of await (await loadSi()).fsSize()) {
    if (!d.mount || isIgnoredFs(d.type) || d.size <= 0 || seen.has(d.fs)) continue;
    seen.add(d.fs);
    const used = Math.max(0, Math.min(d.size, d.used));
    const free = Math.max(0, Math.min(d.size, d.available));
    out.push({ mount: d.mount, fs: d.type, total: d.size, used, free, usedPercent: round(percent(used, used + free)) });
  }
  return out.slice(0, 128);
}
