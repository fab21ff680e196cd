import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Logger } from '../core/logger.js';

/** Bounds of the queue kept for one persistent session (clean=false). */
export interface SessionQueueLimits {
  /** Messages at most. */
  maxMessages: number;
  /** Bytes at most (topic + payload, summed). */
  maxBytes: number;
}

interface QueuedPacket {
  topic: string;
  payload?: Buffer;
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}
interface ClientRef { id: string }
interface MemoryPersistence {
  setup(broker: unknown): Promise<void>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
}
type MemoryPersistenceClass = new (opts?: object) => MemoryPersistence;

interface Queue {
  packets: QueuedPacket[];
  bytes: number;
  /** Set while dropping, so one overflow logs once. */
  overflowing: boolean;
}

// aedes-persistence's in-memory store, as Aedes builds it by default (its main entry wraps it in a callback layer).
const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as MemoryPersistenceClass;
/** The copy Aedes's persistence makes of each queued message (aedes-packet). */
const Packet = require('aedes-packet') as new (packet: QueuedPacket) => QueuedPacket;

const sizeOf = (packet: QueuedPacket): number => Buffer.byteLength(packet.topic) + (packet.payload?.length ?? 0);

/**
 * Aedes's in-memory persistence with a bounded queue per session (issue 10,
 * item 10). Aedes keeps every QoS 1 message for a persistent session whose
 * client is away, without limit: agents flushing into an offline ingest grew
 * the broker until it fell over. Past `maxMessages` or `maxBytes`, NEW
 * messages are not queued: counted, and logged once per overflow. Agents keep
 * each sample until the ingest reports it stored (the `stored` topic) and send
 * again, in order, what it does not cover; the ingest drops a sample whose seq
 * it already committed. Keeping the oldest is what makes that safe: dropping
 * them instead would let newer samples commit first and the resent older ones
 * be taken for duplicates.
 */
export function createBoundedPersistence(opts: { limits: SessionQueueLimits; log: Logger; onDrop(clientId: string, count: number): void }): MemoryPersistence {
  const queues = new Map<string, Queue>();
  const queueOf = (id: string): Queue => {
    let queue = queues.get(id);
    if (!queue) queues.set(id, (queue = { packets: [], bytes: 0, overflowing: false }));
    return queue;
  };
  const { maxMessages, maxBytes } = opts.limits;

  const enqueue = (clientId: string, packet: QueuedPacket): void => {
    const queue = queueOf(clientId);
    const size = sizeOf(packet);
    if (queue.packets.length < maxMessages && queue.bytes + size <= maxBytes) {
      queue.packets.push(new Packet(packet));
      queue.bytes += size;
      return;
    }
    opts.onDrop(clientId, 1);
    if (!queue.overflowing) {
      queue.overflowing = true;
      opts.log.warn({ clientId, maxMessages, maxBytes }, 'persistent session queue full: new messages are not queued for it (broker.sessionQueue)');
    }
  };

  class BoundedPersistence extends MemoryPersistence {
    async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
      enqueue(sub.clientId, packet);
    }

    async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
      for (const sub of subs) enqueue(sub.clientId, packet);
    }

    /** As aedes-persistence: the packet sent gets its message id; a colliding id is replaced. */
    async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
      const queue = queues.get(client.id);
      if (!queue) return;
      const packets = queue.packets;
      for (let i = 0; i < packets.length; i++) {
        const queued = packets[i]!;
        if (queued.brokerId === packet.brokerId) {
          if (queued.brokerCounter === packet.brokerCounter) {
            queued.messageId = packet.messageId;
            return;
          }
        } else if (queued.messageId === packet.messageId) {
          queue.bytes += sizeOf(packet) - sizeOf(queued);
          packets[i] = packet;
          return;
        }
      }
      // Dropped from a full queue while being delivered: send it untracked
      // rather than fail the delivery (aedes-persistence throws here, and Aedes
      // then cuts the client).
    }

    async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<QueuedPacket | undefined> {
      const queue = queues.get(client.id);
      if (!queue) return undefined;
      const packets = queue.packets;
      for (let i = 0; i < packets.length; i++) {
        const queued = packets[i]!;
        if (queued.messageId === packet.messageId) {
          packets.splice(i, 1);
          queue.bytes -= sizeOf(queued);
          if (packets.length === 0) queues.delete(client.id);
          return queued;
        }
      }
      return undefined;
    }

    outgoingStream(client: ClientRef): Readable {
      const queue = queues.get(client.id);
      if (queue) queue.overflowing = false; // the client is back: a new overflow logs again
      return Readable.from(queue ? [...queue.packets] : []);
    }
  }
  return new BoundedPersistence();
}
