/**
 * Where a bench server's garbage comes from: loaded into it with `--import`,
 * this samples every allocation of the process's threads (V8's sampling heap
 * profiler, the objects later collected included) over a window and writes
 * one profile per thread, to open in Chrome DevTools (Memory tab).
 *
 *   BENCH_SERVER_ARGS="--import ./dist/bench/lib/alloc-sampler.js" \
 *     node dist/bench/pipeline/run.js --agents 1000 --interval 0.5 --duration 60
 *
 * ALLOC_SAMPLER_DIR (default the system's temp dir), ALLOC_SAMPLER_DELAY
 * (seconds before sampling starts, default 30: past the bench's warm-up) and
 * ALLOC_SAMPLER_SECONDS (default 40) set where and when. Files are named
 * alloc-<pid>-<thread id>.heapprofile. ALLOC_SAMPLER_YOUNG=0 leaves out the
 * objects scavenges collect: the profile then shows where the old
 * generation's garbage comes from (what its mark-compacts pay for).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { startHeapSampling } from './heap-sampling.js';

const dir = process.env.ALLOC_SAMPLER_DIR ?? tmpdir();
const delayS = Number(process.env.ALLOC_SAMPLER_DELAY ?? 30);
const seconds = Number(process.env.ALLOC_SAMPLER_SECONDS ?? 40);
const youngGarbage = process.env.ALLOC_SAMPLER_YOUNG !== '0';
/** Bytes between two samples: 32 KiB keeps the profiler's own cost out of the figures. */
const SAMPLING_BYTES = 32_768;

setTimeout(() => {
  void (async () => {
    const sampling = await startHeapSampling(SAMPLING_BYTES, { youngGarbage });
    setTimeout(() => {
      void (async () => {
        const profile = await sampling.stop();
        const file = join(dir, `alloc-${process.pid}-${threadId}.heapprofile`);
        writeFileSync(file, JSON.stringify(profile));
        process.stderr.write(`alloc-sampler: ${file}\n`);
      })();
    }, seconds * 1000).unref();
  })();
}, delayS * 1000).unref();
