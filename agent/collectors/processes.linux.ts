import { readdir } from 'node:fs/promises';
import { underRoot } from './procfs.js';

/** Processes = the numeric folders of /proc (threads live under /proc/<pid>/task and are not counted). */
export async function countLinuxProcesses(root: string | undefined): Promise<number> {
  let n = 0;
  for (const name of await readdir(underRoot(root, 'proc'))) if (/^\d+$/.test(name)) n += 1;
  return n;
}
