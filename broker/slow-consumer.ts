import type { Client } from 'aedes';
import type { Duplex } from 'node:stream';

type Deliver = (packet: unknown, callback: () => void) => void;
interface Deliveries {
  deliver0: Deliver;
  deliverQoS: Deliver;
  conn: Duplex;
}

/** Why a slow subscriber was cut: the error its connection is destroyed with. */
export class SlowConsumerError extends Error {
  constructor(readonly backlogBytes: number) {
    super('slow consumer: too much undelivered output');
    this.name = 'SlowConsumerError';
  }
}

/**
 * Makes a subscriber that stops reading hurt only itself (issue 10, item 12).
 *
 * Aedes hands each published message to every matching subscriber and the
 * message counts as delivered only when every subscriber's socket took it;
 * mqemitter delivers at most `concurrency` messages at a time. A subscriber
 * whose socket is full therefore held every slot until drainTimeout cut it,
 * and nobody else — the ingest included — received anything meanwhile.
 *
 * Here a live delivery is reported done as soon as it is handed to the
 * client's own stream: the message waits in that client's output buffer, not
 * in everyone's way. That buffer is bounded: past `maxBacklogBytes` the
 * client is cut at once (`onCut`). Aedes's drainTimeout still cuts a client
 * whose socket has not drained for that long. What is not delivered to a
 * cut client with a persistent session stays in its session queue
 * (QoS 1), as for any lost connection. The replay of a session's queue at
 * reconnection is not a live delivery and keeps Aedes's backpressure.
 */
export function isolateSlowConsumer(client: Client, opts: {
  maxBacklogBytes: number;
  onCut(client: Client, error: SlowConsumerError): void;
  /** Never cut (known once CONNECT is authenticated): the ingest, whose backlog the broker bounds another way (ingest-flow.ts). */
  exempt?(client: Client): boolean;
}): void {
  const own = client as unknown as Deliveries;
  const original0 = own.deliver0;
  const originalQoS = own.deliverQoS;
  const noop = (): void => {};
  const decoupled = (deliver: Deliver): Deliver => (packet, callback) => {
    const backlog = own.conn.writableLength;
    if (backlog > opts.maxBacklogBytes && opts.exempt?.(client) !== true) {
      if (!own.conn.destroyed) {
        const error = new SlowConsumerError(backlog);
        opts.onCut(client, error);
        own.conn.destroy(error);
      }
      setImmediate(callback);
      return;
    }
    deliver(packet, noop);
    // Asynchronous like Aedes's own completions, so mqemitter's backlog drains by turns.
    setImmediate(callback);
  };
  // Subscriptions capture these functions when they are made (including the
  // restored ones of a persistent session), so they are replaced before CONNECT is handled.
  own.deliver0 = decoupled(original0);
  own.deliverQoS = decoupled(originalQoS);
}
