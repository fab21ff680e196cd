/** Limits on what one identity may keep in the broker's retained store. */
export interface RetainedLimits {
  /** Retained topics at most. */
  topics: number;
  /** Bytes at most (topic + payload, summed over its retained topics). */
  bytes: number;
}

interface Held {
  owner: string;
  bytes: number;
}

/**
 * Who holds each retained message, and how much each identity holds, so a
 * per-identity quota bounds the store (issue 10, item 2: 800 retained 60 KB
 * messages from one agent grew the broker by ~65 MB, for good). The last
 * publisher of a topic holds it; an empty retained payload deletes it
 * [MQTT-3.3.1-10] and frees its share. Memory: one entry per retained topic,
 * like the store itself.
 */
export class RetainedQuota {
  private readonly topics = new Map<string, Held>();
  private readonly usage = new Map<string, { topics: number; bytes: number }>();

  /**
   * Records a retained publish by `owner` if it fits `limits` (none: no
   * limit) and returns true; returns false, changing nothing, when it would
   * take `owner` past its quota. A replacement counts only its difference.
   */
  admit(owner: string, topic: string, payloadBytes: number, limits: RetainedLimits | null): boolean {
    const previous = this.topics.get(topic);
    if (payloadBytes === 0) {
      if (previous) this.release(topic, previous);
      return true; // a deletion always fits
    }
    const bytes = Buffer.byteLength(topic) + payloadBytes;
    const mine = this.usage.get(owner) ?? { topics: 0, bytes: 0 };
    const replacing = previous?.owner === owner;
    const topicsAfter = mine.topics + (replacing ? 0 : 1);
    const bytesAfter = mine.bytes + bytes - (replacing ? previous.bytes : 0);
    if (limits && (topicsAfter > limits.topics || bytesAfter > limits.bytes)) return false;
    if (previous && !replacing) this.release(topic, previous);
    this.topics.set(topic, { owner, bytes });
    this.usage.set(owner, { topics: topicsAfter, bytes: bytesAfter });
    return true;
  }

  /** What `owner` holds now. */
  held(owner: string): { topics: number; bytes: number } {
    return { ...(this.usage.get(owner) ?? { topics: 0, bytes: 0 }) };
  }

  private release(topic: string, held: Held): void {
    this.topics.delete(topic);
    const usage = this.usage.get(held.owner);
    if (!usage) return;
    usage.topics -= 1;
    usage.bytes -= held.bytes;
    if (usage.topics <= 0) this.usage.delete(held.owner);
  }
}
