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
