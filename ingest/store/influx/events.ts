import type { EventBus } from '../../../core/event-bus.js';
import type { Clock } from '../../../core/time.js';
import type { HostDetail, HostSummary, IngestEvents } from '../../types.js';
import type { InfluxEvent } from './schema.js';

export interface InfluxEventsDeps {
  bus: EventBus<IngestEvents>;
  /** Hosts known at start (from SQLite): their current presence and services are the baseline, not changes. */
  hosts: ReadonlyArray<HostSummary | HostDetail>;
  getServices: (host: string) => HostDetail['services'];
  writeEvent: (e: InfluxEvent) => boolean;
  clock: Clock;
}

/**
 * Feeds the `events` measurement from the ingest bus: a status event when
 * a host's presence or its reason changes, a service event for each service
 * whose state changed (or that appeared). Re-delivered retained payloads
 * change nothing and write nothing. Returns the function that detaches it.
 */
export function attachInfluxEvents(deps: InfluxEventsDeps): () => void {
  const presence = new Map<string, string>();
  const services = new Map<string, Map<string, string>>();
  for (const h of deps.hosts) {
    presence.set(h.id, `${h.presence}\u0000${h.reason}`);
    const s = deps.getServices(h.id);
    if (s) services.set(h.id, new Map(s.services.map((e) => [e.name, e.state])));
  }

  const offHost = deps.bus.on('influx-events', 'host', (h) => {
    const now = `${h.presence}\u0000${h.reason}`;
    if (presence.get(h.id) === now) return;
    presence.set(h.id, now);
    // The agent's time when this status message caused the change; ours for a change we inferred (stale, metrics).
    const fromStatus = h.status && h.status.state === h.presence && h.status.reason === h.reason && h.status.ts !== undefined;
    deps.writeEvent({ host: h.id, ts: fromStatus ? (h.status?.ts as number) : deps.clock.now(), kind: 'status', state: h.presence, reason: h.reason });
  });

  const offServices = deps.bus.on('influx-events', 'services', ({ host, services: payload }) => {
    const known = services.get(host) ?? new Map<string, string>();
    for (const s of payload.services) {
      if (known.get(s.name) === s.state) continue;
      known.set(s.name, s.state);
      deps.writeEvent({ host, ts: payload.ts, kind: 'service', name: s.name, state: s.state });
    }
    services.set(host, known);
  });

  return () => {
    offHost();
    offServices();
  };
}
