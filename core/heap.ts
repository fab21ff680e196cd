import { setFlagsFromString } from 'node:v8';
import { systemClock, type Clock } from './time.js';

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

/**
 * V8's background threads for the server processes (`--v8-pool-size`; Node
 * starts 4 whatever the machine). They run the garbage collector's parallel
 * and concurrent work, and the main thread waits for them to finish each
 * collection. With 4 of them beside the main thread and the SQLite writer on a
 * 2-core box, they wait for a core, and the main thread for them: at 1,000
 * agents every 0.5 s (bench/pipeline, --trace-gc) its young-generation pauses
 * went from p99 9.0 to 5.5 ms with 1, its full-collection pauses from p99 49
 * to 12 ms, GC time from 3.9 to 3.0 s a minute. Publish → dashboard p99 went
 * from 48–66 ms that day to 27–40 ms (ten runs, median 34), 28–36 with 2, at
 * the same ingest capacity within run noise.
 */
export const V8_HELPER_THREADS = 1;

/**
 * Node flags the server processes (`vigie up`, `server`, `broker`) are
 * started with: by `npm start`, infra/systemd/vigie.service and the benches.
 * V8 sizes the young generation when the heap is set up, so unlike the
 * growing percent these cannot be applied from inside the process. A 4 MiB
 * semi-space (Node 20's default grows to 16 MiB) keeps the server ~10 %
 * smaller for the same throughput (bench/pipeline at 1,000 agents every 5 s:
 * RSS 245 → 221 MiB; saturated ingest 13,162 vs 12,008 msg/s, within run noise).
 * V8_HELPER_THREADS bounds V8's own threads.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', `--v8-pool-size=${V8_HELPER_THREADS}`];

/**
 * Environment the server processes are started with, beside SERVER_NODE_FLAGS
 * (and read as early: glibc sizes its allocator when the process starts).
 * glibc gives each thread that allocates an arena of its own (the SQLite
 * writer, libuv's pool, V8's helpers), each holding freed memory apart; two
 * arenas are shared instead. bench/pipeline --soak at 1,000 agents for 420 s:
 * mean RSS 210.3 → 202.7 MiB, the same CPU (17 % of a core).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * Node flags of the standalone agent's `run`, in infra/install/vigie-agent.service,
 * the Windows task and the `--no-service` line: V8 without its optimising
 * compiler, feedback allocated lazily. The agent's work is I/O and small JSON;
 * its CPU per sample does not rise (docs/agent.md, Memory).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--lite-mode'];

/**
 * Environment of the standalone agent on Linux (glibc), beside
 * AGENT_NODE_FLAGS: one malloc arena. The agent's JavaScript runs on one
 * thread; libuv's pool and V8's helpers allocate little, and an arena each
 * held ~0.3 MiB apart (bench/agent/process).
 */
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/**
 * The growing percent while publishers wait for the ingest (the broker's flow
 * control holds their publishes: an overload, issue 16 goal 3). Each waiting
 * publish then lives for seconds, is promoted and dies in the old generation:
 * at 15 % V8 marked the whole heap twice a second and GC took 33 % of the
 * main thread (bench/pipeline --overload, CPU profile). At 1,000 agents
 * every 0.1 s (--trace-gc, 40 s): mark-compact time 5.3 → 2.1 s, server
 * CPU per message −7 %; under overload RSS stayed within run noise (272–284
 * MiB against 263–285), the old generation being small beside what the
 * waiting publishes and sockets hold. Outside overloads 15 % keeps RSS flat.
 */
export const OVERLOAD_HEAP_GROWING_PERCENT = 50;
/** Back to SERVER_HEAP_GROWING_PERCENT once no publish has waited for this long. */
export const OVERLOAD_HEAP_HOLD_MS = 30_000;
/** How often followOverload() looks. */
const OVERLOAD_CHECK_MS = 1000;

let tuned = false;
let growingPercent = SERVER_HEAP_GROWING_PERCENT;

/** Applies SERVER_HEAP_GROWING_PERCENT to this process, once. V8 reads it at every GC, so it works after start. */
export function tuneServerHeap(): void {
  if (tuned) return;
  tuned = true;
  setGrowingPercent(SERVER_HEAP_GROWING_PERCENT);
}

function setGrowingPercent(percent: number): void {
  growingPercent = percent;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** The heap growing percent a server process runs with now. */
export function heapGrowingPercent(): number {
  return growingPercent;
}

/**
 * The growing percent for the load: OVERLOAD_HEAP_GROWING_PERCENT from the
 * moment publishers wait, SERVER_HEAP_GROWING_PERCENT once none has for
 * OVERLOAD_HEAP_HOLD_MS (so a load at the edge does not flip it every second).
 */
export class OverloadHeap {
  private lastWaitAt = -Infinity;

  /** `waited`: a publish waited since the last call. Returns the percent to run with. */
  update(waited: boolean, now: number): number {
    if (waited) this.lastWaitAt = now;
    return now - this.lastWaitAt < OVERLOAD_HEAP_HOLD_MS ? OVERLOAD_HEAP_GROWING_PERCENT : SERVER_HEAP_GROWING_PERCENT;
  }
}

/**
 * In a process tuneServerHeap() tuned (a server process), checks every
 * second whether a publish waited (`waits`: a cumulative count) and sets the
 * growing percent OverloadHeap gives. Returns a function that stops it and
 * puts the server's percent back. Elsewhere (tests, tools) it does nothing.
 */
export function followOverload(waits: () => number, clock: Clock = systemClock): () => void {
  if (!tuned) return () => undefined;
  const policy = new OverloadHeap();
  let seen = waits();
  const timer = setInterval(() => {
    const count = waits();
    const percent = policy.update(count !== seen, clock.now());
    seen = count;
    if (percent !== growingPercent) setGrowingPercent(percent);
  }, OVERLOAD_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (growingPercent !== SERVER_HEAP_GROWING_PERCENT) setGrowingPercent(SERVER_HEAP_GROWING_PERCENT);
  };
}
