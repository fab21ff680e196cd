/**
 * Overload run (issue 16, goal 3), from `bench/pipeline/run.js --overload`:
 * 1. capacity C: the Vigie server saturated (next to the bare relay, same run)
 *    by as many publishers as the fleet has agents, each with the agent's
 *    window in flight, for 2 minutes (overloadCapacityArgs);
 * 2. a fresh server; the fleet's own capacity: the same 1,000 agents offer
 *    0.3 × C, then 1.2 times more every 20 s, until the server no longer
 *    takes all of it (sustained.ts); the highest rate taken in full is
 *    the fleet's capacity, C measured with this fleet's connections instead
 *    of the capacity bench's 100 publishers (shown beside C, not used as the
 *    pass mark);
 * 3. the fleet (bounded agent buffers) offers 2 × C for
 *    --overload-duration seconds; a table row every 10 s: offered, ingested,
 *    broker slowClientsCut, session queues, ingest backlog, publishes
 *    waiting, agents' buffers, server RSS;
 * 4. the fleet offers --drain-load × the fleet's capacity (a load it can
 *    sustain, so what its buffers hold can go): how long until they are
 *    empty;
 * 5. sampling stops, the last samples are acknowledged, the server stops;
 *    vigie.db is read (read-only): every sample the broker acknowledged to an
 *    agent must be there.
 * Fails (returns false) when the ingest was cut as a slow client, ingested
 * less than 90 % of C during the overload, the backlog did not drain, or an
 * acknowledged sample is missing.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import { markdownTable } from '../lib/proc-stats.js';
import { capacityArgs, measureCapacity } from './capacity.js';
import { simulatedHost, startFleet } from './fleet.js';
import type { SaturationOptions } from './saturation.js';
import { startBenchServer } from './server-process.js';
import { takenInFull } from './sustained.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The agent's samples in flight before their PUBACK (agent/publisher.ts IN_FLIGHT_WINDOW, FleetOptions.window). */
const AGENT_WINDOW = 32;
/** Seconds C is measured over: the issue's capacity is the ingest sustained for 2 minutes (goal 2). */
const CAPACITY_S = 120;

/**
 * C for an overload of `agents` agents: the server saturated by as many
 * publishers, each with the agent's window, for CAPACITY_S; each may be
 * set on the command line. The capacity bench's own 100 publishers for 15 s
 * measure another load: 100 hosts write 10 times fewer pages per batch than
 * 1,000, and 15 s on a new store miss its first checkpoints and rollups.
 * That C read 15,410 and then 20,164 msg/s in two runs of the same code.
 */
export function overloadCapacityArgs(values: { publishers?: string; window?: string; 'sat-duration'?: string; 'sat-warmup'?: string }, agents: number): SaturationOptions {
  return capacityArgs({
    ...values,
    publishers: values.publishers ?? String(agents),
    window: values.window ?? String(AGENT_WINDOW),
    'sat-duration': values['sat-duration'] ?? String(CAPACITY_S),
  });
}
const STEP_S = 10;
/** The fleet-capacity ramp: first load (× C), growth per level; at each level, seconds let settle, then seconds measured. */
const RAMP_START = 0.3;
const RAMP_FACTOR = 1.2;
const RAMP_SETTLE_S = 5;
const RAMP_LEVEL_S = 15;

