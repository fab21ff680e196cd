import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc()`, without `node --expose-gc`: the flag set at run time is seen by a new context. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of live heap, read after two full collections (the second takes what the first only finalised). */
export function settledHeapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
