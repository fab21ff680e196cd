/**
 * The alert engine on the ingest's hot path: what evaluating every rule of
 * every sample costs the server thread, in time and in garbage.
 *
 *   node dist/bench/alerts/engine.js --hosts 1000 --rounds 60 [--history 6] [--alloc-profile FILE.heapprofile]
 *
 * `hosts` simulated hosts (bench/pipeline/fleet.ts: info, 40–250 services,
 * samples with two disks and two interfaces) each send `history` hours of
 * samples a minute apart (not measured: the disk forecast's window fills),
 * then `rounds` samples 0.5 s apart on an injected clock, to one engine with the default rules, a few
 * watched services and the disk forecast on; one host in 20 runs hot and one
 * in 50 fills a disk, so some alerts go pending and fire. Samples are made beforehand, so
 * only the engine is measured. Allocations are counted by V8's sampling heap
 * profiler with the objects later collected included (every 8 KiB sampled:
 * an estimate). Prints µs per sample (per round: p50 / p99), bytes allocated
 * per sample, the heap the engine keeps per host, and transitions seen.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRuleEngine } from '../../alerts/engine.js';
import { MINUTE_MS } from '../../core/time.js';
import { defaultAlertSettings, type AlertSettings } from '../../alerts/rules.js';
import type { MetricsPayload } from '../../protocol/payloads.js';
import { simulatedHost, simulatedInfo, simulatedMetrics, simulatedServices } from '../pipeline/fleet.js';
import { allocatedBytes, startHeapSampling } from '../lib/heap-sampling.js';
import { markdownTable, percentile } from '../lib/proc-stats.js';
import { settledHeapUsed } from '../../test/helpers/heap.js';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '60' },
    // Hours of samples, one a minute, each host has sent before the measured rounds: the disk forecast's window filled as on a server that has run that long.
    history: { type: 'string', default: '6' },
    // Writes the allocation profile of the last fleet size here (open it in Chrome's DevTools, Memory tab).
    'alloc-profile': { type: 'string' },
  },
});
const hostCounts = String(args.hosts).split(',').map(Number);
const rounds = Number(args.rounds);
const historyMinutes = Math.round(Number(args.history) * 60);
const INTERVAL_MS = 500;
const SAMPLING_BYTES = 8192;

/** Default rules, plus what a small office switches on: the disk forecast and two watched services. One object: the engine caches rules per settings object. */
const SETTINGS: AlertSettings = (() => {
  const s = defaultAlertSettings();
  const d = s.defaults;
  return { ...s, defaults: { ...d, diskForecast: { ...d.diskForecast, enabled: true }, services: { ...d.services, enabled: true, watch: ['ssh.service', 'cron.service'] } } };
})();

/** One host in 20 runs its CPU hot and one in 50 fills /var: their alerts go pending, then fire, as in a real fleet. */
function troubled(i: number, m: MetricsPayload): MetricsPayload {
  if (i % 20 === 0 && m.cpu) m.cpu.usage = 97;
  if (i % 50 === 1 && m.disks?.[1]) m.disks[1].usedPercent = 93;
  return m;
}

async function run(hosts: number): Promise<Array<string | number>> {
  const t0 = Date.UTC(2026, 11, 6);
  let now = t0;
  const heapBefore = settledHeapUsed();
  const ids = Array.from({ length: hosts }, (_, i) => simulatedHost(i));
  let samples: MetricsPayload[][] | null = Array.from({ length: rounds }, (_, r) => ids.map((_, i) => troubled(i, simulatedMetrics(i, t0 + (r + 1) * INTERVAL_MS))));
  const engine = createRuleEngine({ clock: { now: () => now }, settings: () => SETTINGS });
  let transitions = 0;
  engine.onTransition(() => (transitions += 1));
  now = t0 - historyMinutes * MINUTE_MS;
  ids.forEach((id, i) => {
    engine.info(id, simulatedInfo(i, now));
    engine.services(id, simulatedServices(i, now));
  });
  for (let k = 0; k < historyMinutes; k++, now += MINUTE_MS) ids.forEach((id, i) => engine.sample(id, simulatedMetrics(i, now)));

  const sampling = await startHeapSampling(SAMPLING_BYTES);
  const perRound: number[] = [];
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    now = t0 + (r + 1) * INTERVAL_MS;
    const roundStart = process.hrtime.bigint();
    const batch = samples[r]!;
    for (let i = 0; i < hosts; i++) engine.sample(ids[i]!, batch[i]!);
    perRound.push(Number(process.hrtime.bigint() - roundStart) / 1000 / hosts);
    samples[r] = []; // a sample evaluated is garbage, as on the server
  }
  const totalUs = Number(process.hrtime.bigint() - started) / 1000;
  const profile = await sampling.stop();
  const allocated = allocatedBytes(profile);
  if (args['alloc-profile']) writeFileSync(args['alloc-profile'], JSON.stringify(profile));
  samples = null;
  const kept = settledHeapUsed() - heapBefore; // the engine's state: its hosts, tracks and forecast series
  perRound.sort((a, b) => a - b);
  const n = hosts * rounds;
  return [
    hosts, n, (totalUs / n).toFixed(2), `${percentile(perRound, 50).toFixed(2)} / ${percentile(perRound, 99).toFixed(2)}`,
    Math.round(allocated / n), Math.round(kept / hosts), transitions,
  ];
}

const rows: Array<Array<string | number>> = [];
for (const hosts of hostCounts) rows.push(await run(hosts));
console.log(markdownTable(['hosts', 'samples', 'µs per sample', 'per round p50 / p99 µs', 'bytes allocated per sample', 'heap kept per host, bytes', 'transitions'], rows));
console.log(`\nOne engine, default rules + disk forecast + 2 watched services; ${args.history} h of history a minute apart, then samples 0.5 s apart on an injected clock. Allocations: V8 sampling heap profiler, collected objects included.`);
