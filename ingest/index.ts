import { EventBus } from '../core/event-bus.js';
import { onceClose } from '../core/lifecycle.js';
import { createLogger, type Logger } from '../core/logger.js';
import { DAY_MS, secondsToMs, systemClock, type Clock } from '../core/time.js';
import { commandFilters } from '../protocol/payloads.js';
import { createTopics } from '../protocol/topics.js';
import { startCommandRequester } from './commands.js';
import { createRunEventsHandler } from './run-events.js';
import type { IngestConfig } from './config.js';
import { startConsumer } from './consumer.js';
import { startLocalConsumer } from './local-consumer.js';
import type { LocalIngestLink } from '../broker/local-ingest.js';
import { lanAddresses } from '../core/net.js';
import { readCaFile } from '../core/tls.js';
import { startSummaryPublisher } from './summary-publisher.js';
import { startHostRegistry } from './host-registry.js';
import { createMessageHandler } from './message-handler.js';
import { ignoreRemoved, openTombstones } from './tombstones.js';
import { createHostLimiter } from './host-limits.js';
import { startStoredPublisher } from './stored-publisher.js';
import { createRetainedClears } from './retained-clears.js';
import { createIngestLag, LAG_HOLD_MS } from './ingest-lag.js';
import { openDatabase } from './store/sqlite/database.js';
import { readRawSamples } from './store/sqlite/raw-samples.js';
import { HostRepo } from './store/sqlite/host-repo.js';
import { startSqliteMetricStore } from './store/sqlite/sqlite-metric-store.js';
import { attachInfluxEvents } from './store/influx/events.js';
import { startInfluxMetricStore, type InfluxMetricStore } from './store/influx/influx-metric-store.js';
import type { MetricStore } from './store/metric-store.js';
import { createCheckResults } from '../checks/results.js';
import type { IngestEvents, IngestHandle, SampleQuery } from './types.js';
import type { HaConfig } from '../integrations/home-assistant/config.js';
import { startHaPublisher, type HaPublisher } from '../integrations/home-assistant/publisher.js';

export type * from './types.js';

export interface IngestStartConfig {
  ingest: IngestConfig;
  /** Directory holding vigie.db (created if missing). */
  dataDir: string;
  /** MQTT topic prefix, e.g. `vigie`. */
  prefix: string;
  /** Home Assistant MQTT discovery (integrations/home-assistant); absent or disabled: nothing is published under its prefix. */
  ha?: HaConfig;
}

/**
 * Starts the ingest: opens `<dataDir>/vigie.db`, loads known hosts, and
 * subscribes to every host's status, info, metrics and services, and every
 * runner's check results (`checks`: latest and availability). Resolves
 * without waiting for the broker (it connects when it can). close() stops
 * consuming first, then saves hosts, writes pending points and closes the
 * database — in that order, so nothing accepted is lost.
 */
export interface IngestStartOptions {
  clock?: Clock;
  log?: Logger;
  maintenanceInterval?: number;
  /**
   * Whether a (runner, check) pair is in the check catalog (the stack gives it): results of other pairs
   * are dropped and counted, so an agent cannot create unbounded series. Absent: every pair is accepted.
   */
  acceptCheck?(runner: string, check: string): boolean;
  /**
   * The embedded broker of this process (`vigie up` with ingest.inProcess): messages come straight
   * from it, with no MQTT connection; `ingest.broker`, credentials and client id are then unused.
   */
  link?: LocalIngestLink;
}

/** Seconds between writes of the hosts' last seen and latest sample (host-registry.ts, hotPersistInterval): a restart's starting point, not an acknowledgement. */
const HOT_PERSIST_INTERVAL_S = 10;

