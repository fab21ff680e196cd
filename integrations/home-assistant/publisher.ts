import { createHash } from 'node:crypto';
import { haStatusTopic } from '../../broker/acl.js';
import type { EventBus } from '../../core/event-bus.js';
import { createRateLimitedLog, type Logger } from '../../core/logger.js';
import type { Topics } from '../../protocol/topics.js';
import type { CheckResultRecord } from '../../checks/types.js';
import type { HostSummary, IngestEvents } from '../../ingest/types.js';
import { hostDiscovery, type DiscoveryConfigs } from './discovery.js';
import { ShapeTracker } from './shape.js';

export interface HaPublisherOptions {
  /** Home Assistant's discovery prefix (ha.prefix). */
  haPrefix: string;
  topics: Topics;
  /** The ingest's MQTT publish (QoS 1; rejects when not connected). */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  listHosts(): HostSummary[];
  /** Latest check results: which checks each runner runs. */
  checks(): CheckResultRecord[];
  /** A removed host (tombstone): never published again. */
  removed(host: string): boolean;
  bus: EventBus<IngestEvents>;
  log: Logger;
  /** ms to gather changes into one pass (default 1000). */
  debounceMs?: number;
}

export interface HaPublisher {
  /** The filters the ingest subscribes to for us: Home Assistant's birth message. */
  filters: readonly string[];
  /** Takes Home Assistant's birth message (`<prefix>/status` = `online`); false for any other topic. */
  handle(topic: string, payload: Uint8Array): boolean;
  /** Clears every config of a host being removed (empty retained payloads), then forgets it. */
  removeHost(host: string): Promise<void>;
  stats(): { hosts: number; configs: number; published: number; cleared: number };
  close(): Promise<void>;
}

const fingerprint = (payload: string): string => createHash('sha1').update(payload).digest('base64');

/**
 * Publishes Home Assistant MQTT discovery configs for every host
 * (docs/home-assistant.md), retained, from the ingest's own connection. It
 * does not flood: changes are gathered for `debounceMs`, and a host's configs
 * are sent only when their text changed (a fingerprint per topic) — except
 * after every (re)subscription of the ingest (a restarted broker may have
 * lost them) and on Home Assistant's birth message, which resend them all.
 * A config that is no longer valid (a mount or interface gone, a check no
 * longer run) is cleared with an empty retained payload, which HA takes as
 * "remove this entity".
 */
