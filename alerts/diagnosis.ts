import type { CommandFn } from '../ingest/types.js';
import type { Proc } from '../protocol/schemas/command.js';
import { ruleParts } from './advice.js';
import type { Alert } from './types.js';

const MiB = 2 ** 20;
const size = (bytes: number): string => (bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`);
const proc = (p: Proc): string => `${String(p.pid).padStart(7)}  ${p.cpu.toFixed(0).padStart(4)} % CPU  ${p.memPercent.toFixed(1).padStart(5)} % mem  ${size(p.rss).padStart(9)}  ${p.name}`;

/**
 * Turns an alert into the one read-only request worth asking its agent
 * (top processes for CPU, load and memory; largest directories for a disk;
 * last log lines for a service), and its answer into lines a person reads.
 * Offline and temperature alerts ask nothing. Never rejects: a failure is a
 * line saying why.
 */
export function createDiagnosis(command: CommandFn, opts: { timeoutMs?: number } = {}): (alert: Alert) => Promise<string[]> {
  const timeout = { timeoutMs: opts.timeoutMs ?? 15_000 };
  return async (alert) => {
    const { family, arg } = ruleParts(alert.rule);
    if (family === 'cpu' || family === 'load' || family === 'mem' || family === 'swap') {
      const answer = await command(alert.host, 'top', { limit: 5 }, timeout);
      if (!answer.ok) return [`(no process list: ${answer.error.message})`];
      const byMem = family === 'mem' || family === 'swap';
      return [byMem ? 'Top processes by memory:' : 'Top processes by CPU:', ...(byMem ? answer.data.byMem : answer.data.byCpu).map(proc)];
    }
    if (family === 'disk' || family === 'disk_forecast') {
      const answer = await command(alert.host, 'du', { mount: arg, depth: 2, limit: 8 }, timeout);
      if (!answer.ok) return [`(no directory sizes: ${answer.error.message})`];
      return [
        `Largest directories on ${arg}${answer.data.truncated ? ' (partial: the walk was cut short)' : ''}:`,
        ...answer.data.entries.map((e) => `${size(e.bytes).padStart(9)}  ${e.path}`),
      ];
    }
    if (family === 'service') {
      const answer = await command(alert.host, 'service-log', { service: arg, lines: 15 }, timeout);
      if (!answer.ok) return [`(no log: ${answer.error.message})`];
      if (answer.data.lines.length === 0) return [`(no log lines${answer.data.note ? `: ${answer.data.note}` : ''})`];
      return [`Last log lines of ${arg}:`, ...answer.data.lines];
    }
    return [];
  };
}

/**
 * The diagnosis lines read back (the alert keeps only its lines): written
 * above, read here, so the one format has one owner. Used by the suggested
 * fixes (alerts/fixes.ts, issue 14).
 */
export interface DiagnosedProcess { pid: number; cpu: number; name: string }
export interface DiagnosedDir { path: string; bytes: number }

const PROC_LINE = /^\s*(\d+)\s+(\d+) % CPU\s+[\d.]+ % mem\s+[\d.]+ (?:MiB|GiB)\s+(.+)$/;
const DIR_LINE = /^\s*([\d.]+) (MiB|GiB)\s+(\/.*)$/;

/** The processes of a "Top processes by CPU:" block, in its order (the busiest first); [] when there is none. */
export function diagnosedProcesses(lines: readonly string[]): DiagnosedProcess[] {
  const start = lines.indexOf('Top processes by CPU:');
  if (start < 0) return [];
  const out: DiagnosedProcess[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = PROC_LINE.exec(line);
    if (!m) break;
    out.push({ pid: Number(m[1]), cpu: Number(m[2]), name: m[3]!.trim() });
  }
  return out;
}

/** The directories of a "Largest directories on …:" block, sizes back in bytes (to the MiB shown). */
export function diagnosedDirs(lines: readonly string[]): DiagnosedDir[] {
  const start = lines.findIndex((l) => l.startsWith('Largest directories on '));
  if (start < 0) return [];
  const out: DiagnosedDir[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = DIR_LINE.exec(line);
    if (!m) break;
    out.push({ path: m[3]!, bytes: Math.round(Number(m[1]) * (m[2] === 'GiB' ? 1024 * MiB : MiB)) });
  }
  return out;
}
