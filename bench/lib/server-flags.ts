import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../core/heap.js';

/**
 * The Node flags of a bench's server process: those users run it with
 * (core/heap.ts SERVER_NODE_FLAGS), then BENCH_SERVER_ARGS (space-separated,
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`); a V8 flag given twice takes
 * the last value, so BENCH_SERVER_ARGS=--max-semi-space-size=16 compares.
 */
export function benchServerFlags(): string[] {
  return [...SERVER_NODE_FLAGS, ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter((f) => f !== '')];
}

/** The environment of a bench's server process: this one's, with what users run it with (core/heap.ts SERVER_ENV). */
export function benchServerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...SERVER_ENV };
}
