export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

export interface BatchThrottle<K> {
  /** Says `key` changed: it goes out now if no batch went out within the window, else in the batch at its end. */
  touch(key: K): void;
  /** Drops the pending batch and its timer. */
  close(): void;
}

/**
 * Changed keys go out in batches, at most one batch per `windowMs`, leading
 * and trailing: after a quiet window the first change goes out at once;
 * changes inside the window collect, each key once, into one batch at its
 * end. So each key goes out at most once per window, and a thousand keys
 * changing cost one `emit` per window instead of a thousand. `emit` reads the
 * current state when it runs, so the latest values win and the last change is
 * never lost. Window 0: every change goes out at once.
 */
export function createBatchThrottle<K>(windowMs: number, emit: (keys: K[]) => void, timers: Timers = realTimers): BatchThrottle<K> {
  let batch = new Set<K>();
  let timer: unknown;
  let closed = false;

  const arm = (): void => {
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (closed || batch.size === 0) return; // a quiet window: the next change goes out at once
      const keys = [...batch];
      batch = new Set();
      arm();
      emit(keys);
    }, windowMs);
  };

  return {
    touch(key) {
      if (closed) return;
      if (windowMs <= 0) {
        emit([key]);
        return;
      }
      if (timer !== undefined) {
        batch.add(key);
        return;
      }
      arm();
      emit([key]);
    },
    close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      batch.clear();
    },
  };
}
