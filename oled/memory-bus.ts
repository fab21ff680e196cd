import type { I2cBus } from './ssd1306.js';

/** One recorded transaction. */
export interface BusWrite {
  address: number;
  bytes: number[];
}

/**
 * An I2C bus in memory (STYLE §12): it records every write, and can be told to
 * fail — as an unplugged display does — and to work again. Used by the tests
 * and wherever a bus is needed without hardware.
 */
export interface MemoryBus extends I2cBus {
  readonly writes: BusWrite[];
  /** While set, every write rejects with this error. */
  failWith: NodeJS.ErrnoException | null;
  /** How many times close() was called. */
  closed: number;
}

export function createMemoryBus(): MemoryBus {
  const bus: MemoryBus = {
    writes: [],
    failWith: null,
    closed: 0,
    write: async (address, bytes) => {
      if (bus.failWith) throw bus.failWith;
      bus.writes.push({ address, bytes: [...bytes] });
    },
    close: async () => {
      bus.closed += 1;
    },
  };
  return bus;
}
