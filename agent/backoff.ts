/**
 * Reconnect delays: the first is `minS`, each failure doubles it up to
 * `maxS`; a successful connection resets it. Seconds in, milliseconds out.
 */
export function createBackoff(minS: number, maxS: number) {
  const min = Math.max(1, Math.round(minS * 1000));
  const max = Math.max(min, Math.round(maxS * 1000));
  let next = min;
  return {
    /** The delay to wait now; the following one is doubled. */
    next(): number {
      const delay = next;
      next = Math.min(max, next * 2);
      return delay;
    },
    reset(): void {
      next = min;
    },
  };
}