export async function runOverload(opts: { agents: number; overloadS: number; drainLoad: number; capacity: SaturationOptions; drainTimeoutS?: number }): Promise<boolean> {
  const out = (s: string): void => void process.stdout.write(s);
  const cap = await measureCapacity(opts.capacity);
  out(`\n${cap.table}\n`);
  const C = cap.vigie.deliveredPerS;
  const agents = opts.agents;
  const overloadInterval = agents / (2 * C);
  process.stderr.write(`overload: capacity C = ${C} msg/s; the fleet's own capacity, then ${agents} agents every ${(overloadInterval * 1000).toFixed(0)} ms (2 × C) for ${opts.overloadS} s, then ${opts.drainLoad} × the fleet's capacity until drained…\n`);

  const server = await startBenchServer();
  const failures: string[] = [];
  const rows: Array<Array<string | number>> = [];
  let ingestedDuringOverload = 0;
  let drainS = Number.NaN;
  let fleetC = 0;
  let heldAtStop = 0;
  let check: { hosts: number; acked: number; found: number; lost: number; seqBehind: number; method: string } | undefined;
  try {
    const db = openAccountsDatabase(server.dataDir);
    const store = new MqttCredentialStore(db);
    const credentials = db.transaction(() => Array.from({ length: agents }, (_, i) => store.add({ kind: 'agent', host: simulatedHost(i) })))();
    db.close();
    const fleet = await startFleet({ url: server.mqttUrl, agents, intervalMs: agents / (RAMP_START * C) * 1000, credentials: (i) => credentials[i]!, trackAcked: true });
    try {
      const t0 = Date.now();
      /** Where a measuring interval starts: the counters now. */
      const mark = async () => ({ t: Date.now(), sampled: fleet.stats().sampled, accepted: (await server.stats()).stats.accepted, cpu: server.proc().cpuSeconds, own: process.cpuUsage() });
      let last = await mark();
      const step = async (phase: string): Promise<{ offered: number; ingested: number }> => {
        const asked = Date.now();
        const s = await server.stats();
        const f = fleet.stats();
        const now = Date.now();
        // How long the server took to answer over IPC: its event loop's stall at that moment.
        const replyMs = now - asked;
        const dt = (now - last.t) / 1000;
        const ingested = (s.stats.accepted - last.accepted) / dt;
        const proc = server.proc();
        const own = process.cpuUsage();
        rows.push([
          phase, Math.round((now - t0) / 1000), Math.round((f.sampled - last.sampled) / dt), Math.round(ingested), s.broker.slowClientsCut,
          s.broker.sessionQueued.messages, Math.round(s.broker.sessionQueued.bytes / 1024), s.broker.ingestBacklog, s.broker.publishesWaiting,
          s.stats.unacked, s.stats.deferred, s.stats.storage, s.ingestDisconnects, f.connected, f.waiting, f.inFlight, f.droppedAtEdge, Math.round(proc.rssBytes / 2 ** 20), Math.round(((proc.cpuSeconds - last.cpu) / dt) * 100), replyMs,
          // The load generator shares the machine: if it is the one out of CPU, the offered column says so.
          Math.round(((own.user - last.own.user + own.system - last.own.system) / 1e6 / dt) * 100),
        ]);
        process.stderr.write(`  ${phase} t=${Math.round((now - t0) / 1000)} s: ingested ${Math.round(ingested)} msg/s, agents waiting ${f.waiting}\n`);
        const offered = (f.sampled - last.sampled) / dt;
        last = { t: now, sampled: f.sampled, accepted: s.stats.accepted, cpu: proc.cpuSeconds, own };
        return { offered, ingested };
      };

      for (let load = RAMP_START; load < 2; load *= RAMP_FACTOR) {
        fleet.setInterval((agents / (load * C)) * 1000);
        await sleep(RAMP_SETTLE_S * 1000);
        last = await mark(); // a new measuring interval, without a row
        const waitingBefore = fleet.stats().waiting;
        await sleep(RAMP_LEVEL_S * 1000);
        const level = await step(`ramp ${load.toFixed(2)} × C`);
        if (!takenInFull({ ...level, waitingStart: waitingBefore, waitingEnd: fleet.stats().waiting, agents })) break;
        fleetC = Math.max(fleetC, Math.round(level.ingested));
      }
      process.stderr.write(`overload: the fleet's capacity: ${fleetC} msg/s; now 2 × C\n`);
      fleet.setInterval(overloadInterval * 1000);
      last = await mark();
      const overloadStart = Date.now();
      const accepted0 = last.accepted;
      // A row every 10 s of wall time after the previous one: a server slow to answer delays the rows, it does not bunch them.
      while (Date.now() - overloadStart < opts.overloadS * 1000 - 500) {
        await sleep(Math.min(STEP_S * 1000, overloadStart + opts.overloadS * 1000 - Date.now()));
        await step('2 × C');
      }
      ingestedDuringOverload = (last.accepted - accepted0) / ((last.t - overloadStart) / 1000);

      const drainLabel = `${opts.drainLoad} × fleet`;
      fleet.setInterval((agents / (opts.drainLoad * (fleetC || C))) * 1000);
      const drainStart = Date.now();
      const deadline = drainStart + (opts.drainTimeoutS ?? 600) * 1000;
      let nextRow = drainStart + STEP_S * 1000;
      while (fleet.stats().waiting > 0 && Date.now() < deadline) {
        await sleep(250);
        if (Date.now() >= nextRow) {
          await step(drainLabel);
          nextRow = Date.now() + STEP_S * 1000;
        }
      }
      if (fleet.stats().waiting === 0) drainS = (Date.now() - drainStart) / 1000;
      await step('drained');

      // No new samples; what is in flight gets its PUBACK (given after the store commit).
      fleet.pause();
      for (let i = 0; i < 120 && (fleet.stats().inFlight > 0 || fleet.stats().waiting > 0); i++) await sleep(250);
      // The broker's PUBACK to an agent means queued for the ingest, not stored: let the ingest take
      // what the broker holds for it (up to 60 s) before stopping the server, or the check would count
      // the broker's in-memory queue as lost.
      for (let i = 0; i < 240; i++) {
        const q = await server.stats();
        if (q.broker.ingestBacklog === 0 && q.broker.sessionQueued.messages === 0 && q.stats.unacked === 0 && q.stats.pending === 0) break;
        await sleep(250);
      }
      const final = await server.stats();
      heldAtStop = final.broker.sessionQueued.messages + final.stats.unacked;
      if (final.broker.slowClientsCut > 0) failures.push(`the broker cut ${final.broker.slowClientsCut} slow clients`);
      if (final.ingestDisconnects > 0) failures.push(`the ingest lost its broker connection ${final.ingestDisconnects} times`);
      await fleet.stop();
      await server.stop();
      check = verifyStore(join(server.dataDir, 'vigie.db'), fleet.ackedTs(), fleet.ackedSeq());
      const f = fleet.stats();
      out(`\n${markdownTable(
        ['phase', 't s', 'offered msg/s', 'ingested msg/s', 'slow clients cut', 'session queued msgs', 'session queued KiB', 'ingest backlog', 'publishes waiting', 'ingest unacked', 'ingest deferred', 'storage', 'ingest disconnects', 'agents connected', 'agents waiting', 'agents in flight', 'dropped at edge', 'server RSS MiB', 'server CPU %', 'server reply ms', 'fleet CPU %'],
        rows,
      )}\n`);
      out(`\n${markdownTable(
        ['capacity C msg/s', 'the fleet\'s capacity msg/s', 'offered 2 × C for s', 'ingested during overload msg/s', '% of C', '% of the fleet\'s capacity', 'drain time s', 'samples acked to agents', 'found in vigie.db', 'lost', 'host_seq behind acked', 'queued for the ingest at stop', 'dropped at edge', 'check'],
        [[C, fleetC, opts.overloadS, Math.round(ingestedDuringOverload), `${((ingestedDuringOverload / C) * 100).toFixed(1)} %`, fleetC > 0 ? `${((ingestedDuringOverload / fleetC) * 100).toFixed(1)} %` : 'NaN (no level taken in full)', Number.isNaN(drainS) ? 'NaN (not drained)' : drainS.toFixed(1), check.acked, check.found, check.lost, check.seqBehind, heldAtStop, f.droppedAtEdge, check.method]],
      )}\n`);
    } finally {
      await fleet.stop();
    }
  } finally {
    await server.stop();
    server.remove();
  }
  if (ingestedDuringOverload < 0.9 * C) failures.push(`ingested ${Math.round(ingestedDuringOverload)} msg/s during the overload, below 90 % of C = ${C}`);
  if (fleetC === 0) failures.push('the fleet-capacity ramp found no rate the server took in full');
  if (Number.isNaN(drainS)) failures.push('the agents\' buffers did not drain');
  if (!check || check.lost > 0 || check.seqBehind > 0) failures.push(`acknowledged samples missing from the store: ${check?.lost ?? '?'} (host_seq behind on ${check?.seqBehind ?? '?'} hosts)`);
  for (const f of failures) process.stderr.write(`bench: overload: ${f}\n`);
  return failures.length === 0;
}

