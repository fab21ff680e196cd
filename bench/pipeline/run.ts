/**
 * Pipeline benchmark: N simulated agents → broker → ingest → SQLite → Socket.IO.
 *
 *   node dist/bench/pipeline/run.js --agents 200,1000,5000 --interval 5 --duration 60
 *   node dist/bench/pipeline/run.js --agents 1000 --relay                       (the rows next to the bare relay, same run)
 *   node dist/bench/pipeline/run.js --agents 1000 --max-rate --duration 120     (the highest sustained rate, next to the bare relay)
 *   node dist/bench/pipeline/run.js --agents 1000 --interval 5 --soak 1800      (server RSS every 30 s, flat or not)
 *   node dist/bench/pipeline/run.js --agents 1000 --overload --overload-duration 120   (2× capacity: see overload.ts)
 *
 * For each fleet size it starts a fresh server process (broker + ingest +
 * dashboard), connects the agents (bench/pipeline/fleet.ts: status, info,
 * services, metrics with bounded buffers, as agent/ does), signs a dashboard
 * in with an API token and watches hosts as the web app does
 * (bench/pipeline/watchers.ts), lets it warm up, then measures over
 * --duration seconds: samples offered, published, acknowledged and ingested
 * per second, points stored, publish→Socket.IO latency, what waits in the
 * agents' buffers, the server's peak RSS and CPU; and where the latency
 * builds up (at the broker, at the ingest: bench/pipeline/stages.ts). A column
 * with no sample (a watcher that received nothing) fails the run.
 */
import { parseArgs } from 'node:util';
import { markdownTable, percentile } from '../lib/proc-stats.js';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import { simulatedHost, startFleet, type Fleet } from './fleet.js';
import { startBenchServer, type BenchServer } from './server-process.js';
import { createViewerToken, startWatcherProcess } from './watchers.js';
import { capacityArgs, measureCapacity } from './capacity.js';
import { overloadCapacityArgs, runOverload } from './overload.js';
import { takenInFull } from './sustained.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '200' },
    interval: { type: 'string', default: '5' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    watch: { type: 'string', default: '50' },
    relay: { type: 'boolean', default: false },
    'max-rate': { type: 'boolean', default: false },
    'max-rate-steps': { type: 'string', default: '1,0.9,0.8,0.7,0.6,0.5' },
    soak: { type: 'string' },
    'soak-settle': { type: 'string', default: '300' },
    'soak-every': { type: 'string', default: '30' },
    overload: { type: 'boolean', default: false },
    'overload-duration': { type: 'string', default: '120' },
    'drain-load': { type: 'string', default: '0.25' },
    'drain-timeout': { type: 'string', default: '900' },
    // Capacity: 100 publishers × 50 in flight for 15 s (capacity.ts); for --overload, as many
    // publishers as agents × the agent's window, for 120 s (overload.ts overloadCapacityArgs).
    publishers: { type: 'string' },
    window: { type: 'string' },
    'sat-duration': { type: 'string' },
    'sat-warmup': { type: 'string', default: '5' },
  },
});
const fleets = String(values.agents).split(',').map(Number);
const intervals = String(values.interval).split(',').map(Number);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const watchCount = Number(values.watch);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row {
  agents: number; interval: number; offered: number; published: number; acked: number; ingested: number; points: number;
  p50: number; p99: number; max: number; samplesSeen: number; rssMb: number; cpuPct: number; invalid: number;
  waitingStart: number; waitingEnd: number; droppedAtEdge: number; slowClientsCut: number;
  /** The watched samples' latency at the broker and at the ingest (bench/pipeline/stages.ts), sorted. */
  atBroker: number[]; atIngest: number[];
}

/** Credentials for every simulated agent, as `vigie` enrols them. */
function agentCredentials(dataDir: string, agents: number): Array<{ username: string; password: string }> {
  const db = openAccountsDatabase(dataDir);
  const store = new MqttCredentialStore(db);
  const credentials = db.transaction(() => Array.from({ length: agents }, (_, i) => store.add({ kind: 'agent', host: simulatedHost(i) })))();
  db.close();
  return credentials;
}

async function withFleet<T>(agents: number, intervalS: number, fn: (server: BenchServer, fleet: Fleet, token: string) => Promise<T>): Promise<T> {
  const server = await startBenchServer();
  let fleet: Fleet | undefined;
  try {
    const credentials = agentCredentials(server.dataDir, agents);
    const token = await createViewerToken(server.dataDir);
    fleet = await startFleet({ url: server.mqttUrl, agents, intervalMs: intervalS * 1000, credentials: (i) => credentials[i]! });
    return await fn(server, fleet, token);
  } finally {
    await fleet?.stop();
    await server.stop();
    server.remove();
  }
}

