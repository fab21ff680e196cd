import { loadSi } from './si.js';
import { round } from '../../protocol/units.js';
import { readLinuxCpuTemperature } from './temperature.linux.js';
import { defaultSource, type Collector, type CollectorOptions } from './types.js';

/** `temperature.cpu`: °C, or null when the OS gives no CPU sensor (VMs, most Windows hosts without WMI sensors). */
export function createTemperatureCollector(opts: CollectorOptions = {}): Collector {
  const read = (opts.source ?? defaultSource()) === 'procfs' ? () => readLinuxCpuTemperature(opts.root) : readWithSysteminformation;
  return { name: 'temperature', collect: async () => ({ temperature: { cpu: await read() } }) };
}

async function readWithSysteminformation(): Promise<number | null> {
  const t = await (await loadSi()).cpuTemperature();
  // systeminformation reports a missing sensor as null or -1.
  return typeof t.main === 'number' && t.main > -100 && t.main < 250 && t.main !== -1 ? round(t.main, 1) : null;
}