/**
 * Every acknowledged sample in the store: its cpu.usage point (one per
 * sample, keyed by ts) in points_raw, and host_seq at least the highest
 * acknowledged seq. If the layout has no such points_raw (a future store), only
 * host_seq is checked, and the table says so.
 */
function verifyStore(file: string, ackedTs: Map<string, number[]>, ackedSeq: Map<string, number>): { hosts: number; acked: number; found: number; lost: number; seqBehind: number; method: string } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    let acked = 0;
    let found = 0;
    let method = 'points_raw cpu.usage ts + host_seq';
    const seqOf = db.prepare('SELECT seq FROM host_seq WHERE host = ?').pluck();
    let tsOf: ((host: string) => Set<number>) | undefined;
    try {
      // Raw points are keyed by host key first: the lookup reads one host's rows.
      const stmt = db.prepare(`SELECT p.ts FROM points_raw p WHERE p.host_key = (SELECT id FROM host_keys WHERE host = @host)
        AND p.series_id = (SELECT id FROM series WHERE host = @host AND metric = 'cpu.usage' AND key = '')`).pluck();
      tsOf = (host) => new Set(stmt.all({ host }) as number[]);
    } catch {
      method = 'host_seq only (no points_raw/series)';
    }
    let seqBehind = 0;
    for (const [host, list] of ackedTs) {
      acked += list.length;
      if (tsOf) {
        const have = tsOf(host);
        for (const ts of list) if (have.has(ts)) found += 1;
      }
      const want = ackedSeq.get(host);
      const seq = seqOf.get(host) as number | undefined;
      if (want !== undefined && (seq === undefined || seq < want)) seqBehind += 1;
    }
    if (!tsOf) found = acked;
    return { hosts: ackedTs.size, acked, found, lost: acked - found, seqBehind, method };
  } finally {
    db.close();
  }
}
