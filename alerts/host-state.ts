import { HOUR_MS, secondsToMs } from '../core/time.js';
import type { ContainerMetrics, DiskMetrics, InfoPayload, MetricsPayload, NetMetrics } from '../protocol/payloads.js';
import type { ServiceEntry, ServiceState } from '../protocol/schemas/services.js';
import { createForecastSeries, type DiskForecast, type ForecastSeries } from './forecast.js';
import type { Levels, LevelTrack } from './levels.js';
import { THRESHOLD_RULES, type RuleSet } from './rules.js';
import type { Alert, AlertSubject, AlertUnit, ContainerFacts, DeviceFacts, InterfaceFacts, RuleId } from './types.js';
import { containerInputs, type ContainerMemory } from './container-rules.js';
export { feedContainers } from './container-rules.js';

/** What the engine remembers of one host: the latest values, not a history (except the forecast window). */
export interface HostEntry {
  /** Cores from the info payload; the metrics' own `cpu.cores` is the fallback. */
  infoCores: number | null;
  metricCores: number | null;
  /** ts of the newest sample (agent clock); older samples only feed the forecast. */
  newestTs: number | null;
  /** Engine-clock time of the last sample or `online` status: staleness counts from here. */
  heardAt: number | null;
  /** Metrics interval in seconds: from the status payload, else the gap between the last two samples. */
  intervalS: number | null;
  intervalFromStatus: boolean;
  /** The reason of the last status when it said offline (`lost`, `stopped`); null when online or unknown. */
  offlineStatus: string | null;
  /** A device's last polling error (status `error`), with `offlineStatus`; null otherwise. */
  offlineError: string | null;
  /** An SNMP device (issue 13): its poller and address, from its info's `source`; null for an agent's own host. */
  device: DeviceFacts | null;
  latest: Latest | null;
  servicesTs: number | null;
  /** The last services payload's own list (shared with the host registry), and a name index built on the first lookup. */
  services: HostServices | null;
  series: Map<string, ForecastSeries>;
  forecasts: Map<string, DiskForecast | null>;
  tracks: Map<RuleId, Track>;
  /** Containers (issue 15) by name: whether seen running, and their restart counts over the rule's window. */
  containers: Map<string, ContainerMemory>;
}

/**
 * A host's services for the service rules. The index is built only when a
 * watched service is looked up: most hosts watch none, and a Map of every
 * service of 1,000 hosts was 5 MiB of heap.
 */
export interface HostServices {
  list: readonly ServiceEntry[];
  byName?: Map<string, ServiceState>;
}

/** The state of `name` in `services`, undefined when the host does not list it. */
export function serviceState(services: HostServices, name: string): ServiceState | undefined {
  services.byName ??= new Map(services.list.map((s) => [s.name, s.state]));
  return services.byName.get(name);
}

/**
 * The values of the newest sample; a group the agent left out is undefined.
 * Groups are the sample's own arrays, not copies: for a level rule, a name
 * given twice counts once, with its last entry (RuleInputs.wants).
 */
export interface Latest {
  cpu?: number;
  mem?: number;
  swap?: number;
  load1?: number;
  temperature?: number;
  disks?: readonly DiskMetrics[];
  /** Interfaces (agents' too: only a device's carry `oper`, `admin`, `util`). */
  ifaces?: readonly NetMetrics[];
  /** Containers (issue 15); undefined when the sample has no `containers` group. */
  containers?: readonly ContainerMetrics[];
}

export interface Track {
  alert: Alert;
  /** Threshold and service rules; null for offline and forecast alerts. */
  levels: LevelTrack | null;
}

export type Input =
  | { kind: 'levels'; value: number; levels: Levels; unit: AlertUnit; subject: AlertSubject; serviceState?: ServiceState; iface?: InterfaceFacts; container?: ContainerFacts }
  | { kind: 'forecast'; forecast: DiskForecast | null; rules: RuleSet['diskForecast']; subject: AlertSubject }
  /** The rule applies but this sample has no value for it: its alert stays as it is. */
  | { kind: 'frozen' };

export function newHostEntry(): HostEntry {
  return {
    infoCores: null, metricCores: null, newestTs: null, heardAt: null, intervalS: null, intervalFromStatus: false,
    offlineStatus: null, offlineError: null, device: null, latest: null, servicesTs: null, services: null, series: new Map(), forecasts: new Map(), tracks: new Map(),
    containers: new Map(),
  };
}

