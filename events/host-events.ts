import { systemClock, type Clock } from '../core/time.js';
import type { HostSummary, IngestHandle } from '../ingest/types.js';
import type { EventLog } from './event-log.js';

/** How often hosts held offline are looked at again once the hold may have ended. */
const HOLD_CHECK_MS = 1000;

/**
 * Writes hosts coming and going to the event log: first seen, offline (with
 * the reason: Last Will, clean stop, missed intervals) and back online.
 * While the ingest holds offline judgements (it was away from the broker, see
 * `presenceHeldUntil`), a host going offline is logged only if it is still
 * offline when the hold ends; one back in time leaves no line at all, so a
 * broker restart does not write one "offline" per agent.
 * Also hosts going over their cardinality limits. Returns the function that
 * stops listening.
 */
export function logHostEvents(ingest: IngestHandle, events: EventLog, opts: { clock?: Clock } = {}): () => void {
  const clock = opts.clock ?? systemClock;
  // Presence as the log last told it, and hosts gone offline during a hold, not told yet.
  const logged = new Map<string, HostSummary['presence']>(ingest.listHosts().map((h) => [h.id, h.presence]));
  const held = new Set<string>();

  const tell = (h: Pick<HostSummary, 'id' | 'presence' | 'reason'>): void => {
    logged.set(h.id, h.presence);
    if (h.presence === 'offline') events.append({ type: 'host.offline', host: h.id, message: `${h.id} went offline (${h.reason})`, data: { reason: h.reason } });
    else events.append({ type: 'host.online', host: h.id, message: `${h.id} is back online`, data: { reason: h.reason } });
  };

  // Once per host per episode (ingest/host-limits.ts): the admin learns which host is over its limits.
  const stopLimits = ingest.bus.on('events', 'limit', (e) => {
    events.append({
      type: 'host.over_limit', host: e.host,
      message: `${e.host} sent more mounts or interfaces than its limits allow; the new ones are dropped (${e.mounts} mounts, ${e.interfaces} interfaces, ${e.series} series kept)`,
      data: { mounts: e.mounts, interfaces: e.interfaces, series: e.series, refusedMounts: e.refusedMounts, refusedInterfaces: e.refusedInterfaces, containers: e.containers, refusedContainers: e.refusedContainers },
    });
  });
  const off = ingest.bus.on('events', 'host', (h) => {
    const before = logged.get(h.id);
    if (before === undefined) {
      logged.set(h.id, h.presence);
      events.append({ type: 'host.first_seen', host: h.id, message: `${h.id} seen for the first time`, data: { presence: h.presence } });
      return;
    }
    if (h.presence === 'offline' && before === 'online' && clock.now() < ingest.presenceHeldUntil()) {
      held.add(h.id);
      return;
    }
    held.delete(h.id);
    if (before !== h.presence) tell(h);
  });

  const timer = setInterval(() => {
    if (held.size === 0 || clock.now() < ingest.presenceHeldUntil()) return;
    for (const id of held) {
      const h = ingest.getHost(id);
      if (h && h.presence === 'offline' && logged.get(id) !== 'offline') tell(h);
    }
    held.clear();
  }, HOLD_CHECK_MS);
  timer.unref();

  return () => {
    clearInterval(timer);
    off();
    stopLimits();
  };
}
