import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { EventBus } from '../core/event-bus.js';
import type { Clock } from '../core/time.js';
import { decodePayload } from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import type { IngestEvents } from './types.js';

export interface RunEventsHandler {
  /** Handles one message from `<prefix>/+/run/res/+`; false when the topic is not a `run/res` one. Never throws. */
  handle(topic: string, payload: Uint8Array): boolean;
  stats(): { received: number; invalid: number };
}

/**
 * The events agents publish about script runs (issue 14, `run/res/<id>`):
 * validated (runEvent schema) and handed to the bus as `run`, where the run
 * service (scripts/run-service.ts) matches them to the runs it started. An
 * invalid one is dropped, counted and logged (rate limited), as every other
 * payload the ingest receives.
 */
export function createRunEventsHandler(opts: { topics: Topics; bus: EventBus<IngestEvents>; clock: Clock; log: Logger }): RunEventsHandler {
  const warn = createRateLimitedLog(opts.log, 60_000);
  const counters = { received: 0, invalid: 0 };
  return {
    handle(topic, payload) {
      const parsed = opts.topics.parse(topic);
      if (parsed?.kind !== 'run/res') return false;
      counters.received += 1;
      try {
        const decoded = decodePayload('runEvent', payload);
        if (!decoded.ok) {
          counters.invalid += 1;
          warn(`invalid:${parsed.host}`, 'invalid run event dropped', { host: parsed.host, error: decoded.error });
          return true;
        }
        opts.bus.emit('run', { host: parsed.host, id: parsed.id, event: decoded.value, receivedAt: opts.clock.now() });
      } catch (error) {
        counters.invalid += 1;
        warn('handler-failed', 'run event handling failed', { err: error });
      }
      return true;
    },
    stats: () => ({ ...counters }),
  };
}
