import { setFlagsFromString } from 'node:v8';

/**
 * How much V8 lets the old generation grow past what the last full GC kept,
 * in percent, for the long-running server processes (issue 16). By default V8
 * lets a busy heap grow far ahead of its live set before collecting: at 1,000
 * agents the live heap is ~60 MiB but the server's RSS climbed past 380 MiB
 * within minutes. 15 % keeps it near the live set (flat ~190 MiB at 1,000
 * agents, bench/pipeline --soak) for a few percent more GC time, and unlike
 * --max-old-space-size it sets no ceiling a large fleet could hit.
 */
export const SERVER_HEAP_GROWING_PERCENT = 15;

let tuned = false;

/** Applies SERVER_HEAP_GROWING_PERCENT to this process, once. V8 reads it at every GC, so it works after start. */
export function tuneServerHeap(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
}
