/**
 * One copy of each string, for values repeated across many records: every
 * host lists `ssh.service` and `cron.service`, and 1,000 hosts' services lists
 * held 124,000 name strings (4.6 MiB) for a few hundred distinct names.
 * Bounded: past `max` distinct strings, new ones are returned as they came, so
 * hostile names cannot grow the pool without limit.
 */
export function createStringPool(max: number): (s: string) => string {
  const pool = new Map<string, string>();
  return (s) => {
    const known = pool.get(s);
    if (known !== undefined) return known;
    if (pool.size < max) pool.set(s, s);
    return s;
  };
}
