import { MINUTE_MS, type Clock } from '../core/time.js';

export interface TransitionBudget {
  /** Counts one transition of `host`; false when it is past the host's budget for this minute. */
  take(host: string): boolean;
  /** Transitions past the budget since start (their diagnosis and notification were skipped). */
  suppressed(): number;
  forget(host: string): void;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Alert transitions a host may cause per minute before they go quiet (issue
 * 10, item 3): one agent sending 120 new mounts at 99 % would otherwise ask
 * for a diagnosis and send a notification per mount. Past the budget a
 * transition is still stored, published and shown (it is true), but asks
 * for no diagnosis, sends no notice and writes no event line; `onOver`
 * is called once per host and minute, so the admin learns which host it is.
 */
export function createTransitionBudget(opts: { perMinute: number; clock: Clock; onOver(host: string, perMinute: number): void }): TransitionBudget {
  const windows = new Map<string, Window>();
  let suppressed = 0;
  return {
    take(host) {
      const now = opts.clock.now();
      let w = windows.get(host);
      if (!w || now - w.start >= MINUTE_MS) windows.set(host, (w = { start: now, count: 0 }));
      w.count += 1;
      if (w.count <= opts.perMinute) return true;
      suppressed += 1;
      if (w.count === opts.perMinute + 1) opts.onOver(host, opts.perMinute);
      return false;
    },
    suppressed: () => suppressed,
    forget: (host) => void windows.delete(host),
  };
}
