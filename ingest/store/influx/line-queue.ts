/**
 * A FIFO of line-protocol strings with O(1) push, drop-oldest and batch
 * take, and absolute sequence numbers (the n-th line ever pushed has seq n)
 * so a caller can wait for "everything pushed so far" to leave the queue.
 */
export class LineQueue {
  private items: string[] = [];
  private start = 0;
  /** Seq of the line at the head. */
  private headSeq = 0;

  get length(): number {
    return this.items.length - this.start;
  }

  /** Seq the next pushed line gets. */
  get nextSeq(): number {
    return this.headSeq + this.length;
  }

  /** Seq of the oldest line still queued (nextSeq when empty). */
  get oldestSeq(): number {
    return this.headSeq;
  }

  push(lines: readonly string[]): void {
    for (const line of lines) this.items.push(line);
  }

  /** Removes up to `n` lines from the head; returns how many were removed. */
  dropOldest(n: number): number {
    const k = Math.min(n, this.length);
    this.start += k;
    this.headSeq += k;
    this.compact();
    return k;
  }

  /** Removes and returns up to `n` lines from the head, with the seq of the first. */
  take(n: number): { lines: string[]; firstSeq: number } {
    const firstSeq = this.headSeq;
    const lines = this.items.slice(this.start, this.start + n);
    this.start += lines.length;
    this.headSeq += lines.length;
    this.compact();
    return { lines, firstSeq };
  }

  private compact(): void {
    // Reclaims the consumed prefix once it is most of the array: amortised O(1) per line.
    if (this.start > 4096 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    } else if (this.start === this.items.length) {
      this.items = [];
      this.start = 0;
    }
  }
}
