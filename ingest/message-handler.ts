import type { EventBus } from '../core/event-bus.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import { HOUR_MS, secondsToMs, type Clock } from '../core/time.js';
import { flattenCheckResult, flattenMetrics } from '../protocol/metric-series.js';
import type { CheckResultsStore } from '../checks/results.js';
import { decodePayload, type PayloadByKind } from '../protocol/payloads.js';
import { HOST_TOPIC_KINDS, type HostTopicKind, type Topics } from '../protocol/topics.js';
import type { HostLimiter } from './host-limits.js';
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
  /** Per-host cardinality limits: the sample is cut down to admitted mounts and interfaces before anything else sees it. */
  limiter: HostLimiter;
  /** A sample with a seq the store already committed came again: the `stored` acknowledgement should be sent again. */
  onDuplicate?(host: string): void;
  clock: Clock;
  log: Logger;
  /** True for a host whose messages are to be dropped unseen (removed: ingest/tombstones.ts). */
  ignore?(host: string, kind: HostTopicKind): boolean;
  /** Check results (issue 12): the latest per pair; without it, results are dropped as unknown. */
  checks?: CheckResultsStore;
  /**
   * Whether the server knows this (runner, check) pair (the check catalog): other results are dropped and
   * counted, so an agent cannot create unbounded series. Absent: every pair is accepted.
   */
  acceptCheck?(runner: string, check: string): boolean;
  /** True for a removed runner (a tombstone): its results are dropped unseen. */
  removed?(host: string): boolean;
}

export interface MessageCounters {
  received: number;
  accepted: number;
  invalid: number;
  /** Messages whose handling hit an internal error (logged; the process goes on). */
  failed: number;
  /** Samples whose seq was already stored or queued: dropped (not stored twice), acknowledged again. */
  duplicates: number;
  /** Samples left unacknowledged because the store's buffer was full (disk full or failing): the sender keeps them. */
  deferred: number;
  /** Check results of a (runner, check) pair the server does not know: dropped. */
  unknownChecks: number;
}

export interface MessageHandler {
  /**
   * Handles one MQTT message. Never throws: whatever the network sends. Returns false when the
   * message must not be acknowledged (the store could not take it); true otherwise, including
   * for refused input (sending it again would not help).
   */
  handle(topic: string, payload: Uint8Array, retained: boolean): boolean;
  /** A new broker connection: the messages left unacknowledged come again, in order; samples are taken again. */
  resume(): void;
  counters: MessageCounters;
}