/** One row: warm-up, then --duration seconds measured; `every` is called every `everyS` seconds of the measurement. */
async function runOne(agents: number, intervalS: number, opts: { durationS: number; everyS?: number; every?: (elapsedS: number, server: BenchServer, fleet: Fleet) => Promise<void> } = { durationS }): Promise<Row> {
  return withFleet(agents, intervalS, async (server, fleet, token) => {
    const watched = Math.min(watchCount, agents);
    const hosts = Array.from({ length: watched }, (_, i) => simulatedHost(Math.floor((i * agents) / watched)));
    const watchers = await startWatcherProcess({ httpUrl: server.httpUrl, token, hosts });
    try {
      await sleep(warmupS * 1000);
      const s0 = await server.stats();
      const proc0 = server.proc();
      const f0 = fleet.stats();
      const t0 = Date.now();
      await watchers.measuring(true);
      await server.watchStages(hosts);
      let rssPeak = proc0.rssBytes;
      const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, server.proc().rssBytes)), 500);
      const everyMs = (opts.everyS ?? opts.durationS) * 1000;
      for (let next = everyMs; ; next += everyMs) {
        const left = Math.min(next, opts.durationS * 1000) - (Date.now() - t0);
        if (left > 0) await sleep(left);
        if (opts.every && next <= opts.durationS * 1000) await opts.every((Date.now() - t0) / 1000, server, fleet);
        if (next >= opts.durationS * 1000) break;
      }
      await watchers.measuring(false);
      await server.watchStages([]);
      clearInterval(rssTimer);
      const elapsed = (Date.now() - t0) / 1000;
      const proc1 = server.proc();
      const s1 = await server.stats();
      const f1 = fleet.stats();
      const seen = await watchers.results();
      const stages = await server.stages();
      const latencies = seen.latencies.sort((a, b) => a - b);
      const starved = [...seen.samplesByHost].filter(([, n]) => n === 0).map(([h]) => h);
      if (starved.length > 0) {
        process.stderr.write(`bench: ${starved.length} watched hosts sent no sample to the dashboard (e.g. ${starved[0]})\n`);
        process.exitCode = 1;
      }
      const perS = (n: number): number => Math.round(n / elapsed);
      return {
        agents,
        interval: intervalS,
        offered: perS(f1.sampled - f0.sampled),
        published: perS(f1.published - f0.published),
        acked: perS(f1.acked - f0.acked),
        ingested: perS(s1.stats.accepted - s0.stats.accepted),
        points: perS(s1.stats.pointsWritten - s0.stats.pointsWritten),
        // An empty list is NaN: markdownTable then fails the run.
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.length > 0 ? latencies.at(-1)! : Number.NaN,
        samplesSeen: latencies.length,
        rssMb: Math.round(Math.max(rssPeak, proc1.rssBytes) / 2 ** 20),
        cpuPct: Math.round(((proc1.cpuSeconds - proc0.cpuSeconds) / elapsed) * 100),
        invalid: s1.stats.invalid,
        // In flight counts too: a broker that stops acknowledging fills the windows before the buffers.
        waitingStart: f0.waiting + f0.inFlight,
        waitingEnd: f1.waiting + f1.inFlight,
        droppedAtEdge: f1.droppedAtEdge,
        slowClientsCut: s1.broker.slowClientsCut,
        atBroker: stages.broker.sort((a, b) => a - b),
        atIngest: stages.ingest.sort((a, b) => a - b),
      };
    } finally {
      await watchers.close();
    }
  });
}

const HEADER = ['agents', 'interval s', 'offered msg/s', 'published msg/s', 'acked msg/s', 'ingested msg/s', 'points stored/s', 'latency p50 ms', 'p99 ms', 'max ms', 'samples watched', 'agents holding', 'dropped at edge', 'server RSS MiB', 'server CPU %', 'invalid'];
const cells = (r: Row): Array<string | number> => [
  r.agents, r.interval, r.offered, r.published, r.acked, r.ingested, r.points, r.p50, r.p99, r.max, r.samplesSeen, `${r.waitingStart} → ${r.waitingEnd}`, r.droppedAtEdge, r.rssMb, r.cpuPct, r.invalid,
];
const FOOTER = `Server CPU % is of one core (200 % = both cores of this machine). Latency: agent publish → Socket.IO client signed in with an API token, ${watchCount} hosts watched. Agents holding: samples in the agents' buffers or in flight (not acknowledged) at the start → end of the window.`;

/** Where the latency column builds up: each stage's p50 / p99 / max, from the agent's publish. */
const STAGES_HEADER = ['agents', 'interval s', 'publish → broker read ms (p50 / p99 / max)', '→ ingest validated, live view', '→ dashboard socket (the latency column)'];
const spread = (sorted: number[]): string => `${percentile(sorted, 50)} / ${percentile(sorted, 99)} / ${sorted.length > 0 ? sorted.at(-1)! : Number.NaN}`;
const stageCells = (r: Row): Array<string | number> => [r.agents, r.interval, spread(r.atBroker), spread(r.atIngest), `${r.p50} / ${r.p99} / ${r.max}`];
const STAGES_FOOTER = 'The same watched samples, timed in the server process when Aedes has read and parsed the PUBLISH (its authorizePublish hook) and when the ingest emits the validated sample to the live view.';

