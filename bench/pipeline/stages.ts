/**
 * Where the publish → dashboard latency builds up, measured inside the bench
 * server for the watched hosts' samples: publish → the broker has read and
 * parsed the PUBLISH (Aedes's authorizePublish, the first hook it calls), and
 * publish → the ingest has validated the sample and handed it to the live view
 * (its `sample` event). The dashboard socket's own figure is the watchers'.
 * Only the watched hosts are timed (a JSON parse of their payload), so the
 * measurement costs the server ~100 parses a second at 2,000 msg/s.
 */
import type { Aedes } from 'aedes';
import type { EventBus } from '../../core/event-bus.js';
import type { IngestEvents } from '../../ingest/types.js';
import type { Topics } from '../../protocol/topics.js';

export interface StageLatencies {
  /** Agent publish → PUBLISH read and parsed by the broker, ms. */
  broker: number[];
  /** Agent publish → sample validated by the ingest and emitted to the live view, ms. */
  ingest: number[];
}

export interface StageProbe {
  /** Times the samples of these hosts from now on, from empty lists (an empty list of hosts: stops, results kept). */
  watch(hosts: string[]): void;
  results(): StageLatencies;
}

export function probeStages(aedes: Aedes, bus: EventBus<IngestEvents>, topics: Topics): StageProbe {
  let byTopic = new Set<string>();
  let hosts = new Set<string>();
  const out: StageLatencies = { broker: [], ingest: [] };
  // Aedes looks the hook up at each publish: wrapping the one in place keeps Vigie's ACL and ingest flow.
  const authorize = aedes.authorizePublish!;
  aedes.authorizePublish = (client, packet, done) => {
    if (byTopic.has(packet.topic)) {
      const now = Date.now();
      try {
        const ts = (JSON.parse(packet.payload.toString()) as { ts?: unknown }).ts;
        if (typeof ts === 'number') out.broker.push(now - ts);
      } catch {
        // not JSON: the ingest refuses it and counts it as invalid
      }
    }
    authorize.call(aedes, client, packet, done);
  };
  bus.on('bench-stages', 'sample', (e) => {
    if (hosts.has(e.host)) out.ingest.push(Date.now() - e.metrics.ts);
  });
  return {
    watch(list) {
      if (list.length > 0) {
        out.broker = [];
        out.ingest = [];
      }
      hosts = new Set(list);
      byTopic = new Set(list.map((h) => topics.host(h, 'metrics')));
    },
    results: () => out,
  };
}
