import type { Readable } from 'node:stream';
import type { Aedes, AedesPublishPacket } from 'aedes';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { IngestFlow } from './ingest-flow.js';

/** One message as the broker hands it to an ingest in its process. */
export interface LocalMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  /** Replayed from the retained store at subscription, as MQTT marks it [MQTT-3.3.1-8]; false for live messages. */
  retained: boolean;
}

/**
 * What an ingest running in the broker's process (`vigie up`) uses in place of
 * an MQTT connection: no encoding, socket write and parse between the two,
 * and no PUBACKs. The ingest keeps its guarantees itself (ingest/local-consumer.ts).
 */
export interface LocalIngestLink {
  /**
   * Hands every message published on `filters` to `deliver`, synchronously,
   * in the broker's order; then the retained messages they match, as a new
   * subscriber gets them. Resolves once both are done. `backlog` is what the
   * ingest was handed and has not taken for good: while it is at
   * broker.ingestWindow, publishers wait before they are read (ingest-flow.ts).
   */
  subscribe(filters: readonly string[], deliver: (message: LocalMessage) => void, backlog: () => number): Promise<void>;
  /** The backlog shrank: let waiting publishers in. */
  progress(): void;
  /** Publishes as the broker itself: neither the ACL nor the flow control applies (ingest's own messages never wait). */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  /** Stops delivering; publishers no longer wait for this ingest. */
  close(): Promise<void>;
}

/** The part of the broker's persistence the link reads: retained messages, payloads inflated. */
interface RetainedSource {
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const bytesOf = (payload: string | Buffer): Uint8Array => (typeof payload === 'string' ? Buffer.from(payload) : payload);

export interface LocalIngestDeps {
  aedes: Aedes;
  persistence: RetainedSource;
  flow: IngestFlow;
  /** What the broker learns from the ingest's publishes (auth.ts: the pollers' device rights). */
  published(packet: { topic: string; payload: Buffer }): void;
  log: Logger;
}

export function createLocalIngestLink({ aedes, persistence, flow, published, log }: LocalIngestDeps): LocalIngestLink {
  const warn = createRateLimitedLog(log);
  let subscriptions: string[] = [];
  let detach = (): void => undefined;
  let closed = false;
  let deliverTo = (_message: LocalMessage): void => undefined;
  const handOver = (packet: AedesPublishPacket, retained: boolean): void => {
    if (closed) return;
    try {
      deliverTo({ topic: packet.topic, payload: bytesOf(packet.payload), qos: packet.qos, retained });
    } catch (error) {
      // Live, a throw would unwind through Aedes's publish and take the broker down; in the retained replay, end the subscription.
      warn('local-deliver', 'in-process ingest failed on a message', { topic: packet.topic.slice(0, 200), err: error });
    }
  };
  // One function for every filter, so a message two filters match is handed once per filter, as to an MQTT subscriber.
  const onPacket = (packet: AedesPublishPacket, callback: () => void): void => {
    handOver(packet, false);
    callback();
  };
  const call = (run: (done: (error?: Error) => void) => void): Promise<void> =>
    new Promise((resolve, reject) => run((error) => (error ? reject(error) : resolve())));

  return {
    async subscribe(filters, deliver, backlog) {
      deliverTo = deliver;
      detach = flow.attachLocal(backlog);
      subscriptions = [...filters];
      await Promise.all(subscriptions.map((filter) => call((done) => aedes.subscribe(filter, onPacket, done))));
      for await (const packet of persistence.createRetainedStreamCombi(subscriptions) as AsyncIterable<AedesPublishPacket>) {
        if (closed) break;
        handOver(packet, true);
      }
    },
    progress: () => flow.progress(),
    publish: (topic, payload, retain) => {
      const packet = { cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos: 1 as const, retain, dup: false };
      published(packet);
      return call((done) => aedes.publish(packet, done));
    },
    async close() {
      if (closed) return;
      closed = true;
      detach();
      if (aedes.closed) return;
      await Promise.all(subscriptions.map((filter) => call((done) => aedes.unsubscribe(filter, onPacket, done))));
    },
  };
}
