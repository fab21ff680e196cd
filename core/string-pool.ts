/**
 * One copy of each value, for values repeated across many records: every
 * host lists `ssh.service` and `cron.service`, and 1,000 hosts' services lists
 * held 124,000 name strings (4.6 MiB) for a few hundred distinct names.
 * Values with the same `keyOf` are taken as the same; `own` makes the copy
 * that is kept and returned (only when the key is new, so a value already
 * pooled costs no allocation). Bounded: past `max` distinct keys, new values
 * are returned owned but not kept, so hostile input cannot grow the pool
 * without limit. A shared value must never be changed: it belongs to every
 * record holding it.
 */
export function createPool<T>(max: number, keyOf: (value: T) => string, own: (value: T) => T = (v) => v): (value: T) => T {
  const pool = new Map<string, T>();
  return (value) => {
    const key = keyOf(value);
    const known = pool.get(key);
    if (known !== undefined) return known;
    const kept = own(value);
    if (pool.size < max) pool.set(key, kept);
    return kept;
  };
}

/** createPool for strings. */
export function createStringPool(max: number): (s: string) => string {
  return createPool<string>(max, (s) => s);
}
