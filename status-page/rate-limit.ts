import type { Clock } from '../core/time.js';

/**
 * A fixed-window request budget per client address: at most `limit`
 * requests per `windowMs`. The table is bounded: past `maxClients`
 * addresses, finished windows are dropped first, then the oldest.
 */
export interface RateLimiter {
  /** Counts one request; returns 0 when allowed, else the seconds to wait. */
  take(client: string): number;
}

export function createRateLimiter(opts: { limit: number; windowMs: number; clock: Clock; maxClients?: number }): RateLimiter {
  const maxClients = opts.maxClients ?? 10_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(client) {
      const now = opts.clock.now();
      let w = windows.get(client);
      if (!w || now - w.start >= opts.windowMs) {
        if (!w && windows.size >= maxClients) {
          for (const [key, old] of windows) if (now - old.start >= opts.windowMs) windows.delete(key);
          if (windows.size >= maxClients) windows.delete(windows.keys().next().value as string);
        }
        w = { start: now, count: 0 };
        windows.delete(client); // re-insert: Map order stays oldest window first
        windows.set(client, w);
      }
      w.count += 1;
      if (w.count <= opts.limit) return 0;
      return Math.max(1, Math.ceil((w.start + opts.windowMs - now) / 1000));
    },
  };
}
