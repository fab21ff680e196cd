/**
 * Reconnect delays with AWS "full jitter": attempt n (from 0) waits
 * random(0, min(cap, base · 2^n)); a successful connection resets n.
 * Without jitter, hundreds of agents cut by one broker restart come back in
 * lock-step (issue 10, item 13: up to 88 connections per 250 ms); with a
 * small cap, a returned broker is noticed within `cap` seconds, well inside
 * the ingest's stale limit. Seconds in, milliseconds out.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function createBackoff(baseS: number, capS: number, random: () => number = Math.random) {
  const base = Math.max(1, Math.round(baseS * 1000));
  const cap = Math.max(base, Math.round(capS * 1000));
  let attempt = 0;
  return {
    /** The delay to wait now, in [0, min(cap, base · 2^attempt)); the envelope then doubles. */
    next(): number {
      const envelope = Math.min(cap, base * 2 ** Math.min(attempt, 30));
      attempt += 1;
      return Math.floor(random() * envelope);
    },
    /** The upper bound of the next delay (for logs and tests). */
    envelope(): number {
      return Math.min(cap, base * 2 ** Math.min(attempt, 30));
    },
    reset(): void {
      attempt = 0;
    },
  };
}
