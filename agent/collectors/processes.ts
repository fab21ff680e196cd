import si from 'systeminformation';
import { countLinuxProcesses } from './processes.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

/** `processes`: how many processes exist (all states). */
export function createProcessesCollector(opts: CollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? () => countLinuxProcesses(opts.root) : async () => (await si.processes()).all;
  return { name: 'processes', collect: async () => ({ processes: await read() }) };
}
