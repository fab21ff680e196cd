import type { Clock } from '../core/time.js';

/**
 * Rendered answers kept `ttlMs` per key (slug + language + format), so a
 * page linked from a busy place costs one build per period. Concurrent
 * misses share one build; `clear()` drops everything (a page changed).
 */
export interface RenderCache {
  get(key: string, build: () => Promise<string>): Promise<string>;
  clear(): void;
}

export function createRenderCache(opts: { ttlMs: number; clock: Clock; maxEntries?: number }): RenderCache {
  const maxEntries = opts.maxEntries ?? 1000;
  const entries = new Map<string, { value: string; expires: number }>();
  const building = new Map<string, Promise<string>>();
  let generation = 0;
  return {
    async get(key, build) {
      const now = opts.clock.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value;
      const pending = building.get(key);
      if (pending) return pending;
      const startedIn = generation;
      const promise: Promise<string> = build()
        .then((value) => {
          // A build that began before a change must not be kept after it.
          if (startedIn === generation) {
            if (entries.size >= maxEntries) for (const [k, e] of entries) if (e.expires <= opts.clock.now() || entries.size >= maxEntries) entries.delete(k);
            entries.set(key, { value, expires: opts.clock.now() + opts.ttlMs });
          }
          return value;
        })
        .finally(() => {
          if (building.get(key) === promise) building.delete(key);
        });
      building.set(key, promise);
      return promise;
    },
    clear() {
      generation += 1;
      entries.clear();
      building.clear();
    },
  };
}
