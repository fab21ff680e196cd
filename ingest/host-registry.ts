import type { EventBus } from '../core/event-bus.js';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import { isBusy } from '../core/sqlite.js';
import { createPool, createStringPool } from '../core/string-pool.js';
import { secondsToMs, type Clock } from '../core/time.js';
import type { InfoPayload, MetricsPayload, ServiceEntry, ServicesPayload, StatusPayload } from '../protocol/payloads.js';
import { hostHealth } from './host-health.js';
import type { HostRepo, HostWrite, StoredHost } from './store/sqlite/host-repo.js';
import type { HostDetail, HostState, HostSummary, IngestEvents } from './types.js';

/** Metrics interval assumed until a host's status says otherwise (the agent's default). */
export const DEFAULT_INTERVAL_S = 5;
/** How often presence is checked for staleness. */
const STALE_CHECK_MS = 250;
/**
 * Longest the timer's host writes hold the server thread at a time: the rest
 * go on the next turn of the event loop, after the messages waiting (issue 16).
 */
export const PERSIST_SLICE_MS = 4;
/** Wait before a slice tries again when another connection holds the write lock. */
const PERSIST_BUSY_RETRY_MS = 25;
/** Distinct service names shared between hosts at most (core/string-pool.ts): a fleet has a few hundred. */
const SERVICE_NAMES_SHARED = 20_000;
/** Distinct (name, state, enabled) entries shared between hosts' services lists, at most. */
const SERVICE_ENTRIES_SHARED = 50_000;

export interface HostRegistryOptions {
  repo: HostRepo;
  bus: EventBus<IngestEvents>;
  /** A host whose messages stop for this many of its intervals goes offline 'stale'. */
  staleAfterIntervals: number;
  /** Seconds between writes of changed hosts to the database: new hosts, info, status, services. */
  persistInterval: number;
  /**
   * Seconds between writes of what every sample changes (last seen, presence, latest sample);
   * default persistInterval. Serialising every host's latest sample costs the server thread
   * ~10 ms at 1,000 hosts: each second, that showed in the live latency (issue 16).
   */
  hotPersistInterval?: number;
  clock: Clock;
  log: Logger;
  /** How far behind the ingest is (ingest/ingest-lag.ts): added to every host's stale period. Default 0. */
  lagMs?(): number;
}

/** How a message reached us: retained ones are old news and do not prove the host is alive. */
export interface Arrival {
  retained: boolean;
}

export interface HostRegistry extends Handle {
  onStatus(host: string, status: StatusPayload, arrival: Arrival): void;
  onInfo(host: string, info: InfoPayload, arrival: Arrival): void;
  onServices(host: string, services: ServicesPayload, arrival: Arrival): void;
  onMetrics(host: string, metrics: MetricsPayload, arrival: Arrival): void;
  list(): HostSummary[];
  get(id: string): HostDetail | null;
  /** Marks hosts offline 'stale' whose messages stopped; the timer calls it. */
  checkStale(): void;
  /** Writes changed hosts now, in one transaction (the timer's writes go a slice at a time). */
  persist(): void;
  /**
   * Forgets a host (an admin removed it); false when unknown. Its rows are
   * deleted without SQLite's busy wait on the server thread: while the metric
   * store's writer holds the lock, the delete is tried again shortly, and
   * resolves once done (close() finishes one still waiting).
   */
  remove(id: string): Promise<boolean>;
}

interface HostRecord extends StoredHost {
  state: HostState;
  /** When we last heard from the live agent (receipt time), for staleness. */
  heardAt: number;
}

/**
 * Who is out there and how they are: first/last seen, presence from the
 * status topic (retained online/offline, Last Will → offline 'lost') and from
 * staleness, info, services, latest sample and the health colour. Changes are
 * kept in memory, fanned out on the bus, and written to SQLite in batches so a
 * metrics message never costs a write of its own.
 */
