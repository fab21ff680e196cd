import { loadSi } from './si.js';
import { countLinuxProcesses } from './processes.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

/** `processes`: how many processes exist (all states). */
export function createProcessesCollector(opts: CollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? () => countLinuxProcesses(opts.root) : async () => (await (await loadSi()).processes()).all;
  return { name: 'processes', collect: async () => ({ processes: await read() }) };
}
