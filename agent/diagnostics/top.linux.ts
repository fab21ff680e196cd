import { readdir, readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import type { Proc } from '../../protocol/payloads.js';
import { underRoot } from '../collectors/procfs.js';
import { mapLimit, sleep } from './pool.js';

/**
 * Clock ticks per second of /proc/<pid>/stat times. The kernel exports them
 * in USER_HZ, fixed at 100 on every architecture Node runs on (proc(5),
 * "utime … measured in clock ticks (divide by sysconf(_SC_CLK_TCK))").
 */
const USER_HZ = 100;
/** Files read at once: far under the default descriptor limit of 1024. */
const CONCURRENCY = 32;

/** What /proc/<pid>/stat gives: name and CPU time so far. */
export interface ProcStat {
  name: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/**
 * Parses /proc/<pid>/stat. The name (comm) is in parentheses and may itself
 * hold spaces and parentheses, so fields are counted from the LAST `)`;
 * utime and stime are fields 14 and 15 (proc(5)).
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime (14) is fields[11], stime (15) fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { name: text.slice(open + 1, close), ticks: utime + stime };
}

/** VmRSS (bytes; absent for kernel threads → 0) and the real uid from /proc/<pid>/status. */
export function parseProcStatus(text: string): { rss: number; uid: number | undefined } {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  return { rss: rss?.[1] ? Number(rss[1]) * 1024 : 0, uid: uid?.[1] ? Number(uid[1]) : undefined };
}

/** uid → user name from /etc/passwd (name:x:uid:…); an unreadable file gives an empty map. */
export function parsePasswd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid)) out.set(Number(uid), name);
  }
  return out;
}

const readOrNull = (path: string): Promise<string | null> => readFile(path, 'utf8').catch(() => null);

async function listPids(root: string | undefined): Promise<string[]> {
  return (await readdir(underRoot(root, 'proc'))).filter((n) => /^\d+$/.test(n));
}

/** One reading of every process's CPU ticks; processes that vanish while read are left out. */
async function readTicks(root: string | undefined): Promise<{ ticks: Map<string, number>; at: number }> {
  const pids = await listPids(root);
  const start = performance.now();
  const ticks = new Map<string, number>();
  await mapLimit(pids, CONCURRENCY, async (pid) => {
    const stat = await readOrNull(underRoot(root, `proc/${pid}/stat`));
    const parsed = stat ? parseProcStat(stat) : null;
    if (parsed) ticks.set(pid, parsed.ticks);
  });
  // The middle of the pass: the reading of an average process.
  return { ticks, at: (start + performance.now()) / 2 };
}

export interface LinuxTopOptions {
  /** Filesystem root holding proc/ and etc/ (fixtures); default `/`. */
  root?: string;
  /** Milliseconds between the two readings (default 500). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Every process with its CPU use between two readings of /proc/<pid>/stat
 * `intervalMs` apart, as percent of ONE core (like top's default Irix mode:
 * a process spinning on one core shows 100), and its resident memory from
 * /proc/<pid>/status. A process born between the readings is charged all
 * its ticks (it used them within the interval).
 */
export async function readLinuxProcesses(opts: LinuxTopOptions = {}): Promise<{ procs: Proc[]; interval: number }> {
  const { root, signal } = opts;
  const first = await readTicks(root);
  await sleep(opts.intervalMs ?? 500, signal);
  const pids = await listPids(root);
  const start = performance.now();
  const users = parsePasswd((await readOrNull(underRoot(root, 'etc/passwd'))) ?? '');
  const memTotal = totalmem();
  const procs: Proc[] = [];
  const raw = await mapLimit(pids, CONCURRENCY, async (pid) => {
    if (signal?.aborted) return null;
    const [stat, status] = await Promise.all([readOrNull(underRoot(root, `proc/${pid}/stat`)), readOrNull(underRoot(root, `proc/${pid}/status`))]);
    const s = stat ? parseProcStat(stat) : null;
    return s && status ? { pid, s, st: parseProcStatus(status) } : null;
  });
  signal?.throwIfAborted();
  const seconds = Math.max(0.001, ((start + performance.now()) / 2 - first.at) / 1000);
  for (const r of raw) {
    if (!r) continue;
    const before = first.ticks.get(r.pid) ?? 0;
    const cpu = (Math.max(0, r.s.ticks - before) / USER_HZ / seconds) * 100;
    const user = r.st.uid === undefined ? undefined : users.get(r.st.uid) ?? String(r.st.uid);
    procs.push({
      pid: Number(r.pid),
      name: r.s.name.slice(0, 64),
      cpu: Math.min(100_000, Math.round(cpu * 10) / 10),
      memPercent: memTotal > 0 ? Math.min(100, Math.round((r.st.rss / memTotal) * 1000) / 10) : 0,
      rss: r.st.rss,
      ...(user !== undefined ? { user: user.slice(0, 64) } : {}),
    });
  }
  return { procs, interval: Math.round(seconds * 1000) / 1000 };
}