export function startHaPublisher(opts: HaPublisherOptions): HaPublisher {
  const birthTopic = haStatusTopic(opts.haPrefix);
  const shapes = new ShapeTracker();
  /** What the broker holds from us, per host: topic → fingerprint. */
  const published = new Map<string, Map<string, string>>();
  /** The checks each runner was last published with. */
  const knownChecks = new Map<string, Set<string>>();
  const dirty = new Set<string>();
  let forceAll = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let closed = false;
  const counters = { published: 0, cleared: 0 };
  const warn = createRateLimitedLog(opts.log);

  // What the hosts already showed before this start (the registry keeps their latest sample).
  for (const h of opts.listHosts()) if (h.latest) shapes.observe(h.id, h.latest);

  const schedule = (): void => {
    if (closed) return;
    timer ??= setTimeout(() => {
      timer = undefined;
      void run();
    }, opts.debounceMs ?? 1000);
  };
  const markDirty = (host: string): void => {
    dirty.add(host);
    schedule();
  };
  const resendAll = (): void => {
    forceAll = true;
    schedule();
  };

  const run = async (): Promise<void> => {
    if (running) {
      await running; // one pass at a time; what changed meanwhile is still marked
      if (dirty.size > 0 || forceAll) schedule();
      return;
    }
    running = pass().finally(() => {
      running = null;
    });
    await running;
  };

  const checksByRunner = (): Map<string, string[]> => {
    const by = new Map<string, string[]>();
    for (const r of opts.checks()) by.set(r.runner, [...(by.get(r.runner) ?? []), r.check]);
    for (const list of by.values()) list.sort();
    return by;
  };

  const desiredFor = (h: HostSummary, checks: readonly string[]): DiscoveryConfigs =>
    hostDiscovery({ haPrefix: opts.haPrefix, topics: opts.topics, host: h.id, info: h.info, shape: shapes.get(h.id), checks });

  const pass = async (): Promise<void> => {
    const force = forceAll;
    forceAll = false;
    const targets = new Set(force ? opts.listHosts().map((h) => h.id) : dirty);
    dirty.clear();
    const checks = checksByRunner();
    for (const id of targets) {
      if (closed) return;
      const h = opts.listHosts().find((x) => x.id === id);
      if (!h || opts.removed(id)) continue;
      const mine = checks.get(id) ?? [];
      knownChecks.set(id, new Set(mine));
      try {
        await sync(id, desiredFor(h, mine), force);
      } catch (error) {
        // Not connected, or refused: the next (re)subscription resends everything.
        dirty.add(id);
        warn('ha', 'Home Assistant discovery not published; trying again after the next connection', { host: id, err: String(error) });
      }
    }
  };

  /** Sends what differs from what the broker holds, and clears what is no longer wanted. */
  const sync = async (host: string, desired: DiscoveryConfigs, force: boolean): Promise<void> => {
    const before = published.get(host) ?? new Map<string, string>();
    const after = new Map(before);
    published.set(host, after);
    const sends: Promise<void>[] = [];
    for (const [topic, payload] of desired) {
      const fp = fingerprint(payload);
      if (!force && before.get(topic) === fp) continue;
      sends.push(opts.publish(topic, payload, true).then(() => {
        after.set(topic, fp);
        counters.published++;
      }, (error: unknown) => {
        after.delete(topic); // unknown state: compared as never sent
        throw error;
      }));
    }
    for (const topic of before.keys()) {
      if (desired.has(topic)) continue;
      sends.push(opts.publish(topic, '', true).then(() => {
        after.delete(topic);
        counters.cleared++;
      }));
    }
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const offs = [
    opts.bus.on('ha', 'sample', (s) => {
      if (shapes.observe(s.host, s.metrics)) markDirty(s.host);
    }),
    // Info, presence, first sight: the fingerprints keep an unchanged host from being sent again.
    opts.bus.on('ha', 'host', (h) => markDirty(h.id)),
    opts.bus.on('ha', 'check', (r) => {
      if (!knownChecks.get(r.runner)?.has(r.check)) markDirty(r.runner);
    }),
    // Every (re)subscription, the first included: a restarted broker may have lost retained messages.
    opts.bus.on('ha', 'subscribed', resendAll),
  ];

  return {
    filters: [birthTopic],
    handle(topic, payload) {
      if (topic !== birthTopic) return false;
      // HA sends `online` when it (re)starts and `offline` as its Last Will; only a birth asks for the configs again.
      if (Buffer.from(payload).toString('utf8').trim() === 'online') {
        opts.log.info('Home Assistant is online: sending the discovery configs again');
        resendAll();
      }
      return true;
    },
    async removeHost(host) {
      dirty.delete(host);
      await running;
      const h = opts.listHosts().find((x) => x.id === host);
      // What we sent in this run, and what we would send now (sent by an earlier run of the ingest).
      const topics = new Set(published.get(host)?.keys() ?? []);
      if (h) for (const topic of desiredFor(h, checksByRunner().get(host) ?? []).keys()) topics.add(topic);
      published.delete(host);
      knownChecks.delete(host);
      shapes.forget(host);
      await Promise.all([...topics].map((topic) => opts.publish(topic, '', true).then(() => {
        counters.cleared++;
      }, (error: unknown) => opts.log.warn({ err: String(error), host, topic }, 'Home Assistant discovery config of a removed host not cleared'))));
    },
    stats: () => ({ hosts: published.size, configs: [...published.values()].reduce((n, m) => n + m.size, 0), ...counters }),
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      for (const off of offs) off();
      await running;
    },
  };
}
