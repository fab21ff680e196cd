import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Logger } from '../core/logger.js';
import { RetainedIndex } from './retained-index.js';
import { packRetained, storedPayloadBytes, unpackAll, type RetainedPacket } from './retained-payloads.js';

/** Bounds of the queue kept for one persistent session (clean=false). */
export interface SessionQueueLimits {
  /** Messages at most. */
  maxMessages: number;
  /** Bytes at most (topic + payload, summed). */
  maxBytes: number;
}

/** What the session queues hold now, for the broker's stats. */
export interface SessionQueueStats {
  /** Messages queued over every persistent session (sent and unacknowledged, or waiting to be sent). */
  messages: number;
  /** Their bytes (topic + payload). */
  bytes: number;
  /** The longest queue, and whose. */
  largest: { clientId: string; messages: number; bytes: number } | null;
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
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}
type MemoryPersistenceClass = new (opts?: object) => MemoryPersistence;

interface Entry {
  packet: QueuedPacket;
  /** brokerId:brokerCounter, the identity Aedes gives a message before it has a message id. */
  key: string;
  removed: boolean;
}

interface Queue {
  /** FIFO, oldest first; removed entries are skipped and compacted away from the head. */
  entries: Entry[];
  head: number;
  live: number;
  bytes: number;
  byKey: Map<string, Entry>;
  byMessageId: Map<number, Entry>;
  /** Set while dropping, so one overflow logs once. */
  overflowing: boolean;
}

// aedes-persistence's in-memory store, as Aedes builds it by default (its main entry wraps it in a callback layer).
const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as MemoryPersistenceClass;
/** The copy Aedes's persistence makes of each queued message (aedes-packet). */
const Packet = require('aedes-packet') as new (packet: QueuedPacket) => QueuedPacket;

const sizeOf = (packet: QueuedPacket): number => Buffer.byteLength(packet.topic) + (packet.payload?.length ?? 0);
const keyOf = (packet: QueuedPacket): string => `${packet.brokerId}:${packet.brokerCounter}`;

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
 *
 * Retained messages are kept as aedes-persistence keeps them, their payloads
 * packed (broker/retained-payloads.ts).
 *
 * Every operation is O(1) (issue 16): the ingest acknowledges after its store
 * commits, so thousands of messages sit in its queue, and aedes-persistence's
 * linear searches made each PUBACK cost the length of the queue.
 */
