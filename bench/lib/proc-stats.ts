import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user+system, with waited-for children) and RSS bytes of a process, from /proc. */
export function readProcStats(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces: it ends at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime! + stime! + cutime! + cstime!) / TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
}

/**
 * Watches a process for `durationS` seconds: its RSS once a second (MiB,
 * sorted ascending), and the CPU seconds it used over the wall time.
 */
export async function sampleProcess(pid: number, durationS: number): Promise<{ rssMiB: number[]; cpuSeconds: number; wallSeconds: number }> {
  const rssMiB: number[] = [];
  const cpuStart = readProcStats(pid).cpuSeconds;
  const start = performance.now();
  while (performance.now() - start < durationS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rssMiB.push(readProcStats(pid).rssBytes / 2 ** 20);
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const cpuSeconds = readProcStats(pid).cpuSeconds - cpuStart;
  return { rssMiB: rssMiB.sort((a, b) => a - b), cpuSeconds, wallSeconds };
}

/** Percentile of an ascending-sorted array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A markdown table from a header and rows; a NaN or infinite figure, or no row at all, sets a failing exit code. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  // A figure that could not be measured must not pass for one: the bench then exits non-zero.
  const bad = rows.length === 0 ? ['(no rows: nothing was measured)'] : rows.flatMap((row) =>
    row.flatMap((cell, i) => ((typeof cell === 'number' && !Number.isFinite(cell)) || (typeof cell === 'string' && /\bNaN\b|Infinity/.test(cell)) ? [`${header[i] ?? `column ${i + 1}`} = ${cell}`] : [])));
  if (bad.length > 0) {
    process.stderr.write(`bench: not measured: ${bad.join('; ')}\n`);
    process.exitCode = 1;
  }
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
