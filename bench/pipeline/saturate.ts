/**
 * Saturation bench of the ingest path alone: P publishers send QoS 1 metrics
 * as fast as the broker acknowledges them (each with W messages in flight) to
 * a fresh server process (bench/pipeline/server.js: broker + ingest +
 * dashboard). Measures, over --duration seconds after a warm-up, what the
 * broker acknowledged and what the ingest took in and stored per second, and
 * the server's CPU and peak RSS. `--label` names the build in the table
 * (to compare builds); bench/pipeline/capacity.js runs the same next to the
 * bare relay.
 *
 *   node dist/bench/pipeline/saturate.js --publishers 20 --window 50 --duration 15
 */
import { parseArgs } from 'node:util';
import { markdownTable } from '../lib/proc-stats.js';
import { measureVigie } from './saturation.js';

const { values } = parseArgs({
  options: {
    publishers: { type: 'string', default: '20' },
    window: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    label: { type: 'string', default: '' },
  },
});
const opts = { publishers: Number(values.publishers), window: Number(values.window), durationS: Number(values.duration), warmupS: Number(values.warmup) };
const r = await measureVigie(opts);
process.stdout.write(`\n${markdownTable(
  ['build', 'publishers × window', 'broker acked msg/s', 'ingested msg/s', 'points stored/s', 'server CPU %', 'server RSS MiB', 'slow clients cut'],
  [[values.label || '-', `${opts.publishers} × ${opts.window}`, r.ackedPerS, r.deliveredPerS, r.pointsPerS, r.cpuPct, r.rssMiB, r.slowClientsCut ?? 0]],
)}\n`);
