import { systemClock, type Clock } from '../../core/time.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

export interface KeyedThrottle<K> {
  /** Says `key` changed: it is emitted now if its window is free, else once at the end of the window. */
  touch(key: K): void;
  /** Drops pending emissions and timers. */
  close(): void;
}

/**
 * At most one `emit(key)` per key per `windowMs`, leading and trailing: the
 * first change goes out at once, changes inside the window collapse into one
 * emission at its end. `emit` reads the current state when it runs, so the
 * latest values win and the last change is never lost.
 */
export function createKeyedThrottle<K>(windowMs: number, emit: (key: K) => void, clock: Clock = systemClock, timers: Timers = realTimers): KeyedThrottle<K> {
  const lastAt = new Map<K, number>();
  const pending = new Map<K, unknown>();
  let closed = false;

  const fire = (key: K): void => {
    lastAt.set(key, clock.now());
    emit(key);
  };

  return {
    touch(key) {
      if (closed || pending.has(key)) return;
      const last = lastAt.get(key);
      const wait = last === undefined ? 0 : last + windowMs - clock.now();
      if (wait <= 0) {
        fire(key);
        return;
      }
      pending.set(key, timers.setTimeout(() => {
        pending.delete(key);
        if (!closed) fire(key);
      }, wait));
    },
    close() {
      closed = true;
      for (const timer of pending.values()) timers.clearTimeout(timer);
      pending.clear();
      lastAt.clear();
    },
  };
}
