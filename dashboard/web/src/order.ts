/**
 * The order of host ids on screen, shared with the server's overview list
 * (dashboard/server/live.ts): plain code-unit order, which is cheap, total
 * and the same in every locale (ids are [a-z0-9._-], issue 11).
 */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where `id` goes in `sorted` (ascending, no duplicates): the index of the first id after it. */
export function sortedIndex(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
