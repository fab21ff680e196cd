import type { EventBus } from '../core/event-bus.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import { HOUR_MS, secondsToMs, type Clock } from '../core/time.js';
import { flattenMetrics } from '../protocol/metric-series.js';
import { decodePayload, type PayloadByKind } from '../protocol/payloads.js';
import { HOST_TOPIC_KINDS, type HostTopicKind, type Topics } from '../protocol/topics.js';
import type { Arrival, HostRegistry } from './host-registry.js';
import type { MetricStore } from './store/metric-store.js';
import type { IngestEvents } from './types.js';

/** A sample stamped further ahead than this is refused: its agent's clock is wrong. */
export const MAX_CLOCK_AHEAD_MS = HOUR_MS;

export interface MessageHandlerDeps {
  topics: Topics;
  registry: HostRegistry;
  store: MetricStore;
  bus: EventBus<IngestEvents>;
  /** Seconds raw samples are kept: an older sample could not be stored. */
  rawRetention: number;
  clock: Clock;
  log: Logger;
  /** True for a host whose messages are to be dropped unseen (removed: ingest/tombstones.ts). */
  ignore?(host: string, kind: HostTopicKind): boolean;
}

export interface MessageCounters {
  received: number;
  accepted: number;
  invalid: number;
  /** Messages whose handling hit an internal error (logged; the process goes on). */
  failed: number;
}

export interface MessageHandler {
  /** Handles one MQTT message. Never throws: whatever the network sends. */
  handle(topic: string, payload: Uint8Array, retained: boolean): void;
  counters: MessageCounters;
}

const isHostKind = (kind: string): kind is HostTopicKind => (HOST_TOPIC_KINDS as readonly string[]).includes(kind);

/**
 * Validates and dispatches one message: topic → host and kind, payload →
 * typed value (size, JSON, schema), then the registry, the store and the
 * bus. Bad input is dropped, counted, logged with a rate limit and emitted
 * as `invalid`, with an error that names the field.
 */
export function createMessageHandler(deps: MessageHandlerDeps): MessageHandler {
  const { topics, registry, store, bus, clock, log } = deps;
  const warn = createRateLimitedLog(log);
  const rawRetentionMs = secondsToMs(deps.rawRetention);
  const counters: MessageCounters = { received: 0, accepted: 0, invalid: 0, failed: 0 };

  function reject(topic: string, host: string, error: string): void {
    counters.invalid += 1;
    const shown = topic.length > 200 ? `${topic.slice(0, 200)}…` : topic;
    warn(`invalid:${host}`, 'invalid message dropped', { topic: shown, error });
    bus.emit('invalid', { topic: shown, error });
  }

  /** Per kind: what an accepted payload does; a string is why it is refused after all. */
  const accept: { [K in HostTopicKind]: (host: string, value: PayloadByKind[K], arrival: Arrival) => string | undefined } = {
    metrics(host, m, arrival) {
      const now = clock.now();
      if (m.ts > now + MAX_CLOCK_AHEAD_MS) return `metrics.ts: ${new Date(m.ts).toISOString()} is more than 1 h ahead of the server clock`;
      if (m.ts < now - rawRetentionMs) return `metrics.ts: ${new Date(m.ts).toISOString()} is older than the raw retention (${deps.rawRetention} s)`;
      registry.onMetrics(host, m, arrival);
      store.write(host, m.ts, flattenMetrics(m));
      bus.emit('sample', { host, metrics: m, receivedAt: now });
      return undefined;
    },
    status: (host, value, arrival) => void registry.onStatus(host, value, arrival),
    info: (host, value, arrival) => void registry.onInfo(host, value, arrival),
    services: (host, value, arrival) => void registry.onServices(host, value, arrival),
  };

  /** Decodes with the schema of `kind` and applies it; returns why it was refused, if it was. */
  function dispatch<K extends HostTopicKind>(kind: K, host: string, payload: Uint8Array, arrival: Arrival): string | undefined {
    const decoded = decodePayload(kind, payload);
    return decoded.ok ? accept[kind](host, decoded.value, arrival) : decoded.error;
  }

  function handle(topic: string, payload: Uint8Array, retained: boolean): void {
    counters.received += 1;
    try {
      const parsed = topics.parse(topic);
      if (parsed === null || !isHostKind(parsed.kind)) {
        return reject(topic, parsed?.host ?? '?', `topic: "${topic.slice(0, 120)}" is not ${topics.prefix}/<host id>/<${HOST_TOPIC_KINDS.join('|')}> (host id: [a-z0-9][a-z0-9._-]{0,62})`);
      }
      // A zero-byte publish clears a retained topic [MQTT-3.3.1-10]: someone tidying up, not bad input.
      if (payload.byteLength === 0 && parsed.kind !== 'metrics') return;
      if (deps.ignore?.(parsed.host, parsed.kind)) return;
      const refused = dispatch(parsed.kind, parsed.host, payload, { retained });
      if (refused !== undefined) return reject(topic, parsed.host, refused);
      counters.accepted += 1;
    } catch (error) {
      counters.failed += 1;
      warn('handler-failed', 'message handling failed', { topic: topic.slice(0, 200), err: error });
    }
  }

  return { handle, counters };
}