const finite = (v: number | null | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function latestFrom(m: MetricsPayload): Latest {
  const out: Latest = {
    cpu: finite(m.cpu?.usage),
    mem: finite(m.mem?.usedPercent),
    swap: finite(m.swap?.usedPercent),
    load1: finite(m.cpu?.load1),
    temperature: finite(m.temperature?.cpu),
  };
  if (m.disks) out.disks = m.disks;
  if (m.net) out.ifaces = m.net;
  if (m.containers) out.containers = m.containers;
  return out;
}

/** A device's poller and address from its info (`source`, issue 13); null for an agent's own host. */
export function deviceFrom(info: InfoPayload): DeviceFacts | null {
  return info.source?.kind === 'snmp' ? { poller: info.source.poller, address: info.source.address } : null;
}

/** What an interface alert keeps of a `net` entry: only the fields the sample has. */
function ifaceFacts(n: NetMetrics): InterfaceFacts {
  const out: InterfaceFacts = { name: n.iface };
  if (n.alias) out.alias = n.alias;
  if (n.oper !== undefined) out.oper = n.oper;
  if (n.admin !== undefined) out.admin = n.admin;
  if (n.speed !== undefined) out.speed = n.speed;
  return out;
}

/**
 * Down in the sense of the `if_down` rule: not operationally up while an
 * admin wants it up. An interface shut down on purpose (admin down) or in
 * test, or one whose states the sample lacks (an agent's), is not down.
 */
export const isIfaceDown = (n: NetMetrics): boolean => n.admin === 'up' && n.oper !== undefined && n.oper !== 'up';

/** Adds a sample's disks to the forecast series and refits the mounts it carries; forgets mounts it lacks. */
export function feedForecast(h: HostEntry, m: MetricsPayload, rules: RuleSet['diskForecast'], isNewest: boolean): void {
  if (!rules.enabled) {
    h.series.clear(); // no memory spent on a rule that is off
    h.forecasts.clear();
    return;
  }
  if (!m.disks) return;
  const windowMs = rules.windowHours * HOUR_MS;
  for (const d of m.disks) {
    let s = h.series.get(d.mount);
    if (!s && !isNewest) continue; // a late sample must not bring back a mount that is gone
    if (!s) h.series.set(d.mount, (s = createForecastSeries()));
    s.add(m.ts, d.usedPercent, windowMs);
    if (!s.refitDue()) continue; // the last fit stands: at most a bucket's width (window / 360) old
    const fit = s.fit();
    h.forecasts.set(d.mount, fit && d.total > 0 ? { ...fit, sizeBytes: d.total } : fit);
  }
  if (!isNewest) return;
  for (const mount of h.series.keys()) {
    if (hasMount(m.disks, mount)) continue;
    h.series.delete(mount);
    h.forecasts.delete(mount);
  }
}

function hasMount(disks: readonly DiskMetrics[], mount: string): boolean {
  for (const d of disks) if (d.mount === mount) return true;
  return false;
}

/** Whether a disk forecast with no alert under way starts one (engine.ts stepForecast). */
export function forecastFires(f: DiskForecast, rules: RuleSet['diskForecast']): boolean {
  return f.points >= rules.minPoints && f.r2 >= rules.minR2 && fullWithin(f, rules.horizonHours);
}

/** Whether the disk is predicted full within `hours`. */
export function fullWithin(f: DiskForecast, hours: number): boolean {
  return f.slopePerHour > 0 && f.hoursToFull !== null && f.hoursToFull <= hours;
}

const SERVICE_LEVEL: Partial<Record<ServiceState, number>> = { stopped: 1, failed: 2 };

const FROZEN: Input = Object.freeze({ kind: 'frozen' });

/**
 * What the engine derives from a rule's settings, kept per settings object
 * (the engine's rule sets are stable until the settings change, rules.ts
 * effectiveRulesCache): the engine evaluates every rule of every sample, and
 * building these afresh each time was a tenth of the server's allocations at
 * 2,000 samples/s (issue 16).
 */
function derived<K extends object, V>(make: (rule: K) => V): (rule: K) => V {
  const cache = new WeakMap<K, V>();
  return (rule) => {
    let out = cache.get(rule);
    if (out === undefined) cache.set(rule, (out = make(rule)));
    return out;
  };
}
const levelsOf = derived((r: RuleSet['cpu']): Levels => ({ warning: r.warning, critical: r.critical, hysteresis: r.hysteresis, forMs: secondsToMs(r.for) }));
// Down is 1, up 0: a level rule with both levels at 1 fires critical after `for`, without hysteresis.
const ifDownLevelsOf = derived((r: RuleSet['ifDown']): Levels => ({ warning: 1, critical: 1, hysteresis: 0, forMs: secondsToMs(r.for) }));
const serviceLevelsOf = derived((r: RuleSet['services']): Levels => ({ warning: 1, critical: 2, hysteresis: 0, forMs: secondsToMs(r.for) }));

/** The rules read from a sample's single values; the subject is shared, copied by an alert that uses it. */
const SIMPLE_RULES = [
  { rule: 'cpu', unit: 'percent', subject: { metric: 'cpu.usage', key: '' } },
  { rule: 'mem', unit: 'percent', subject: { metric: 'mem.usedPercent', key: '' } },
  { rule: 'swap', unit: 'percent', subject: { metric: 'swap.usedPercent', key: '' } },
  { rule: 'temperature', unit: 'celsius', subject: { metric: 'temperature.cpu', key: '' } },
  { rule: 'load', unit: 'perCore', subject: { metric: 'cpu.load1', key: '' } },
] as const satisfies ReadonlyArray<{ rule: keyof RuleSet; unit: AlertUnit; subject: AlertSubject }>;

function simpleValue(rule: (typeof SIMPLE_RULES)[number]['rule'], latest: Latest, cores: number | null): number | undefined {
  // Load per core: 4 on a 4-core host is as busy as 1 on a single core.
  if (rule === 'load') return latest.load1 !== undefined && cores ? latest.load1 / cores : undefined;
  return latest[rule];
}

/**
 * The inputs of one evaluation, by rule id. A rule with no alert under way
 * whose input cannot start one (a level under its warning level, a frozen
 * input, a forecast that does not fire) is left out: stepping it would change
 * nothing. Building an id and an input for every rule of every sample was
 * most of the engine's garbage (bench/alerts/engine.ts, issue 16). A rule with
 * an alert under way is always given, so a tracked id left out means the rule
 * no longer applies.
 */
export class RuleInputs {
  private map: Map<RuleId, Input> | undefined;

  constructor(private readonly tracks: ReadonlyMap<RuleId, Track>) {}

  /** No alert of rule `prefix` (`prefix:key` with a key) is under way; the id is built only when the host has some. */
  untracked(prefix: string, key?: string): boolean {
    return this.tracks.size === 0 || !this.tracks.has(idOf(prefix, key));
  }

  /**
   * Whether a level input of `value` may change an alert: at or over its
   * warning level, or its rule has one under way. One that may not is left
   * out, and takes the place of an earlier entry of the same name in the
   * sample (the last entry of a name counts).
   */
  wants(prefix: string, key: string | undefined, value: number, levels: Levels): boolean {
    if (value >= levels.warning || !this.untracked(prefix, key)) return true;
    if (this.map !== undefined) this.map.delete(idOf(prefix, key));
    return false;
  }

  set(id: RuleId, input: Input): void {
    (this.map ??= new Map()).set(id, input);
  }

  /** Frozen: the rule applies but this sample has no value for it; only an alert under way needs to hear it. */
  freeze(prefix: string, key?: string): void {
    if (!this.untracked(prefix, key)) this.set(idOf(prefix, key), FROZEN);
  }

  /** Freezes every alert under way whose id starts with `prefix` (a sample without the group they read). */
  freezeTracked(prefix: string): void {
    for (const id of this.tracks.keys()) if (id.startsWith(prefix)) this.set(id, FROZEN);
  }

  has(id: RuleId): boolean {
    return this.map?.has(id) ?? false;
  }

  get size(): number {
    return this.map?.size ?? 0;
  }

  entries(): Iterable<[RuleId, Input]> {
    return this.map ?? NO_INPUTS;
  }
}

const NO_INPUTS: ReadonlyMap<RuleId, Input> = new Map();

const idOf = (prefix: string, key: string | undefined): RuleId => (key === undefined ? prefix : `${prefix}:${key}`) as RuleId;

/** Every rule that applies to the host now and may change its alerts, with its input (see RuleInputs). */
export function ruleInputs(h: HostEntry, rules: RuleSet): RuleInputs {
  const out = new RuleInputs(h.tracks);
  const latest = h.latest ?? {};
  const cores = h.infoCores ?? h.metricCores;

  for (const { rule, unit, subject } of SIMPLE_RULES) {
    if (!rules[rule].enabled) continue;
    const value = simpleValue(rule, latest, cores);
    const levels = levelsOf(rules[rule]);
    if (value === undefined) out.freeze(rule);
    else if (out.wants(rule, undefined, value, levels)) out.set(rule, { kind: 'levels', value, levels, unit, subject });
  }

  if (rules.disk.enabled) {
    if (latest.disks) {
      const levels = levelsOf(rules.disk);
      for (const { mount, usedPercent: value } of latest.disks) {
        if (out.wants('disk', mount, value, levels)) out.set(`disk:${mount}`, { kind: 'levels', value, levels, unit: 'percent', subject: { metric: 'disk.usedPercent', key: mount } });
      }
    } else {
      out.freezeTracked('disk:');
    }
  }

  // Interfaces (issue 13): a sample without `net` says nothing about them; an
  // interface missing from one that has `net` is gone, as a mount is; one
  // present without the field (no rate after a device reboot) keeps its alert.
  if (rules.ifDown.enabled || rules.ifUtil.enabled) {
    if (!latest.ifaces) {
      if (rules.ifDown.enabled) out.freezeTracked('if_down:');
      if (rules.ifUtil.enabled) out.freezeTracked('if_util:');
    } else {
      const ifDownLevels = ifDownLevelsOf(rules.ifDown);
      const ifUtilLevels = levelsOf(rules.ifUtil);
      for (const n of latest.ifaces) {
        if (rules.ifDown.enabled) {
          if (n.oper === undefined || n.admin === undefined) out.freeze('if_down', n.iface);
          else {
            const value = isIfaceDown(n) ? 1 : 0;
            if (out.wants('if_down', n.iface, value, ifDownLevels)) {
              out.set(`if_down:${n.iface}`, { kind: 'levels', value, levels: ifDownLevels, unit: 'state', subject: { metric: 'net.up', key: n.iface }, iface: ifaceFacts(n) });
            }
          }
        }
        if (rules.ifUtil.enabled) {
          const value = n.util;
          if (value === undefined || !Number.isFinite(value)) out.freeze('if_util', n.iface);
          else if (out.wants('if_util', n.iface, value, ifUtilLevels)) {
            out.set(`if_util:${n.iface}`, { kind: 'levels', value, levels: ifUtilLevels, unit: 'percent', subject: { metric: 'net.util', key: n.iface }, iface: ifaceFacts(n) });
          }
        }
      }
    }
  }

  if (rules.diskForecast.enabled) {
    for (const [mount, forecast] of h.forecasts) {
      // No fit yet keeps whatever alert there is (stepForecast); one that does not fire starts none.
      if (out.untracked('disk_forecast', mount) && (!forecast || !forecastFires(forecast, rules.diskForecast))) continue;
      out.set(`disk_forecast:${mount}`, { kind: 'forecast', forecast, rules: rules.diskForecast, subject: { metric: 'disk.usedPercent', key: mount } });
    }
  }

  containerInputs(h, rules.containers, out);

  if (rules.services.enabled) {
    const serviceLevels = serviceLevelsOf(rules.services);
    for (const name of rules.services.watch) {
      // Not listed (uninstalled, renamed): nothing to alert on. No payload yet: wait.
      if (!h.services) {
        out.freeze('service', name);
        continue;
      }
      const state = serviceState(h.services, name);
      if (state === undefined) continue;
      const value = SERVICE_LEVEL[state] ?? 0;
      if (out.wants('service', name, value, serviceLevels)) out.set(`service:${name}`, { kind: 'levels', value, levels: serviceLevels, unit: 'state', subject: { metric: 'service', key: name }, serviceState: state });
    }
  }
  return out;
}

/** Whether a rule id is switched on (and, for a service, watched) in `rules`. */
export function ruleEnabled(rules: RuleSet, id: RuleId): boolean {
  if (id === 'offline') return rules.offline.enabled;
  if ((THRESHOLD_RULES as string[]).includes(id)) return rules[id as keyof RuleSet].enabled;
  if (id.startsWith('disk:')) return rules.disk.enabled;
  if (id.startsWith('disk_forecast:')) return rules.diskForecast.enabled;
  if (id.startsWith('if_down:')) return rules.ifDown.enabled;
  if (id.startsWith('if_util:')) return rules.ifUtil.enabled;
  if (id.startsWith('container')) return rules.containers.enabled && !rules.containers.ignore.includes(id.slice(id.indexOf(':') + 1));
  if (id.startsWith('service:')) return rules.services.enabled && rules.services.watch.includes(id.slice('service:'.length));
  return false;
}

/** True when no sample or online status came for `missedIntervals` metrics intervals. */
export function isStale(h: HostEntry, rules: RuleSet, now: number): boolean {
  if (h.heardAt === null || h.intervalS === null) return false;
  return now - h.heardAt > rules.offline.missedIntervals * secondsToMs(h.intervalS);
}
