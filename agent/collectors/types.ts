import type { MetricsPayload } from '../../protocol/payloads.js';

/** The metric groups of a metrics payload (everything but `v` and `ts`). */
export type MetricGroups = Partial<Omit<MetricsPayload, 'v' | 'ts'>>;

/** One metric group's collector (STYLE §4): its state lives in the factory's closure. */
export interface Collector {
  readonly name: string;
  /** Reads the group now; rejects when it cannot (the sampler logs and skips it). */
  collect(): Promise<Partial<MetricsPayload>>;
}

/** Where a collector reads from: the kernel's files directly, or systeminformation. */
export type CollectorSource = 'procfs' | 'systeminformation';

export interface CollectorOptions {
  /** Linux: the folder holding `proc/` and `sys/` (default '/'); fixture tests point it at a folder. */
  root?: string;
  /** Default: procfs on Linux, systeminformation elsewhere (Windows, macOS). */
  source?: CollectorSource;
  /** Monotonic milliseconds, for rate collectors (default performance.now). */
  now?: () => number;
}

/** The default source for this platform: the /proc hot path on Linux (DESIGN, measured facts). */
export function defaultSource(): CollectorSource {
  return process.platform === 'linux' ? 'procfs' : 'systeminformation';
}
