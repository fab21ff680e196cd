import type { LocalIngestLink, LocalMessage } from '../broker/local-ingest.js';
import { Fifo } from '../core/fifo.js';
import { onceClose } from '../core/lifecycle.js';
import { HOST_TOPIC_KINDS } from '../protocol/topics.js';
import type { ConsumerHandle, ConsumerOptions } from './consumer.js';

export interface LocalConsumerOptions
  extends Pick<ConsumerOptions, 'topics' | 'onMessage' | 'acks' | 'log' | 'onConnect' | 'onSubscribed' | 'extraFilters'> {
  /** The embedded broker of this process (BrokerHandle.ingestLink()). */
  link: LocalIngestLink;
}

/**
 * The ingest's subscriber when it runs in the broker's process (`vigie up`,
 * ingest.inProcess): the same filters and the same handler as over MQTT
 * (consumer.ts), with what its persistent session gave done here instead.
 * - Flow control: a QoS 1 message counts in the backlog the broker's flow
 *   control reads until the store has committed it (what a PUBACK after
 *   commit meant), so past broker.ingestWindow publishers wait at the edges.
 * - A message the store could not take (full) is held here, in order, and
 *   handed again by `redeliver()` once the store takes writes: what the
 *   broker's resending on reconnection did.
 * - Retained status, info and services are replayed at start, as a new
 *   subscription gets them.
 * It has no Last Will: it cannot vanish without the broker.
 */
export function startLocalConsumer(opts: LocalConsumerOptions): ConsumerHandle {
  const { link, topics } = opts;
  const gate = opts.acks;
  const filters = [...HOST_TOPIC_KINDS.map((kind) => topics.allHosts(kind)), ...(opts.extraFilters ?? [])];
  /** Store tickets of the QoS 1 messages taken and not committed yet, in order. */
  const uncommitted = new Fifo<number>();
  /** QoS 1 messages the store could not take, in arrival order. */
  let held = new Fifo<LocalMessage>();
  let subscribed = false;
  let closing = false;
  let waiters: Array<() => void> = [];

  const take = (message: LocalMessage): void => {
    const taken = opts.onMessage(message.topic, message.payload, message.retained);
    if (message.qos === 0) return; // as over MQTT: nothing to keep for it
    if (!taken) held.push(message);
    else if (gate) {
      // A message that wrote nothing (a status, a duplicate) needs only what is already committed.
      const ticket = gate.written();
      if (ticket > gate.committed()) uncommitted.push(ticket);
    }
  };
  gate?.onCommit(() => {
    const reached = gate.committed();
    const before = uncommitted.length;
    while (uncommitted.length > 0 && uncommitted.peek()! <= reached) uncommitted.shift();
    if (uncommitted.length < before) link.progress();
  });

  opts.onConnect?.();
  const started = link
    .subscribe(filters, (message) => {
      if (!closing) take(message);
    }, () => uncommitted.length + held.length)
    .then(() => {
      if (closing) return;
      subscribed = true;
      const list = waiters;
      waiters = [];
      for (const w of list) w();
      opts.onSubscribed?.();
    })
    .catch((error: unknown) => opts.log.error({ err: error }, 'in-process subscription to the embedded broker failed'));

  return {
    connected: () => !closing,
    subscribed: () => subscribed && !closing,
    ready: () => (subscribed || closing ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    publish: async (topic, payload, retain) => {
      if (closing) throw new Error('not connected');
      await link.publish(topic, payload, retain);
    },
    // The store takes writes again: what it could not take is handed again, in order, as the
    // broker resends a reconnecting client's unacknowledged messages (onConnect first, as there).
    redeliver: () => {
      if (closing || held.length === 0) return;
      opts.log.info({ held: held.length }, 'handing the messages the store could not take to it again');
      opts.onConnect?.();
      const again = held;
      held = new Fifo();
      for (let m = again.shift(); m !== undefined; m = again.shift()) take(m);
      link.progress();
    },
    unacked: () => uncommitted.length + held.length,
    close: onceClose(async () => {
      closing = true;
      await started;
      await link.close();
      const list = waiters;
      waiters = [];
      for (const w of list) w();
    }),
  };
}
