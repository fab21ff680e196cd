import type { HostSummary, IngestHandle } from '../ingest/types.js';
import type { EventLog } from './event-log.js';

/**
 * Writes hosts coming and going to the event log: first seen, offline (with
 * the reason: Last Will, clean stop, missed intervals) and back online.
 * Returns the function that stops listening.
 */
export function logHostEvents(ingest: IngestHandle, events: EventLog): () => void {
  const presence = new Map<string, HostSummary['presence']>(ingest.listHosts().map((h) => [h.id, h.presence]));
  return ingest.bus.on('events', 'host', (h) => {
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
}