export async function startIngest(config: IngestStartConfig, opts: IngestStartOptions = {}): Promise<IngestHandle> {
  const cfg = config.ingest;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger('ingest');
  const topics = createTopics(config.prefix);
  const bus = new EventBus<IngestEvents>(log);

  const db = openDatabase(config.dataDir, { cacheBytes: cfg.sqliteCache });
  let store: MetricStore | undefined;
  let influx: InfluxMetricStore | undefined;
  let registry: ReturnType<typeof startHostRegistry> | undefined;
  // How far behind the ingest is (a backlog delays every host alike): staleness and offline judgements wait for it.
  const lag = createIngestLag({ clock });
  bus.on('lag', 'sample', (s) => lag.observe(s.host, s.metrics.ts, s.receivedAt));
  let detachEvents = (): void => undefined;
  try {
    // Metric history goes to SQLite (the default) or InfluxDB; hosts always stay in SQLite.
    if (cfg.store === 'influx') {
      store = influx = startInfluxMetricStore({ influx: cfg.influx, retention: cfg.retention, clock, log: log.child({ part: 'influx' }) });
    } else {
      store = startSqliteMetricStore({
        db, retention: cfg.retention, flushInterval: cfg.flushInterval, flushSize: cfg.flushSize, clock, log: log.child({ part: 'store' }),
        writer: cfg.writeWorker ? 'worker' : 'inline', cacheBytes: cfg.sqliteCache,
        // Seconds between rollup runs: 60 by default; tests of the rollup tiers ask for less.
        ...(opts.maintenanceInterval !== undefined ? { maintenanceInterval: opts.maintenanceInterval } : {}),
      });
    }
    const reg = startHostRegistry({
      repo: new HostRepo(db, log), bus, staleAfterIntervals: cfg.staleAfterIntervals, persistInterval: cfg.flushInterval, hotPersistInterval: Math.max(cfg.flushInterval, HOT_PERSIST_INTERVAL_S), clock,
      lagMs: () => lag.lagMs(), log: log.child({ part: 'hosts' }),
    });
    registry = reg;
    if (influx) {
      detachEvents = attachInfluxEvents({
        bus, hosts: reg.list(), getServices: (id) => reg.get(id)?.services ?? null, writeEvent: influx.writeEvent, clock,
      });
    }
  } catch (error) {
    await registry?.close();
    await store?.close();
    db.close();
    throw error;
  }
  const [metricStore, hostRegistry] = [store, registry];
  const tombstones = openTombstones(db, { clock, ttlMs: cfg.tombstoneDays * DAY_MS });
  // Every retained topic the ingest clears goes through here: one that cannot be sent now is sent on the next connection.
  const clears = createRetainedClears({ publish: (t, p, r) => publish(t, p, r), log: log.child({ part: 'clears' }) });
  const ignore = ignoreRemoved(tombstones, { clock, clear: (host, kind) => void clears.clear([topics.host(host, kind)]) });
  const limiter = createHostLimiter(cfg.limits, clock, (e) => {
    log.warn({ host: e.host, mounts: e.mounts, interfaces: e.interfaces, series: e.series, limits: cfg.limits }, 'host over its cardinality limits: new mounts/interfaces dropped');
    bus.emit('limit', e);
  });
  // The series a host already has keep working after a restart (SQLite only: InfluxDB may be unreachable at start).
  if (cfg.store === 'sqlite') for (const h of hostRegistry.list()) limiter.seed(h.id, await metricStore.series(h.id));
  let onConnect = (): void => handler.resume();
  const checks = createCheckResults({ history: (q) => metricStore.history(q), clock });
  // Set once the consumer exists (it publishes the `stored` acknowledgements).
  let storedAgain = (_host: string): void => undefined;
  let closeStored = (): void => undefined;
  const handler = createMessageHandler({
    topics, registry: hostRegistry, store: metricStore, bus, rawRetention: cfg.retention.raw, limiter, onDuplicate: (h) => storedAgain(h), clock,
    log: log.child({ part: 'consumer' }), ignore, checks, removed: (h) => tombstones.has(h),
    ...(opts.acceptCheck ? { acceptCheck: opts.acceptCheck } : {}),
  });
  // The consumer is created after the summary publisher (its Last Will) and
  // handed to it through this indirection.
  let publish = (_topic: string, _payload: string, _retain: boolean): Promise<void> => Promise.reject(new Error('not started'));
  let subscribed = (): boolean => false;
  const summary = startSummaryPublisher({
    topics, publish: (t, p, r) => publish(t, p, r), subscribed: () => subscribed(), listHosts: () => hostRegistry.list(), bus, addresses: lanAddresses, clock,
    log: log.child({ part: 'summary' }),
  });
  const commands = startCommandRequester({ topics, publish: (t, p, r) => publish(t, p, r), clock, log: log.child({ part: 'commands' }) });
  // Home Assistant discovery (issue 15), off by default: one device per host, from this connection.
  const ha: HaPublisher | null = config.ha?.enabled
    ? startHaPublisher({
        haPrefix: config.ha.prefix, topics, publish: (t, p, r) => publish(t, p, r), listHosts: () => hostRegistry.list(), checks: () => checks.latest(),
        removed: (h) => tombstones.has(h), bus, log: log.child({ part: 'ha' }),
      })
    : null;
  const runEvents = createRunEventsHandler({ topics, bus, clock, log: log.child({ part: 'runs' }) });
  // Diagnosis answers go to the requester, script run events to the bus; a cheap substring test keeps the metrics path to one topic parse.
  const onMessage = (topic: string, payload: Uint8Array, retained: boolean): boolean =>
    (topic.includes('/cmd/res/') && commands.handle(topic, payload)) || (topic.includes('/run/res/') && runEvents.handle(topic, payload)) ||
    (ha !== null && ha.handle(topic, payload)) || handler.handle(topic, payload, retained);
  // When the ingest last (re)subscribed: offline judgements wait a grace after it (presenceHeldUntil).
  let subscribedAt: number | null = null;
  const onSubscribed = (): void => {
    subscribedAt = clock.now();
    summary.onSubscribed();
    bus.emit('subscribed', { at: subscribedAt });
  };
  const consuming = {
    topics, onMessage, log: log.child({ part: 'mqtt' }), onSubscribed,
    onConnect: () => {
      onConnect();
      clears.retry();
    },
    // Check results too (issue 12), subscribed again on every connection like the host topics.
    // Script run events (issue 14): only the ingest receives them (broker/acl.ts canReceive).
    extraFilters: [commandFilters(topics).allResponses(), topics.allCheckResults(), topics.allRunResponses(), ...(ha?.filters ?? [])], ...(metricStore.commits ? { acks: metricStore.commits } : {}),
  };
  const consumer = opts.link
    ? startLocalConsumer({ ...consuming, link: opts.link })
    : startConsumer({ ...consuming, url: cfg.broker, clientId: cfg.clientId, username: cfg.username, password: cfg.password, ca: readCaFile(cfg.ca, 'ingest.ca'), will: summary.will() });
  publish = consumer.publish;
  subscribed = consumer.subscribed;
  const commits = metricStore.commits;
  if (commits) {
    const stored = startStoredPublisher({
      topics, publish: (t, p, r) => publish(t, p, r), commits, clock, log: log.child({ part: 'stored' }), removed: (host) => tombstones.has(host),
      minIntervalMs: secondsToMs(cfg.storedInterval),
    });
    storedAgain = stored.again;
    closeStored = stored.close;
    // Samples left unacknowledged while the store was full come back only when the broker
    // resends them, which it does on a reconnection [MQTT-4.4.0-1]: reconnect once writes succeed.
    // (In-process, the consumer held them itself and hands them again: local-consumer.ts.)
    let deferredSeen = 0;
    onConnect = () => {
      handler.resume();
      deferredSeen = handler.counters.deferred; // what was deferred before is resent on this connection
    };
    commits.onCommit(() => {
      if (handler.counters.deferred === deferredSeen || commits.full()) return;
      deferredSeen = handler.counters.deferred;
      consumer.redeliver();
    });
  }

  const close = onceClose(async () => {
    await ha?.close();
    await commands.close();
    await summary.close();
    closeStored(); // what waits for its interval goes out before the connection ends
    await consumer.close();
    detachEvents();
    for (const [name, part] of [['hosts', hostRegistry], ['store', metricStore]] as const) {
      try {
        await part.close();
      } catch (error) {
        log.error({ err: error, part: name }, 'failed to close');
      }
    }
    db.close();
  });

  return {
    bus,
    listHosts: () => hostRegistry.list(),
    getHost: (id) => hostRegistry.get(id),
    history: (q) => metricStore.history(q),
    series: (host) => metricStore.series(host),
    ...(cfg.store === 'sqlite' ? { samples: (q: SampleQuery) => readRawSamples(db, q) } : {}),
    stats: () => {
      const s = metricStore.stats();
      const c = handler.counters;
      const details = metricStore.details?.() ?? null;
      return {
        received: c.received, accepted: c.accepted, invalid: c.invalid, failed: c.failed, duplicates: c.duplicates, deferred: c.deferred,
        unacked: consumer.unacked(), pointsWritten: s.written, pending: s.pending,
        connected: consumer.connected(), dropped: s.dropped, storage: details?.state ?? 'ok', store: details,
        limits: { ...cfg.limits, refused: limiter.refusedTotal(), hosts: limiter.overLimit() },
        unknownChecks: c.unknownChecks, lagMs: lag.lagMs(),
        runEvents: runEvents.stats(),
      };
    },
    command: commands.command,
    publish: (topic, payload, retain) => publish(topic, payload, retain),
    removeHost: async (id, opts = {}) => {
      // The tombstone first: whatever arrives from now on (a Last Will, a retained message) is ignored.
      tombstones.add(id);
      // Its check results too (issue 12): retained, they would come back as latest after a restart.
      const ranChecks = checks.latest().filter((r) => r.runner === id).map((r) => r.check);
      const retained = [
        ...(['status', 'info', 'services'] as const).map((kind) => topics.host(id, kind)), topics.stored(id),
        ...ranChecks.map((check) => topics.checkResult(id, check)), ...(opts.alsoClear ?? []),
      ].filter((topic, i, all) => all.indexOf(topic) === i);
      // Its Home Assistant device too, while its shape and checks are still known.
      await ha?.removeHost(id);
      for (const check of ranChecks) checks.forget(id, check);
      await clears.clear(retained);
      if (!(await hostRegistry.remove(id))) return null;
      limiter.forget(id);
      lag.forget(id);
      return metricStore.deleteHost(id);
    },
    buryHost: (id) => tombstones.add(id),
    restoreHost: (id) => tombstones.lift(id),
    presenceHeldUntil: () => {
      if (!subscribed() || subscribedAt === null) return Number.POSITIVE_INFINITY;
      const behind = lag.lagMs();
      // Working through a backlog: silence is the ingest's own delay, not the hosts'.
      return Math.max(subscribedAt + secondsToMs(cfg.presenceGrace), behind >= LAG_HOLD_MS ? clock.now() + behind : 0);
    },
    // Per-host counts only for Home Assistant: every agent receives the summary.
    provideAlertCounts: (counts, byHost) => summary.provideAlerts(counts, ha ? byHost : undefined),
    ...(ha ? { haStats: () => ha.stats() } : {}),
    checks,
    flush: async () => {
      hostRegistry.persist();
      await metricStore.flush();
    },
    close,
  };
}
