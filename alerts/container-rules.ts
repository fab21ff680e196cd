import { MINUTE_MS, secondsToMs } from '../core/time.js';
import type { ContainerMetrics, MetricsPayload } from '../protocol/payloads.js';
import type { HostEntry, RuleInputs } from './host-state.js';
import type { Levels } from './levels.js';
import type { RuleSet } from './rules.js';
import type { ContainerFacts } from './types.js';

/**
 * Container rules (issue 15, docs/containers.md), keyed by container name:
 *
 * - `container:<name>` — a container this engine has seen running (or
 *   restarting) is now exited or dead for `for` seconds: critical when its
 *   exit code is not 0, warning when it exited cleanly. One never seen
 *   running (a one-shot job found exited, a container created and not
 *   started) does not alert; one removed (gone from the list) ends its alert.
 *   Docker does not say whether a person stopped it (`docker stop` exits 0
 *   or 137/143 like a crash), so containers stopped on purpose go in `ignore`.
 * - `container_health:<name>` — its healthcheck says `unhealthy` for `for`
 *   seconds: warning.
 * - `container_restarts:<name>` — its restart count rose by `restarts` or
 *   more within `restartMinutes`: critical; it resolves once the window holds
 *   fewer.
 */

/** What the engine remembers of one container between samples. */
export interface ContainerMemory {
  /** Seen running or restarting since the engine started (or the container was last recreated). */
  seenRunning: boolean;
  /** Restart counts when they changed (sample ts), the oldest being the baseline before the window. */
  counts: { at: number; count: number }[];
  /** Restarts within the window as of the newest sample. */
  recent: number;
}

const MAX_POINTS = 1000;

/** Feeds a newest sample's containers into the host's memory; forgets containers it lacks. A sample without the group changes nothing. */
export function feedContainers(h: HostEntry, m: MetricsPayload, rules: RuleSet['containers']): void {
  if (!m.containers) return;
  if (!rules.enabled) {
    h.containers.clear();
    return;
  }
  const windowStart = m.ts - rules.restartMinutes * MINUTE_MS;
  const present = new Set<string>();
  for (const c of m.containers) {
    present.add(c.name);
    let mem = h.containers.get(c.name);
    if (!mem) h.containers.set(c.name, (mem = { seenRunning: false, counts: [], recent: 0 }));
    const last = mem.counts.at(-1);
    // A count that went back is a new container under the same name: a fresh start.
    if (last && c.restarts < last.count) {
      mem.counts = [];
      mem.seenRunning = false;
    }
    if (c.state === 'running' || c.state === 'restarting') mem.seenRunning = true;
    if (!mem.counts.length || mem.counts.at(-1)!.count !== c.restarts) mem.counts.push({ at: m.ts, count: c.restarts });
    // Keep the newest point at or before the window's start as the baseline, and what follows.
    let base = 0;
    while (base + 1 < mem.counts.length && mem.counts[base + 1]!.at <= windowStart) base++;
    if (base > 0) mem.counts.splice(0, base);
    if (mem.counts.length > MAX_POINTS) mem.counts.splice(0, mem.counts.length - MAX_POINTS);
    mem.recent = c.restarts - mem.counts[0]!.count;
  }
  for (const name of h.containers.keys()) if (!present.has(name)) h.containers.delete(name);
}

const factsOf = (c: ContainerMetrics): ContainerFacts => {
  const out: ContainerFacts = { name: c.name, image: c.image, state: c.state, health: c.health, restarts: c.restarts };
  if (c.exitCode !== undefined) out.exitCode = c.exitCode;
  return out;
};

/** Adds the container rules' inputs for the host's newest sample to `out` (see above; RuleInputs leaves out what cannot change an alert). */
export function containerInputs(h: HostEntry, rules: RuleSet['containers'], out: RuleInputs): void {
  if (!rules.enabled) return;
  const latest = h.latest?.containers;
  if (!latest) {
    // A sample without the group (the collector failed once) says nothing: alerts stay as they are.
    out.freezeTracked('container');
    return;
  }
  const forMs = secondsToMs(rules.for);
  const stateLevels: Levels = { warning: 1, critical: 2, hysteresis: 0, forMs };
  const restartLevels: Levels = { warning: rules.restarts, critical: rules.restarts, hysteresis: 0, forMs: 0 };
  for (const c of latest) {
    const name = c.name;
    if (rules.ignore.includes(name)) continue;
    const mem = h.containers.get(name);
    if (mem?.seenRunning) {
      const stopped = c.state === 'exited' || c.state === 'dead';
      const value = !stopped ? 0 : c.exitCode === 0 ? 1 : 2;
      if (out.wants('container', name, value, stateLevels)) {
        out.set(`container:${name}`, { kind: 'levels', value, levels: stateLevels, unit: 'state', subject: { metric: 'container.up', key: name }, container: factsOf(c) });
      }
    }
    const health = c.health === 'unhealthy' ? 1 : 0;
    if (out.wants('container_health', name, health, stateLevels)) {
      out.set(`container_health:${name}`, { kind: 'levels', value: health, levels: stateLevels, unit: 'state', subject: { metric: 'container.up', key: name }, container: factsOf(c) });
    }
    const recent = mem?.recent ?? 0;
    if (out.wants('container_restarts', name, recent, restartLevels)) {
      out.set(`container_restarts:${name}`, {
        kind: 'levels', value: recent, levels: restartLevels,
        unit: 'state', subject: { metric: 'container.restarts', key: name },
        container: { ...factsOf(c), recentRestarts: recent, windowMinutes: rules.restartMinutes },
      });
    }
  }
}
