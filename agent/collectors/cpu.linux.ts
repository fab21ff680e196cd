import { round } from '../../protocol/units.js';
import type { CpuMetrics } from './cpu.js';
import { need, readText } from './procfs.js';

/** Cumulative jiffies of the `cpu` line of /proc/stat, and the count of `cpuN` lines. */
export interface CpuTimes {
  busy: number;
  idle: number;
  iowait: number;
  total: number;
  cores: number;
}

/**
 * Parses /proc/stat (proc(5)): `cpu user nice system idle iowait irq softirq
 * steal guest guest_nice`. guest and guest_nice are already counted in user
 * and nice, so they are left out of the total.
 */
export function parseProcStat(text: string): CpuTimes {
  let cores = 0;
  let times: number[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) times = line.trim().split(/\s+/).slice(1, 9).map(Number);
    else if (/^cpu\d+\s/.test(line)) cores += 1;
  }
  if (!times || times.length < 4 || times.some((t) => !Number.isFinite(t))) throw new Error('proc/stat: no valid "cpu" line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = times;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, idle, iowait, total, cores };
}

/** /proc/loadavg: `0.37 0.53 0.29 2/90 4958`. */
export function parseLoadavg(text: string): [number, number, number] {
  const [a, b, c] = text.trim().split(/\s+/).map(Number);
  return [need(a, 'proc/loadavg load1'), need(b, 'proc/loadavg load5'), need(c, 'proc/loadavg load15')];
}

/** Usage and iowait between two readings; the first reading is compared with boot (all zeros). */
export function cpuUsage(prev: CpuTimes | undefined, cur: CpuTimes): { usage: number; iowait: number } {
  const dTotal = cur.total - (prev?.total ?? 0);
  // A counter that went back (CPU hot-unplug) or no tick elapsed: report idle rather than nonsense.
  if (!(dTotal > 0)) return { usage: 0, iowait: 0 };
  const pct = (d: number): number => round(Math.min(100, Math.max(0, (d / dTotal) * 100)));
  return { usage: pct(cur.busy - (prev?.busy ?? 0)), iowait: pct(cur.iowait - (prev?.iowait ?? 0)) };
}

/** The /proc collector: previous counters live in this closure. */
export function createLinuxCpu(root: string | undefined): () => Promise<CpuMetrics> {
  let prev: CpuTimes | undefined;
  return async () => {
    const [stat, loadavg] = await Promise.all([readText(root, 'proc/stat'), readText(root, 'proc/loadavg')]);
    const cur = parseProcStat(stat);
    const [load1, load5, load15] = parseLoadavg(loadavg);
    const { usage, iowait } = cpuUsage(prev, cur);
    prev = cur;
    return { usage, iowait, load1, load5, load15, cores: cur.cores };
  };
}
