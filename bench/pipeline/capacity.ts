/**
 * Capacity side by side, in one run: the bare Aedes QoS 1 relay, then the
 * Vigie server saturated by the same publishers (bench/pipeline/saturation.ts),
 * and the ratio `vigie ingested / bare relay` (issue 16, goal 2: ≥ 50 %).
 *
 *   node dist/bench/pipeline/capacity.js --publishers 100 --window 50 --duration 30
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable } from '../lib/proc-stats.js';
import { measureRelay, measureVigie, type SaturationOptions, type SaturationResult } from './saturation.js';

/** Relay then Vigie, back to back; the table and the ratio. */
export async function measureCapacity(opts: SaturationOptions): Promise<{ relay: SaturationResult; vigie: SaturationResult; ratio: number; table: string }> {
  process.stderr.write(`capacity: bare relay, ${opts.publishers} publishers × ${opts.window} in flight, warm-up ${opts.warmupS} s, measuring ${opts.durationS} s…\n`);
  const relay = await measureRelay(opts);
  process.stderr.write(`capacity: vigie, same publishers…\n`);
  const vigie = await measureVigie(opts);
  const ratio = vigie.deliveredPerS / relay.deliveredPerS;
  const table = markdownTable(
    ['target', 'publishers × window', 'broker acked msg/s', 'relayed / ingested msg/s', 'points stored/s', 'backlog start → end (max)', 'server CPU %', 'server RSS MiB', 'vigie ingested / bare relay'],
    [relay, vigie].map((r) => [
      r.target, `${opts.publishers} × ${opts.window}`, r.ackedPerS, r.deliveredPerS, r.target === 'vigie' ? r.pointsPerS : '-',
      r.backlog ? `${r.backlog.start} → ${r.backlog.end} (${r.backlog.max})` : '-', r.cpuPct, r.rssMiB,
      r.target === 'vigie' ? `${(ratio * 100).toFixed(1)} %` : '-',
    ]),
  );
  const note =
    'Server CPU % is of one core (200 % = both cores). Bare relay: `new Aedes()` with default options, counted by one QoS 1 subscriber (clean: false); ' +
    'vigie: validated and stored by the ingest. Backlog: samples waiting for the ingest (its broker queue and in transit, plus the store\'s buffer), ' +
    'read every second of the window: a rate is sustained when it does not grow.';
  return { relay, vigie, ratio, table: `${table}\n\n${note}` };
}

export function capacityArgs(values: { publishers?: string | boolean; window?: string | boolean; 'sat-duration'?: string | boolean; 'sat-warmup'?: string | boolean }): SaturationOptions {
  return {
    publishers: Number(values.publishers ?? 100),
    window: Number(values.window ?? 50),
    durationS: Number(values['sat-duration'] ?? 15),
    warmupS: Number(values['sat-warmup'] ?? 5),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      publishers: { type: 'string', default: '100' },
      window: { type: 'string', default: '50' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
    },
  });
  const { table } = await measureCapacity(capacityArgs({ ...values, 'sat-duration': values.duration, 'sat-warmup': values.warmup }));
  process.stdout.write(`\n${table}\n`);
}