/** The store could not take the sample now: leave the message unacknowledged. */
const DEFER = Symbol('defer');
/** A sample whose seq is already stored or queued: acknowledged, not stored again, not counted as accepted. */
const DUPLICATE = Symbol('duplicate');
/** Dropped and counted by its own counter (a check result of an unknown pair). */
const DROPPED = Symbol('dropped');

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
  const counters: MessageCounters = { received: 0, accepted: 0, invalid: 0, failed: 0, duplicates: 0, deferred: 0, unknownChecks: 0 };
  // Highest seq per host queued in the store but maybe not committed yet: a redelivery of it is a duplicate too.
  const queuedSeq = new Map<string, number>();
  // Once one sample is left unacknowledged, every later one is too until the broker resends them
  // in order on a new connection: storing a later seq first would make the earlier one look like a
  // duplicate when it comes back (a `stored` acknowledgement covers every lower seq).
  let deferring = false;

  function reject(topic: string, host: string, error: string): void {
    counters.invalid += 1;
    const shown = topic.length > 200 ? `${topic.slice(0, 200)}…` : topic;
    warn(`invalid:${host}`, 'invalid message dropped', { topic: shown, error });
    bus.emit('invalid', { topic: shown, error });
  }

  function isDuplicate(host: string, seq: number): boolean {
    const committed = store.commits?.committedSeq(host);
    if (committed !== undefined && seq <= committed) {
      deps.onDuplicate?.(host);
      return true;
    }
    const queued = queuedSeq.get(host);
    return queued !== undefined && seq <= queued; // its commit will publish `stored` anyway
  }

  /** Per kind: what an accepted payload does; a string is why it is refused after all, DEFER that it must wait. */
  const accept: { [K in HostTopicKind]: (host: string, value: PayloadByKind[K], arrival: Arrival) => string | typeof DEFER | typeof DUPLICATE | undefined } = {
    metrics(host, sample, arrival) {
      const now = clock.now();
      if (sample.ts > now + MAX_CLOCK_AHEAD_MS) return `metrics.ts: ${new Date(sample.ts).toISOString()} is more than 1 h ahead of the server clock`;
      if (sample.ts < now - rawRetentionMs) return `metrics.ts: ${new Date(sample.ts).toISOString()} is older than the raw retention (${deps.rawRetention} s)`;
      if (sample.seq !== undefined && isDuplicate(host, sample.seq)) return DUPLICATE;
      const m = deps.limiter.limit(host, sample);
      let deferred = deferring;
      if (!deferred && !store.write(host, m.ts, flattenMetrics(m), m.seq) && store.commits?.full()) deferring = deferred = true;
      // A deferred sample still proves its host alive and feeds the live view and alerts: a full
      // disk must not turn into "offline" alarms. It is stored when the broker resends it.
      registry.onMetrics(host, m, arrival);
      bus.emit('sample', { host, metrics: m, receivedAt: now });
      if (deferred) return DEFER;
      if (m.seq !== undefined) queuedSeq.set(host, m.seq);
      return undefined;
    },
    status: (host, value, arrival) => void registry.onStatus(host, value, arrival),
    info: (host, value, arrival) => void registry.onInfo(host, value, arrival),
    services: (host, value, arrival) => void registry.onServices(host, value, arrival),
  };

  /** Decodes with the schema of `kind` and applies it; returns why it was refused, if it was (or DEFER, DUPLICATE). */
  function dispatch<K extends HostTopicKind>(kind: K, host: string, payload: Uint8Array, arrival: Arrival): string | typeof DEFER | typeof DUPLICATE | undefined {
    const decoded = decodePayload(kind, payload);
    return decoded.ok ? accept[kind](host, decoded.value, arrival) : decoded.error;
  }

  /**
   * A check result (issue 12): `vigie/<runner>/checks/<check>`. Stored without seq (results are not part
   * of the agents' sample acknowledgements); a replay of the latest (retained, on resubscription) is
   * neither stored again nor emitted again, so alerts do not count it twice.
   */
  function checkResult(runner: string, check: string, payload: Uint8Array): string | typeof DEFER | typeof DUPLICATE | typeof DROPPED | undefined {
    const results = deps.checks;
    if (results === undefined || (deps.acceptCheck !== undefined && !deps.acceptCheck(runner, check))) {
      counters.unknownChecks += 1;
      warn(`unknown-check:${runner}`, 'result of a check the server does not give this runner: dropped', { runner, check, dropped: counters.unknownChecks });
      return DROPPED; // neither invalid (a removed check keeps coming until its runner hears) nor accepted
    }
    const decoded = decodePayload('checkResult', payload);
    if (!decoded.ok) return decoded.error;
    const result = decoded.value;
    const now = clock.now();
    if (result.ts > now + MAX_CLOCK_AHEAD_MS) return `checkResult.ts: ${new Date(result.ts).toISOString()} is more than 1 h ahead of the server clock`;
    if (result.ts < now - rawRetentionMs) return `checkResult.ts: ${new Date(result.ts).toISOString()} is older than the raw retention (${deps.rawRetention} s)`;
    const offer = results.offer({ runner, check, result, receivedAt: now });
    // 'same' and already stored: a replay. 'same' but not stored: its write was deferred, the broker resends it.
    if (offer === 'same' && results.isStored(runner, check, result.ts)) return DUPLICATE;
    if (!store.write(runner, result.ts, flattenCheckResult(check, result))) {
      if (store.commits?.full()) {
        if (offer === 'new') bus.emit('check', { runner, check, result, receivedAt: now });
        return DEFER;
      }
      return `checkResult: the store refused the result (closed)`;
    }
    if (offer !== 'older') results.markStored(runner, check, result.ts);
    if (offer === 'new') bus.emit('check', { runner, check, result, receivedAt: now });
    return undefined;
  }

  function handle(topic: string, payload: Uint8Array, retained: boolean): boolean {
    counters.received += 1;
    try {
      const parsed = topics.parse(topic);
      if (parsed?.kind === 'check') {
        if (deps.removed?.(parsed.host)) return true; // a removed runner: acknowledged and dropped unseen
        // A zero-byte publish clears the retained result: the check left this runner.
        if (payload.byteLength === 0) {
          deps.checks?.forget(parsed.host, parsed.check);
          return true;
        }
        return settle(topic, parsed.host, checkResult(parsed.host, parsed.check, payload));
      }
      if (parsed === null || !isHostKind(parsed.kind)) {
        reject(topic, parsed?.host ?? '?', `topic: "${topic.slice(0, 120)}" is not ${topics.prefix}/<host id>/<${HOST_TOPIC_KINDS.join('|')}> (host id: [a-z0-9][a-z0-9._-]{0,62})`);
        return true;
      }
      // A zero-byte publish clears a retained topic [MQTT-3.3.1-10]: someone tidying up, not bad input.
      if (payload.byteLength === 0 && parsed.kind !== 'metrics') return true;
      if (deps.ignore?.(parsed.host, parsed.kind)) return true; // a removed host: acknowledged and dropped unseen
      return settle(topic, parsed.host, dispatch(parsed.kind, parsed.host, payload, { retained }));
    } catch (error) {
      counters.failed += 1;
      warn('handler-failed', 'message handling failed', { topic: topic.slice(0, 200), err: error });
    }
    return true;
  }

  /** Counts the outcome of one message; false leaves it unacknowledged. */
  function settle(topic: string, host: string, refused: string | typeof DEFER | typeof DUPLICATE | typeof DROPPED | undefined): boolean {
    if (refused === DEFER) {
      counters.deferred += 1;
      warn('deferred', 'store buffer full: samples left unacknowledged for their senders to keep', { deferred: counters.deferred });
      return false;
    }
    if (refused === DUPLICATE) counters.duplicates += 1;
    else if (refused === DROPPED) return true;
    else if (refused !== undefined) reject(topic, host, refused);
    else counters.accepted += 1;
    return true;
  }

  return {
    handle,
    resume: () => {
      deferring = false;
    },
    counters,
  };
}
