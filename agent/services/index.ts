import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/time.js';
import { PROTOCOL_VERSION, type ServiceEntry, type ServicesPayload } from '../../protocol/payloads.js';
import { listSystemdServices, systemdUnavailable } from './systemd.js';
import { listWindowsServices } from './windows.js';

export type ListServices = () => Promise<ServiceEntry[]>;

/** The OS's service manager, or why there is none (logged once by the caller). */
export async function findServiceManager(platform: NodeJS.Platform = process.platform): Promise<{ list: ListServices } | { unavailable: string }> {
  if (platform === 'linux') {
    const why = await systemdUnavailable();
    return why ? { unavailable: why } : { list: listSystemdServices };
  }
  if (platform === 'win32') return { list: listWindowsServices };
  return { unavailable: `no service manager supported on ${platform}: services are not published` };
}

export interface ServiceMonitorOptions {
  list: ListServices;
  /** Seconds between checks; a change is published at once. */
  checkEvery: number;
  /** Seconds between publications when nothing changes. */
  publishEvery: number;
  clock: Clock;
  log: Logger;
  publish: (payload: ServicesPayload) => void;
}

/** Same services with the same state and enablement (lists are sorted by name). */
export function sameServices(a: readonly ServiceEntry[], b: readonly ServiceEntry[]): boolean {
  return a.length === b.length && a.every((s, i) => s.name === b[i]?.name && s.state === b[i]?.state && s.enabled === b[i]?.enabled);
}

/**
 * Checks services every `checkEvery` seconds and publishes when they changed
 * or `publishEvery` seconds have passed since the last publication.
 */
export function startServiceMonitor(opts: ServiceMonitorOptions): Handle {
  let last: { services: ServiceEntry[]; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const check = async (): Promise<void> => {
    try {
      const services = await opts.list();
      failures = 0;
      const now = opts.clock.now();
      if (!last || !sameServices(last.services, services) || now - last.at >= opts.publishEvery * 1000) {
        last = { services, at: now };
        if (!stopped) opts.publish({ v: PROTOCOL_VERSION, ts: Math.round(now), services });
      }
    } catch (error) {
      // Logged on the first failure and every hundredth: a broken systemctl should not fill the log.
      if (failures++ % 100 === 0) opts.log.warn({ err: error, failures }, 'listing services failed');
    }
    if (!stopped) timer = setTimeout(() => void check(), opts.checkEvery * 1000);
  };
  void check();
  return {
    close: onceClose(async () => {
      stopped = true;
      clearTimeout(timer);
    }),
  };
}