/** Sustained: the ingest takes what is offered, nothing piles up at the agents, nothing is dropped. */
const sustained = (r: Row): boolean => takenInFull(r) && r.droppedAtEdge === 0 && r.slowClientsCut === 0;

const out = (s: string): void => void process.stdout.write(s);

if (values.overload) {
  const ok = await runOverload({
    agents: fleets[0]!,
    overloadS: Number(values['overload-duration']),
    drainLoad: Number(values['drain-load']),
    drainTimeoutS: Number(values['drain-timeout']),
    capacity: overloadCapacityArgs(values, fleets[0]!),
  });
  if (!ok) process.exitCode = 1;
} else if (values.soak !== undefined) {
  const soakS = Number(values.soak);
  const settleS = Number(values['soak-settle']);
  const agents = fleets[0]!;
  const samples: Array<{ t: number; rss: number; ingested: number; waiting: number }> = [];
  let lastAccepted = 0;
  let lastT = 0;
  process.stderr.write(`soak: ${agents} agents every ${intervals[0]} s for ${soakS} s, server RSS every ${values['soak-every']} s…\n`);
  const row = await runOne(agents, intervals[0]!, {
    durationS: soakS,
    everyS: Math.min(Number(values['soak-every']), soakS),
    every: async (t, server, fleet) => {
      const s = await server.stats();
      samples.push({ t: Math.round(t), rss: server.proc().rssBytes / 2 ** 20, ingested: lastT === 0 ? Number.NaN : Math.round((s.stats.accepted - lastAccepted) / (t - lastT)), waiting: fleet.stats().waiting });
      lastAccepted = s.stats.accepted;
      lastT = t;
    },
  });
  const settled = samples.filter((s) => s.t >= settleS);
  const mean = settled.reduce((a, s) => a + s.rss, 0) / settled.length;
  const worst = Math.max(...settled.map((s) => Math.abs(s.rss - mean) / mean));
  out(`\n${markdownTable(['t s', 'server RSS MiB', 'ingested msg/s', 'agents waiting'], samples.map((s) => [s.t, s.rss.toFixed(1), Number.isNaN(s.ingested) ? '-' : s.ingested, s.waiting]))}\n`);
  out(`\n${markdownTable(HEADER, [cells(row)])}\n\n${FOOTER}\n`);
  const flat = settled.length > 0 && worst <= 0.1;
  out(`\n${markdownTable(['after s', 'RSS samples', 'mean MiB', 'largest deviation', 'verdict'], [[settleS, settled.length, mean.toFixed(1), `${(worst * 100).toFixed(1)} %`, flat ? 'flat (±10 %)' : 'NOT flat']])}\n`);
  if (!flat) process.exitCode = 1;
} else if (values['max-rate']) {
  const agents = fleets[0]!;
  const cap = await measureCapacity(capacityArgs(values));
  const steps = String(values['max-rate-steps']).split(',').map(Number);
  const rows: Array<Row & { fraction: number; ok: boolean }> = [];
  for (const f of steps) {
    const intervalS = Number((agents / (f * cap.vigie.deliveredPerS)).toFixed(3));
    process.stderr.write(`max-rate: ${agents} agents every ${intervalS} s (${Math.round(f * 100)} % of the saturation figure ${cap.vigie.deliveredPerS} msg/s)…\n`);
    const row = await runOne(agents, intervalS);
    rows.push({ ...row, fraction: f, ok: sustained(row) });
    if (sustained(row)) break;
  }
  if (!rows.some((r) => r.ok)) {
    process.stderr.write('bench: no sustained rate found in --max-rate-steps\n');
    process.exitCode = 1;
  }
  out(`\n${markdownTable([...HEADER, 'sustained'], rows.map((r) => [...cells(r), r.ok ? 'yes' : 'no']))}\n\n${FOOTER} Sustained: ingested ≥ 95 % of offered, no growth of the agents' buffers, nothing dropped, nobody cut.\n`);
  const best = rows.find((r) => r.ok);
  out(`\n${cap.table}\n`);
  if (best) out(`\nHighest sustained rate: ${best.ingested} msg/s ingested (${agents} agents every ${best.interval} s) = ${((best.ingested / cap.relay.deliveredPerS) * 100).toFixed(1)} % of the bare relay (${cap.relay.deliveredPerS} msg/s) in the same run.\n`);
} else {
  const rows: Row[] = [];
  for (const agents of fleets) {
    for (const interval of intervals) {
      process.stderr.write(`pipeline: ${agents} agents every ${interval} s: warming up ${warmupS} s, measuring ${durationS} s…\n`);
      rows.push(await runOne(agents, interval));
    }
  }
  out(`\n${markdownTable(HEADER, rows.map(cells))}\n\n${FOOTER}\n`);
  out(`\n${markdownTable(STAGES_HEADER, rows.map(stageCells))}\n\n${STAGES_FOOTER}\n`);
  if (values.relay) {
    const cap = await measureCapacity(capacityArgs(values));
    out(`\n${cap.table}\n`);
  }
}
process.exit(process.exitCode ?? 0); // open handles of the clients: exit now, with the verdicts above
