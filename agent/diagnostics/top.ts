import { cpus } from 'node:os';
import type { Proc, TopData } from '../../protocol/payloads.js';
import { loadSi } from '../collectors/si.js';
import { sleep } from './pool.js';
import { readLinuxProcesses } from './top.linux.js';

export interface TopOptions {
  limit: number;
  /** Milliseconds between the two readings CPU use is measured over (default 500). */
  intervalMs?: number;
  signal?: AbortSignal;
  platform?: NodeJS.Platform;
  /** Linux: filesystem root holding proc/ (fixtures). */
  root?: string;
}

/** The `top` action: the `limit` processes using the most CPU, and the `limit` using the most memory. */
export async function top(opts: TopOptions): Promise<TopData> {
  const platform = opts.platform ?? process.platform;
  const intervalMs = opts.intervalMs ?? 500;
  const { procs, interval } = platform === 'linux'
    ? await readLinuxProcesses({ intervalMs, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.root ? { root: opts.root } : {}) })
    : await readWithSysteminformation(intervalMs, platform, opts.signal);
  return { cores: cpus().length, interval, ...rank(procs, opts.limit) };
}

/** Largest first; ties by pid so the order is stable. */
export function rank(procs: readonly Proc[], limit: number): { byCpu: Proc[]; byMem: Proc[] } {
  const by = (key: 'cpu' | 'rss') => [...procs].sort((a, b) => b[key] - a[key] || a.pid - b.pid).slice(0, limit);
  return { byCpu: by('cpu'), byMem: by('rss') };
}

/**
 * Elsewhere, systeminformation (loaded lazily: ~11 MiB the Linux path never
 * needs). Its CPU figure comes from the difference with its previous call,
 * so it is called twice `intervalMs` apart. On Windows it is a share of the
 * whole machine (lib/processes.js calcProcStatWin), so it is scaled to one
 * core like everywhere else; on macOS it is ps's %CPU, already per core.
 */
async function readWithSysteminformation(intervalMs: number, platform: NodeJS.Platform, signal?: AbortSignal): Promise<{ procs: Proc[]; interval: number }> {
  const si = await loadSi();
  await si.processes();
  const started = Date.now();
  await sleep(intervalMs, signal);
  const { list } = await si.processes();
  signal?.throwIfAborted();
  const scale = platform === 'win32' ? cpus().length : 1;
  const finite = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);
  const procs = list.map((p): Proc => ({
    pid: Math.max(0, Math.trunc(finite(p.pid))),
    name: (p.name || '?').slice(0, 64),
    cpu: Math.min(100_000, Math.round(finite(p.cpu) * scale * 10) / 10),
    memPercent: Math.min(100, Math.round(finite(p.mem) * 10) / 10),
    rss: Math.round(finite(p.memRss) * 1024), // systeminformation reports KiB
    ...(p.user ? { user: p.user.slice(0, 64) } : {}),
  }));
  return { procs, interval: (Date.now() - started) / 1000 };
}
