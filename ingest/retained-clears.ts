import type { Logger } from '../core/logger.js';

export interface RetainedClears {
  /** Clears these retained topics (an empty retained publish); one that cannot be sent now is sent on the next connection. */
  clear(topics: readonly string[]): Promise<void>;
  /** Sends the clears left over; called once the ingest is connected again. */
  retry(): void;
}

/**
 * Retained topics of a removed host (at its removal, and a late Last Will
 * the broker publishes after it: ingest/tombstones.ts), cleared even when the ingest's connection
 * is down at that moment (a reconnection to get resends, a broker restart):
 * left retained, a `stored` or `status` would be shown by every other
 * subscriber (the OLED, Home Assistant) and outlive the host. A clear is
 * idempotent, so sending it again later is always safe.
 */
export function createRetainedClears(opts: { publish(topic: string, payload: string, retain: boolean): Promise<void>; log: Logger }): RetainedClears {
  const waiting = new Set<string>();

  const send = (topic: string): Promise<void> =>
    opts.publish(topic, '', true).then(
      () => void waiting.delete(topic),
      (error: unknown) => {
        if (!waiting.has(topic)) opts.log.warn({ err: String(error), topic }, 'retained topic not cleared yet: cleared on the next connection');
        waiting.add(topic);
      },
    );

  return {
    clear: async (topics) => {
      await Promise.all(topics.map(send));
    },
    retry: () => {
      for (const topic of [...waiting]) void send(topic);
    },
  };
}
