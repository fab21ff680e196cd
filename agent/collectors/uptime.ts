import { uptime } from 'node:os';
import { readLinuxUptime } from './uptime.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

/** `uptime`: seconds since boot. */
export function createUptimeCollector(opts: CollectorOptions = {}): Collector {
  // os.uptime() is a syscall on every OS; nothing from systeminformation is needed here.
  const read = (opts.source ?? defaultSource()) === 'procfs' ? () => readLinuxUptime(opts.root) : async () => Math.round(uptime());
  return { name: 'uptime', collect: async () => ({ uptime: await read() }) };
}
