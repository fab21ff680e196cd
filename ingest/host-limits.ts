import type { Clock } from '../core/time.js';
import { MINUTE_MS } from '../core/time.js';
import { DEVICE_LIMITS, type MetricsPayload } from '../protocol/payloads.js';
import { METRICS } from '../protocol/metric-series.js';
import type { SeriesRef } from './types.js';

/** Per-host cardinality limits (config `ingest.limits`). */
export interface HostLimitsConfig {
  seriesPerHost: number;
  mountsPerHost: number;
  interfacesPerHost: number;
  containersPerHost: number;
}

/** A host that sent more than its limits allow, as the admin sees it (health, Status page). */
export interface HostOverLimit {
  host: string;
  /** Mounts, interfaces, containers and series the host has (known before the limit, or admitted since). */
  mounts: number;
  interfaces: number;
  containers: number;
  series: number;
  /** What was refused in this episode: disk entries (new mounts), net entries (new interfaces), new container names. */
  refusedMounts: number;
  refusedInterfaces: number;
  refusedContainers: number;
  /** First and latest refusal of this episode, ms. */
  since: number;
  lastAt: number;
}

export interface HostLimiter {
  /** Marks the series a host already has as known (from the store at start): they keep working. */
  seed(host: string, series: readonly SeriesRef[]): void;
  /** The sample with only admitted mounts and interfaces (the same object when nothing is refused). */
  limit(host: string, m: MetricsPayload): MetricsPayload;
  /** Forgets a removed host. */
  forget(host: string): void;
  /** Hosts refused something in the last episode window. */
  overLimit(): HostOverLimit[];
  /** Disk and net entries refused since start, all hosts. */
  refusedTotal(): number;
}

/** An episode ends after this long without a refusal; the next refusal starts a new one (and a new event). */
export const LIMIT_EPISODE_QUIET_MS = 10 * MINUTE_MS;

/** Series each mount and each interface brings, and the unkeyed ones always admitted: counted from the protocol's METRICS. */
const countMetrics = (keep: (name: string) => boolean): number => Object.keys(METRICS).filter(keep).length;
const SERIES_PER_DISK = countMetrics((n) => n.startsWith('disk.'));
// Counted as a device's interface (rates, utilisation, link state, errors, discards); an agent's has fewer.
const SERIES_PER_IFACE = countMetrics((n) => n.startsWith('net.'));
// Containers are keyed by name, and names churn (`docker run` without --name, CI jobs): each new name is new series.
const SERIES_PER_CONTAINER = countMetrics((n) => n.startsWith('container.'));
// Check series (issue 12) are bounded by the check catalog, not by the host's metrics; custom
// OIDs (issue 13) by the keys below, one series each.
const BASE_SERIES = countMetrics((n) => !['disk.', 'net.', 'check.', 'custom.', 'container.'].some((p) => n.startsWith(p)));
/** Custom series names one host may have: what a device may be configured with. */
const CUSTOM_PER_HOST = DEVICE_LIMITS.customOids;

interface HostKeys {
  mounts: Set<string>;
  ifaces: Set<string>;
  custom: Set<string>;
  containers: Set<string>;
  episode: HostOverLimit | null;
}

/**
 * Per-host cardinality limits (issue 10, item 3): a host may have at most so
 * many mounts, interfaces, containers and series. Known keys keep working; a new mount,
 * interface or container name past a limit is dropped from the sample (the rest of the sample is
 * kept) and counted. Everything downstream (store, alerts, live view) only
 * ever sees the limited sample, so a host's alert rules and series are bounded
 * by these limits. `onEpisode` is called once when a host starts refusing.
 */
