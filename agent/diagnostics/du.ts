import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMAND_LIMITS, type DuData } from '../../protocol/payloads.js';
import { mapLimit } from './pool.js';

export interface DiskUsageOptions {
  /** The mount point to walk (already checked to be one the agent reports). */
  mount: string;
  /** Directory levels below the mount to report (1..3). */
  depth: number;
  /** Directories reported, largest first. */
  limit: number;
  /** Milliseconds the walk may take; checked before each directory and batch of entries. */
  budgetMs: number;
  /** Directory entries examined at most (default 2,000,000). */
  maxEntries?: number;
  signal?: AbortSignal;
}

/** lstat calls in flight at once: enough to keep the disk busy, far under the descriptor limit. */
const CONCURRENCY = 32;
/** Inodes with several hard links remembered so they are counted once, as du does; bounded. */
const MAX_LINKED_INODES = 100_000;

interface Dir {
  path: string;
  /** Levels below the mount (the mount is 0). */
  level: number;
  /** Reported directories this one lies in (itself included when level ≤ depth): each gets its sizes. */
  credit: string[];
}

/** Space a file takes on disk: allocated 512-byte blocks (stat(2) st_blocks) where the OS reports them, else its size. */
const onDisk = (s: Stats): number => (typeof s.blocks === 'number' && s.blocks >= 0 && process.platform !== 'win32' ? s.blocks * 512 : s.size);

/**
 * The `du` action: walks `mount` without leaving its file system (st_dev
 * differs on another mount), without following symbolic links (lstat, and
 * a link is counted as itself), skipping directories it may not read, and
 * stopping when the time or entry budget runs out — then `truncated` is true
 * and the sizes are lower bounds. Returns the largest directories 1..depth
 * levels below the mount.
 */
export async function diskUsage(opts: DiskUsageOptions): Promise<DuData> {
  const started = performance.now();
  const deadline = started + opts.budgetMs;
  const maxEntries = opts.maxEntries ?? 2_000_000;
  const root = await lstat(opts.mount);
  if (!root.isDirectory()) throw new Error(`${opts.mount} is not a directory`);
  const sizes = new Map<string, number>();
  const linked = new Set<string>();
  let total = onDisk(root);
  let seen = 0;
  let skipped = 0;
  let truncated = false;
  const outOfBudget = (): boolean => {
    if (opts.signal?.aborted || performance.now() > deadline || seen >= maxEntries) truncated = true;
    return truncated;
  };

  // Depth-first with an explicit stack: a deep tree cannot overflow the call stack.
  const stack: Dir[] = [{ path: opts.mount, level: 0, credit: [] }];
  walk: while (stack.length > 0) {
    if (outOfBudget()) break;
    const dir = stack.pop() as Dir;
    let names: string[];
    try {
      names = await readdir(dir.path);
    } catch {
      skipped += 1; // unreadable (EACCES) or gone since listed
      continue;
    }
    for (let i = 0; i < names.length; i += CONCURRENCY * 4) {
      if (outOfBudget()) break walk;
      const batch = names.slice(i, i + CONCURRENCY * 4);
      seen += batch.length;
      const stats = await mapLimit(batch, CONCURRENCY, (name) => lstat(join(dir.path, name)).catch(() => null));
      batch.forEach((name, j) => {
        const s = stats[j];
        if (!s) return;
        if (s.isDirectory() && s.dev !== root.dev) return; // another file system mounted here: not ours to count
        if (s.nlink > 1 && !s.isDirectory()) {
          const key = `${s.dev}:${s.ino}`;
          if (linked.has(key)) return;
          if (linked.size < MAX_LINKED_INODES) linked.add(key);
        }
        const bytes = onDisk(s);
        total += bytes;
        for (const p of dir.credit) sizes.set(p, (sizes.get(p) ?? 0) + bytes);
        if (!s.isDirectory()) return;
        const path = join(dir.path, name);
        const level = dir.level + 1;
        const reported = level <= opts.depth && path.length <= COMMAND_LIMITS.pathLength;
        if (reported) sizes.set(path, bytes);
        stack.push({ path, level, credit: reported ? [...dir.credit, path] : dir.credit });
      });
    }
  }

  const entries = [...sizes].map(([path, bytes]) => ({ path, bytes })).sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path)).slice(0, opts.limit);
  return { mount: opts.mount, entries, total, truncated, skipped, elapsed: Math.round(performance.now() - started) / 1000 };
}
