/**
 * A bounded FIFO (ring buffer): pushing onto a full queue drops the oldest
 * item and counts it. O(1) both ends, so a buffer of a million samples costs
 * no array shifting.
 */
export class BoundedQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private size = 0;
  /** Items dropped because the queue was full, since creation. */
  dropped = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(Math.min(capacity, 1024));
  }

  get length(): number {
    return this.size;
  }

  /** Appends; when full, drops the oldest (or `item` itself when capacity is 0) and counts it. */
  push(item: T): void {
    if (this.capacity === 0) {
      this.dropped += 1;
      return;
    }
    if (this.size === this.capacity) {
      this.shift();
      this.dropped += 1;
    }
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size += 1;
  }

  /** The item at `index` from the oldest (0), or undefined past the end. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.items[(this.head + index) % this.items.length];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size -= 1;
    return item;
  }

  // Storage grows on demand so a large configured capacity costs nothing until used.
  private grow(): void {
    const next = new Array<T | undefined>(Math.max(1, this.items.length * 2));
    for (let i = 0; i < this.size; i += 1) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
