import { percent, round } from '../../protocol/units.js';
import type { MemMetrics, SwapMetrics } from './mem.js';
import { need, parseKeyValues, readText } from './procfs.js';

/**
 * Memory from /proc/meminfo. used = MemTotal − MemAvailable, as `free` and
 * node_exporter users expect; kernels before 3.14 have no MemAvailable, so
 * it is estimated as MemFree + Buffers + Cached there.
 */
export function parseMem(meminfo: string): MemMetrics {
  const kv = parseKeyValues(meminfo);
  const total = need(kv.get('MemTotal'), 'proc/meminfo MemTotal');
  const available = Math.min(total, kv.get('MemAvailable') ?? need(kv.get('MemFree'), 'proc/meminfo MemFree') + (kv.get('Buffers') ?? 0) + (kv.get('Cached') ?? 0));
  const used = total - available;
  return { total, used, available, usedPercent: round(percent(used, total)) };
}

/** Swap from /proc/meminfo: used = SwapTotal − SwapFree; 0 % when there is no swap. */
export function parseSwap(meminfo: string): SwapMetrics {
  const kv = parseKeyValues(meminfo);
  const total = need(kv.get('SwapTotal'), 'proc/meminfo SwapTotal');
  const used = Math.max(0, total - need(kv.get('SwapFree'), 'proc/meminfo SwapFree'));
  return { total, used, usedPercent: round(percent(used, total)) };
}

export const readMeminfo = (root: string | undefined): Promise<string> => readText(root, 'proc/meminfo');
