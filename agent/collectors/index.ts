/**
 * The one collector registry (STYLE §4): a group's name → its factory. The
 * agent, the benchmark and the fixture tests all create collectors here.
 */
import { createCpuCollector } from './cpu.js';
import { createDisksCollector, type DisksCollectorOptions } from './disks.js';
import { createMemCollector } from './mem.js';
import { createNetCollector } from './net.js';
import { createProcessesCollector } from './processes.js';
import { createSwapCollector } from './swap.js';
import { createTemperatureCollector } from './temperature.js';
import type { Collector } from './types.js';
import { createUptimeCollector } from './uptime.js';

export type { Collector, CollectorOptions, CollectorSource, MetricGroups } from './types.js';

export const COLLECTORS = {
  cpu: createCpuCollector,
  mem: createMemCollector,
  swap: createSwapCollector,
  disks: createDisksCollector,
  net: createNetCollector,
  temperature: createTemperatureCollector,
  uptime: createUptimeCollector,
  processes: createProcessesCollector,
} as const satisfies Record<string, (opts?: DisksCollectorOptions) => Collector>;

export type CollectorName = keyof typeof COLLECTORS;
export const COLLECTOR_NAMES = Object.keys(COLLECTORS) as CollectorName[];

/** Every collector, with the same options (root, source, clock). */
export function createCollectors(opts: DisksCollectorOptions = {}, names: readonly CollectorName[] = COLLECTOR_NAMES): Collector[] {
  return names.map((name) => COLLECTORS[name](opts));
}
