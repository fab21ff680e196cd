/**
 * Child process of bench/agent/run.ts: takes samples with one collector
 * source and reports per-sample wall time and event-loop blocking. The
 * parent measures this process's CPU (children included) from /proc.
 *
 * Protocol (IPC): sends {ready} after a warm-up sample, waits for {go},
 * samples, sends {done, walls, loopMax}, then waits to be killed so the
 * parent can read its final /proc figures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createCollectors, type CollectorSource } from '../../agent/collectors/index.js';
import { createSampler } from '../../agent/sample.js';
import { systemClock } from '../../core/time.js';

const [source, samplesArg, intervalArg] = process.argv.slice(2);
const samples = Number(samplesArg);
const intervalMs = Number(intervalArg) * 1000;
const collectors = createCollectors({ source: source as CollectorSource });
const failed = (name: string, error: string): void => { process.stderr.write(`${source}: ${name} failed: ${error}\n`); };
const sampler = createSampler(collectors, { clock: systemClock, timeoutMs: intervalMs * 0.8, onFailure: failed });

await sampler.take(); // primes the rate collectors (and systeminformation's caches)
process.send?.({ ready: true });
await new Promise<void>((resolve) => process.once('message', () => resolve()));

const walls: number[] = [];
const loopMax: number[] = [];
const histogram = monitorEventLoopDelay({ resolution: 1 });
for (let i = 0; i < samples; i += 1) {
  const next = Date.now() + intervalMs;
  // Enabled only around the sample: at 1 ms resolution it wakes the loop 1000 times a second, which would bill its own cost to the collectors.
  histogram.reset();
  histogram.enable();
  const start = performance.now();
  await sampler.take();
  walls.push(performance.now() - start);
  // The loop's worst stall while sampling (ns → ms), measured over the sampling window itself.
  await new Promise((r) => setTimeout(r, 5));
  histogram.disable();
  loopMax.push(histogram.max / 1e6);
  await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
}
process.send?.({ done: true, walls, loopMax });
setInterval(() => {}, 60_000); // stay alive until the parent has read /proc and kills us