export function createBoundedPersistence(opts: { limits: SessionQueueLimits; log: Logger; onDrop(clientId: string, count: number): void }): MemoryPersistence & {
  queueStats(): SessionQueueStats;
  /** Retained messages held, and the bytes their payloads take in memory (deflated ones as stored: broker/retained-payloads.ts). */
  retainedStats(): { messages: number; bytes: number };
  queued(clientId: string): number;
  /** Queue slots the session holds in memory: its live messages plus removed ones not compacted yet. */
  slots(clientId: string): number;
} {
  const queues = new Map<string, Queue>();
  const queueOf = (id: string): Queue => {
    let queue = queues.get(id);
    if (!queue) queues.set(id, (queue = { entries: [], head: 0, live: 0, bytes: 0, byKey: new Map(), byMessageId: new Map(), overflowing: false }));
    return queue;
  };
  const { maxMessages, maxBytes } = opts.limits;
  const retained = new RetainedIndex<RetainedPacket>();
  /** Payload bytes the retained messages hold, summed as they are stored and replaced. */
  let retainedTotal = 0;

  const enqueue = (clientId: string, packet: QueuedPacket): void => {
    const queue = queueOf(clientId);
    const size = sizeOf(packet);
    if (queue.live < maxMessages && queue.bytes + size <= maxBytes) {
      const copy = new Packet(packet);
      const entry: Entry = { packet: copy, key: keyOf(copy), removed: false };
      queue.entries.push(entry);
      queue.byKey.set(entry.key, entry);
      queue.live += 1;
      queue.bytes += size;
      return;
    }
    opts.onDrop(clientId, 1);
    if (!queue.overflowing) {
      queue.overflowing = true;
      opts.log.warn({ clientId, maxMessages, maxBytes }, 'persistent session queue full: new messages are not queued for it (broker.sessionQueue)');
    }
  };

  const remove = (clientId: string, queue: Queue, entry: Entry): void => {
    entry.removed = true;
    queue.byKey.delete(entry.key);
    if (entry.packet.messageId !== undefined && queue.byMessageId.get(entry.packet.messageId) === entry) queue.byMessageId.delete(entry.packet.messageId);
    queue.live -= 1;
    queue.bytes -= sizeOf(entry.packet);
    if (queue.live === 0) {
      queues.delete(clientId);
      return;
    }
    while (queue.head < queue.entries.length && queue.entries[queue.head]!.removed) queue.head += 1;
    // Removed entries behind a live one are not reached from the head: one message never
    // acknowledged at the front (in flight when its id was reused, say) would otherwise keep
    // every later one in memory. Compacted once they outnumber the live ones: O(1) amortised.
    const dead = queue.entries.length - queue.head - queue.live;
    if (dead > 1024 && dead > queue.live) {
      queue.entries = queue.entries.filter((e, i) => i >= queue.head && !e.removed);
      queue.head = 0;
    } else if (queue.head > 1024 && queue.head * 2 > queue.entries.length) {
      queue.entries = queue.entries.slice(queue.head);
      queue.head = 0;
    }
  };

  class BoundedPersistence extends MemoryPersistence {
    /**
     * Retained payloads are kept deflated when that pays (broker/retained-payloads.ts) and inflated when read,
     * in a tree of topic levels (broker/retained-index.ts) rather than aedes-persistence's map.
     */
    override async storeRetained(packet: RetainedPacket): Promise<void> {
      const stored = packRetained(packet);
      const bytes = storedPayloadBytes(stored);
      // A copy, as aedes-persistence keeps: the caller's packet goes on to be delivered.
      const replaced = bytes === 0 ? retained.delete(packet.topic) : retained.set(stored === packet ? { ...stored } : stored);
      retainedTotal += bytes - (replaced ? storedPayloadBytes(replaced) : 0);
    }

    override createRetainedStream(pattern: string): Readable {
      return Readable.from(unpackAll(retained.match(pattern)));
    }

    override createRetainedStreamCombi(patterns: string[]): Readable {
      // One after the other, as aedes-persistence: a topic two filters match comes twice, Aedes sends it per subscription.
      function* each(): Generator<RetainedPacket> {
        for (const pattern of patterns) yield* retained.match(pattern);
      }
      return Readable.from(unpackAll(each()));
    }

    async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
      enqueue(sub.clientId, packet);
    }

    async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: QueuedPacket): Promise<void> {
      for (const sub of subs) enqueue(sub.clientId, packet);
    }

    /** As aedes-persistence: the packet sent gets its message id; a queued packet holding that id already is replaced. */
    async outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void> {
      const queue = queues.get(client.id);
      if (!queue || packet.messageId === undefined) return;
      const same = queue.byKey.get(keyOf(packet));
      if (same) {
        const old = same.packet.messageId;
        if (old !== undefined && queue.byMessageId.get(old) === same) queue.byMessageId.delete(old);
        same.packet.messageId = packet.messageId;
        queue.byMessageId.set(packet.messageId, same);
        return;
      }
      const colliding = queue.byMessageId.get(packet.messageId);
      if (colliding) {
        queue.bytes += sizeOf(packet) - sizeOf(colliding.packet);
        queue.byKey.delete(colliding.key);
        colliding.packet = packet;
        colliding.key = keyOf(packet);
        queue.byKey.set(colliding.key, colliding);
      }
      // Neither: dropped from a full queue while being delivered. It is sent
      // untracked rather than failing the delivery (aedes-persistence throws
      // here, and Aedes then cuts the client).
    }

    async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<QueuedPacket | undefined> {
      const queue = queues.get(client.id);
      if (!queue || packet.messageId === undefined) return undefined;
      const entry = queue.byMessageId.get(packet.messageId);
      if (!entry) return undefined;
      remove(client.id, queue, entry);
      return entry.packet;
    }

    outgoingStream(client: ClientRef): Readable {
      const queue = queues.get(client.id);
      if (queue) queue.overflowing = false; // the client is back: a new overflow logs again
      return Readable.from(queue ? queue.entries.slice(queue.head).filter((e) => !e.removed).map((e) => e.packet) : []);
    }
  }
  const persistence = new BoundedPersistence() as BoundedPersistence & {
    queueStats(): SessionQueueStats; retainedStats(): { messages: number; bytes: number }; queued(clientId: string): number; slots(clientId: string): number;
  };
  persistence.retainedStats = () => ({ messages: retained.size, bytes: retainedTotal });
  persistence.queued = (clientId) => queues.get(clientId)?.live ?? 0;
  persistence.slots = (clientId) => {
    const queue = queues.get(clientId);
    return queue ? queue.entries.length - queue.head : 0;
  };
  persistence.queueStats = () => {
    let messages = 0;
    let bytes = 0;
    let largest: SessionQueueStats['largest'] = null;
    for (const [clientId, q] of queues) {
      messages += q.live;
      bytes += q.bytes;
      if (q.live > 0 && (largest === null || q.live > largest.messages)) largest = { clientId, messages: q.live, bytes: q.bytes };
    }
    return { messages, bytes, largest };
  };
  return persistence;
}
