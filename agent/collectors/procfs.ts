import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `root` joined with a path under it: `procPath('/', 'proc/stat')` → `/proc/stat`. */
export function underRoot(root: string | undefined, rel: string): string {
  return join(root ?? '/', rel);
}

/** Reads a small kernel file as text (procfs and sysfs files report size 0, so readFile reads to EOF). */
export function readText(root: string | undefined, rel: string): Promise<string> {
  return readFile(underRoot(root, rel), 'utf8');
}

/**
 * Parses `Key:   123 kB` lines (/proc/meminfo) into bytes; values without a
 * unit are kept as they are.
 */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** Throws a clear error naming the file and what was missing: a malformed file is a failed collector. */
export function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new Error(`${what} is missing or not a number`);
  }
  return value;
}
