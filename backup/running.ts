import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/private-files.js';

/**
 * Which processes are using a data directory: each `vigie up|server|broker`
 * writes `<dataDir>/run/<pid>.json` when it starts and removes it when it
 * closes. One file per process, not one exclusive lock, because `vigie
 * broker` and `vigie server` on one box legitimately share a data directory
 * (accounts.db). `vigie restore` refuses while any of them is alive.
 *
 * A process killed with SIGKILL leaves its file: it is stale once no
 * process has that pid on this machine, and is then ignored. (A stale file
 * whose pid was reused by an unrelated process still counts as running: the
 * error names the file, which can be removed by hand.)
 */
export const RUN_DIR = 'run';

export interface RunningProcess {
  pid: number;
  role: string;
  startedAt: string;
  host: string;
  file: string;
}

/** Records this process in `<dataDir>/run/`; the returned function removes the record (idempotent). */
export function markRunning(dataDir: string, role: string): () => void {
  const dir = join(dataDir, RUN_DIR);
  ensurePrivateDir(dir);
  const file = join(dir, `${process.pid}.json`);
  writeFileSync(file, `${JSON.stringify({ pid: process.pid, role, startedAt: new Date().toISOString(), host: hostname() })}\n`, { mode: PRIVATE_FILE_MODE });
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    rmSync(file, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (a server run by the service account).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live Vigie processes recorded in `dataDir` (stale records are skipped; this process counts too). */
export function runningProcesses(dataDir: string): RunningProcess[] {
  const dir = join(dataDir, RUN_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: RunningProcess[] = [];
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    let info: Partial<RunningProcess> = {};
    try {
      info = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunningProcess>;
    } catch {
      // a half-written record still names its pid
    }
    const pid = Number(m[1]);
    // Another machine's record (a data directory on shared storage): its pid means nothing here, so it counts.
    const foreign = typeof info.host === 'string' && info.host !== hostname();
    if (foreign || alive(pid)) out.push({ pid, role: String(info.role ?? '?'), startedAt: String(info.startedAt ?? '?'), host: String(info.host ?? hostname()), file });
  }
  return out;
}

