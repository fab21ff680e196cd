import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What `info` says about the OS and the CPU; a field left out falls back to `node:os`. */
export interface HostIdentity {
  /** Default: `process.platform`. */
  platform?: string;
  distro?: string;
  release?: string;
  /** e.g. `Intel(R) Xeon(R) Processor`, `Raspberry Pi 4 Model B Rev 1.4`. */
  cpuModel?: string;
  /** Logical CPUs. */
  cores?: number;
  physicalCores?: number;
}

/** KEY=value lines of os-release(5), quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** Model, logical and physical cores from /proc/cpuinfo (x86: `model name`; a Raspberry Pi: `Model`). */
export function parseCpuInfo(text: string): Pick<HostIdentity, 'cpuModel' | 'cores' | 'physicalCores'> {
  let model: string | undefined;
  let boardModel: string | undefined;
  let cores = 0;
  let physicalId = '0';
  const physical = new Set<string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') cores += 1;
    else if (key === 'model name' && model === undefined) model = value;
    else if (key === 'Model') boardModel = value;
    else if (key === 'physical id') physicalId = value;
    else if (key === 'core id') physical.add(`${physicalId}/${value}`);
  }
  return {
    ...(model ?? boardModel ? { cpuModel: (model ?? boardModel)! } : {}),
    ...(cores > 0 ? { cores } : {}),
    ...(physical.size > 0 ? { physicalCores: physical.size } : {}),
  };
}

/**
 * Reads the identity from /etc/os-release and /proc/cpuinfo, so the Linux
 * agent never loads systeminformation (its modules and the Intl data they
 * touch cost ~10 MiB of RSS, a fifth of the agent's budget). An unreadable
 * file leaves its fields out.
 */
export async function readLinuxHostIdentity(root = '/'): Promise<HostIdentity> {
  const read = (path: string): Promise<string> => readFile(join(root, path), 'utf8').catch(() => '');
  const [osRelease, cpuInfo] = await Promise.all([
    read('etc/os-release').then(async (t) => t || read('usr/lib/os-release')),
    read('proc/cpuinfo'),
  ]);
  const os = parseOsRelease(osRelease);
  return {
    ...(os.NAME ? { distro: os.NAME } : {}),
    ...(os.VERSION_ID ?? os.BUILD_ID ? { release: (os.VERSION_ID ?? os.BUILD_ID)! } : {}),
    ...parseCpuInfo(cpuInfo),
  };
}