export function createHostLimiter(cfg: HostLimitsConfig, clock: Clock, onEpisode: (e: HostOverLimit) => void): HostLimiter {
  const hosts = new Map<string, HostKeys>();
  let refusedTotal = 0;

  function keys(host: string): HostKeys {
    let k = hosts.get(host);
    if (!k) hosts.set(host, (k = { mounts: new Set(), ifaces: new Set(), custom: new Set(), containers: new Set(), episode: null }));
    return k;
  }
  const seriesOf = (k: HostKeys): number => BASE_SERIES + k.mounts.size * SERIES_PER_DISK + k.ifaces.size * SERIES_PER_IFACE + k.custom.size + k.containers.size * SERIES_PER_CONTAINER;

  function summarise(host: string, k: HostKeys, e: HostOverLimit): HostOverLimit {
    return { ...e, host, mounts: k.mounts.size, interfaces: k.ifaces.size, containers: k.containers.size, series: seriesOf(k) };
  }

  function refuse(host: string, k: HostKeys, mounts: number, ifaces: number, containers: number): void {
    const now = clock.now();
    refusedTotal += mounts + ifaces + containers;
    if (k.episode && now - k.episode.lastAt > LIMIT_EPISODE_QUIET_MS) k.episode = null;
    const fresh = k.episode === null;
    k.episode ??= { host, mounts: 0, interfaces: 0, containers: 0, series: 0, refusedMounts: 0, refusedInterfaces: 0, refusedContainers: 0, since: now, lastAt: now };
    k.episode.refusedMounts += mounts;
    k.episode.refusedInterfaces += ifaces;
    k.episode.refusedContainers += containers;
    k.episode.lastAt = now;
    if (fresh) onEpisode(summarise(host, k, k.episode));
  }

  return {
    seed(host, series) {
      const k = keys(host);
      for (const s of series) {
        if (s.metric.startsWith('disk.')) k.mounts.add(s.key);
        else if (s.metric.startsWith('net.')) k.ifaces.add(s.key);
        else if (s.metric.startsWith('custom.')) k.custom.add(s.key);
        else if (s.metric.startsWith('container.')) k.containers.add(s.key);
      }
    },
    limit(host, m) {
      const k = keys(host);
      const allKnown = (m.disks?.every((d) => k.mounts.has(d.mount)) ?? true) && (m.net?.every((n) => k.ifaces.has(n.iface)) ?? true)
        && (m.custom?.every((c) => k.custom.has(c.name)) ?? true) && (m.containers?.every((c) => k.containers.has(c.name)) ?? true);
      if (allKnown) return m; // the usual case: no copy
      let refusedMounts = 0;
      let refusedIfaces = 0;
      /** Whether a key may pass: known, or new and within both the per-kind and the series limit. */
      const admit = (known: Set<string>, key: string, max: number, seriesPerKey: number): boolean => {
        if (known.has(key)) return true;
        if (known.size >= max || seriesOf(k) + seriesPerKey > cfg.seriesPerHost) return false;
        known.add(key);
        return true;
      };
      const disks = m.disks?.filter((d) => {
        const ok = admit(k.mounts, d.mount, cfg.mountsPerHost, SERIES_PER_DISK);
        if (!ok) refusedMounts += 1;
        return ok;
      });
      const net = m.net?.filter((n) => {
        const ok = admit(k.ifaces, n.iface, cfg.interfacesPerHost, SERIES_PER_IFACE);
        if (!ok) refusedIfaces += 1;
        return ok;
      });
      // A custom name past the limit is dropped silently from the sample: the device catalog
      // bounds them already, so only a misbehaving publisher gets here.
      let refusedCustom = 0;
      const custom = m.custom?.filter((c) => {
        const ok = admit(k.custom, c.name, CUSTOM_PER_HOST, 1);
        if (!ok) refusedCustom += 1;
        return ok;
      });
      let refusedContainers = 0;
      const containers = m.containers?.filter((c) => {
        const ok = admit(k.containers, c.name, cfg.containersPerHost, SERIES_PER_CONTAINER);
        if (!ok) refusedContainers += 1;
        return ok;
      });
      if (refusedMounts + refusedIfaces + refusedCustom + refusedContainers === 0) return m;
      refuse(host, k, refusedMounts, refusedIfaces + refusedCustom, refusedContainers);
      return { ...m, ...(disks ? { disks } : {}), ...(net ? { net } : {}), ...(custom ? { custom } : {}), ...(containers ? { containers } : {}) };
    },
    forget: (host) => void hosts.delete(host),
    overLimit() {
      const now = clock.now();
      const out: HostOverLimit[] = [];
      for (const [host, k] of hosts) {
        if (k.episode && now - k.episode.lastAt <= LIMIT_EPISODE_QUIET_MS) out.push(summarise(host, k, k.episode));
      }
      return out.sort((a, b) => a.host.localeCompare(b.host));
    },
    refusedTotal: () => refusedTotal,
  };
}
