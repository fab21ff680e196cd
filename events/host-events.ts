import type { HostSummary, IngestHandle } from '../ingest/types.js';
import type { EventLog } from './event-log.js';

/**
 * Writes hosts coming and going to the event log: first seen, offline (with
 * the reason: Last Will, clean stop, missed intervals) and back online.
 * Also hosts going over their cardinality limits. Returns the function that
 * stops listening.
 */
export function logHostEvents(ingest: IngestHandle, events: EventLog): () => void {
  const presence = new Map<string, HostSummary['presence']>(ingest.listHosts().map((h) => [h.id, h.presence]));
  // Once per host per episode (ingest/host-limits.ts): the admin learns which host is over its limits.
  const stopLimits = ingest.bus.on('events', 'limit', (e) => {
    events.append({
      type: 'host.over_limit', host: e.host,
      message: `${e.host} sent more mounts or interfaces than its limits allow; the new ones are dropped (${e.mounts} mounts, ${e.interfaces} interfaces, ${e.series} series kept)`,
      data: { mounts: e.mounts, interfaces: e.interfaces, series: e.series, refusedMounts: e.refusedMounts, refusedInterfaces: e.refusedInterfaces },
    });
  });
  const stopHosts = ingest.bus.on('events', 'host', (h) => {
    const before = presence.get(h.id);
    presence.set(h.id, h.presence);
    if (before === undefined) {
      events.append({ type: 'host.first_seen', host: h.id, message: `${h.id} seen for the first time`, data: { presence: h.presence } });
      return;
    }
    if (before === h.presence) return;
    if (h.presence === 'offline') events.append({ type: 'host.offline', host: h.id, message: `${h.id} went offline (${h.reason})`, data: { reason: h.reason } });
    else events.append({ type: 'host.online', host: h.id, message: `${h.id} is back online`, data: { reason: h.reason } });
  });
  return () => {
    stopLimits();
    stopHosts();
  };
}