export function startHostRegistry(opts: HostRegistryOptions): HostRegistry {
  const { repo, bus, clock, log } = opts;
  const hosts = new Map<string, HostRecord>();
  const serviceName = createStringPool(SERVICE_NAMES_SHARED);
  const serviceEntry = createPool<ServiceEntry>(
    SERVICE_ENTRIES_SHARED,
    (e) => `${e.state}\u0000${e.enabled}\u0000${e.name}`,
    (e) => Object.freeze({ name: serviceName(e.name), state: e.state, enabled: e.enabled }),
  );
  /**
   * The payload with its entries shared between hosts (kept for every host, in
   * memory): 5,000 hosts' lists held ~700,000 entry objects, a quarter of the
   * server's heap, which every full garbage collection walks (a heap snapshot of
   * bench/pipeline, issue 16). A shared entry is frozen, being every host's, and
   * holds the contract's three fields only.
   */
  const shareEntries = <P extends ServicesPayload | null>(services: P): P => {
    if (services === null) return services;
    services.services = services.services.map(serviceEntry);
    return services;
  };
  // Hosts to write: `dirty` only their hot columns (last seen, presence, latest sample), `wholeDirty` entirely (new, or info/status/services changed).
  const dirty = new Set<string>();
  const wholeDirty = new Set<string>();
  const startedAt = clock.now();
  for (const h of repo.loadAll()) {
    // A restart is not silence: every known host gets a full stale period from now.
    hosts.set(h.id, { ...h, services: shareEntries(h.services), state: hostHealth(h.presence, h.latest), heardAt: Math.max(h.lastSeen, startedAt) });
  }
  log.debug({ hosts: hosts.size }, 'hosts loaded');

  function summary(r: HostRecord): HostSummary {
    return {
      id: r.id, state: r.state, presence: r.presence, reason: r.reason, firstSeen: r.firstSeen,
      lastSeen: r.lastSeen, info: r.info, status: r.status, latest: r.latest,
    };
  }

  /** Finds or creates the record and notes the arrival; returns it and whether it is new. */
  function touch(id: string, arrival: Arrival): { r: HostRecord; isNew: boolean } {
    const now = clock.now();
    let r = hosts.get(id);
    const isNew = r === undefined;
    if (r === undefined) {
      r = {
        id, firstSeen: now, lastSeen: now, presence: 'offline', reason: 'unknown', info: null, status: null,
        services: null, latest: null, state: 'offline', heardAt: now,
      };
      hosts.set(id, r);
      wholeDirty.add(id);
    } else if (!arrival.retained) {
      r.lastSeen = now;
      r.heardAt = now;
    }
    dirty.add(id);
    return { r, isNew };
  }

  /** Recomputes the colour; emits `host` when something the card shows changed. */
  function settle(r: HostRecord, changed: boolean): void {
    const state = hostHealth(r.presence, r.latest);
    if (state !== r.state) {
      r.state = state;
      changed = true;
    }
    if (changed) bus.emit('host', summary(r));
  }

  function setPresence(r: HostRecord, presence: HostRecord['presence'], reason: string): boolean {
    if (r.presence === presence && r.reason === reason) return false;
    r.presence = presence;
    r.reason = reason;
    return true;
  }

  function checkStale(): void {
    const now = clock.now();
    // Samples the ingest has not reached yet are not silence: a backlog must not turn every host 'stale'.
    const behind = opts.lagMs?.() ?? 0;
    for (const r of hosts.values()) {
      if (r.presence !== 'online') continue;
      const intervalS = r.status?.interval ?? DEFAULT_INTERVAL_S;
      if (now - r.heardAt > secondsToMs(intervalS * opts.staleAfterIntervals) + behind) {
        setPresence(r, 'offline', 'stale');
        dirty.add(r.id);
        settle(r, true);
      }
    }
  }

  /** Removed hosts whose rows wait for the write lock (remove). */
  const pendingDeletes = new Set<string>();
  let hotWrittenAt = clock.now();
  /** Hosts taken for writing, whole rows first; written from their index on, over turns of the event loop. */
  let wholeQueue: string[] = [];
  let hotQueue: string[] = [];
  let wholeAt = 0;
  let hotAt = 0;
  /** Cancels the next slice, when one is due (on the next turn, or after a busy database). */
  let cancelSlice: (() => void) | undefined;
  /** The next queued host still known (one removed meanwhile is not written back). */
  const nextQueued = (): HostWrite | undefined => {
    while (wholeAt < wholeQueue.length) {
      const host = hosts.get(wholeQueue[wholeAt++]!);
      if (host) return { host, whole: true };
    }
    while (hotAt < hotQueue.length) {
      const host = hosts.get(hotQueue[hotAt++]!);
      if (host) return { host, whole: false };
    }
    return undefined;
  };
  const queueEmpty = (): boolean => wholeAt === wholeQueue.length && hotAt === hotQueue.length;
  const clearQueue = (): void => {
    cancelSlice?.();
    cancelSlice = undefined;
    wholeQueue = [];
    hotQueue = [];
    wholeAt = hotAt = 0;
  };

  /** Moves changed hosts to the queue; `hot` rows only when due (or `all`: on demand, at close). */
  function enqueue(all: boolean): void {
    const hotDue = all || clock.now() - hotWrittenAt >= secondsToMs(opts.hotPersistInterval ?? opts.persistInterval);
    if ((dirty.size === 0 || !hotDue) && wholeDirty.size === 0) return;
    for (const id of wholeDirty) {
      wholeQueue.push(id);
      dirty.delete(id);
    }
    wholeDirty.clear();
    if (hotDue) {
      for (const id of dirty) hotQueue.push(id);
      dirty.clear();
      hotWrittenAt = clock.now();
    }
  }

  /** Writes changed hosts now, those already queued included, in one transaction. */
  function persist(all = true): void {
    enqueue(all);
    try {
      repo.saveFor(nextQueued);
    } catch (error) {
      rewriteAll();
      throw error;
    } finally {
      clearQueue();
    }
  }
  /** After a failed write (rolled back): every host is written whole next time. */
  function rewriteAll(): void {
    for (const id of hosts.keys()) wholeDirty.add(id);
  }

  // Once a minute at most: a full disk fails every persist interval (issue 10, item 16).
  const warnPersist = createRateLimitedLog(log, 60_000);
  /** One slice of the queued writes; the rest on a later turn of the loop. */
  function writeSlice(): void {
    cancelSlice = undefined;
    const from = [wholeAt, hotAt] as const;
    try {
      // Empty once close (or persist) wrote the rest meanwhile.
      if (repo.saveFor(nextQueued, PERSIST_SLICE_MS, { wait: false }) && !queueEmpty()) {
        const next = setImmediate(writeSlice);
        cancelSlice = () => clearImmediate(next);
      } else clearQueue();
    } catch (error) {
      if (isBusy(error)) {
        // The metric store's writer holds the lock: rolled back, so the same hosts again, shortly.
        [wholeAt, hotAt] = from;
        const next = setTimeout(writeSlice, PERSIST_BUSY_RETRY_MS);
        cancelSlice = () => clearTimeout(next);
        return;
      }
      warnPersist('persist', 'saving hosts failed; will retry', { err: (error as Error).message });
      clearQueue();
      rewriteAll();
    }
  }
  /** The timer's write: changed hosts, a slice at a time. A round still writing is left to finish. */
  function persistSliced(): void {
    if (!queueEmpty()) return;
    clearQueue();
    enqueue(false);
    if (!queueEmpty()) writeSlice();
  }

  const staleTimer = setInterval(checkStale, STALE_CHECK_MS);
  const persistTimer = setInterval(persistSliced, secondsToMs(opts.persistInterval));
  staleTimer.unref();
  persistTimer.unref();

  return {
    onStatus(id, status, arrival) {
      const { r } = touch(id, arrival);
      r.status = status;
      wholeDirty.add(id);
      setPresence(r, status.state, status.reason);
      settle(r, true);
    },
    onInfo(id, info, arrival) {
      const { r } = touch(id, arrival);
      r.info = info;
      wholeDirty.add(id);
      settle(r, true);
    },
    onServices(id, services, arrival) {
      const { r, isNew } = touch(id, arrival);
      r.services = shareEntries(services);
      wholeDirty.add(id);
      settle(r, isNew);
      bus.emit('services', { host: id, services });
    },
    onMetrics(id, metrics, arrival) {
      const { r, isNew } = touch(id, arrival);
      // Buffered samples from an outage arrive late and old: the card shows the newest.
      if (r.latest === null || metrics.ts >= r.latest.ts) r.latest = metrics;
      // A retained sample is not proof of life; a live one brings a stale or lost host back.
      const back = !arrival.retained && setPresence(r, 'online', r.presence === 'online' ? r.reason : 'metrics');
      settle(r, isNew || back);
    },
    list: () => [...hosts.values()].sort((a, b) => a.id.localeCompare(b.id)).map(summary),
    get(id) {
      const r = hosts.get(id);
      return r ? { ...summary(r), services: r.services } : null;
    },
    checkStale,
    persist,
    async remove(id) {
      if (!hosts.delete(id)) return false;
      dirty.delete(id);
      wholeDirty.delete(id);
      // A queued write skips it: nextQueued finds it gone.
      pendingDeletes.add(id);
      try {
        while (pendingDeletes.has(id)) {
          try {
            repo.delete(id, { wait: false });
            pendingDeletes.delete(id);
          } catch (error) {
            if (!isBusy(error)) throw error;
            await new Promise((resolve) => setTimeout(resolve, PERSIST_BUSY_RETRY_MS));
          }
        }
      } finally {
        pendingDeletes.delete(id);
      }
      return true;
    },
    close: onceClose(async () => {
      clearInterval(staleTimer);
      clearInterval(persistTimer);
      // Deletes still waiting for the lock: done now, waiting for it if need be.
      for (const id of pendingDeletes) repo.delete(id);
      pendingDeletes.clear();
      persist();
    }),
  };
}
