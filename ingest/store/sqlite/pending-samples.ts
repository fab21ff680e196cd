import type { SeriesPoint } from '../../../protocol/metric-series.js';

/** Columns start this long; they double as needed. */
const INITIAL_POINTS = 1024;
const INITIAL_SAMPLES = 64;
/**
 * Columns are kept up to this many times the batch size: a batch outgrows
 * flushSize while the previous one commits, and must not reallocate every time.
 */
const SHRINK_FACTOR = 16;

/**
 * The samples waiting for a write batch, in columns that are reused from
 * batch to batch. Queued samples live ~100 ms (a batch every flushSize
 * points), long enough for V8 to promote whatever holds them to the old
 * generation: a SeriesPoint object per point, kept until the commit, was the
 * largest part of that generation's garbage (bench/lib/alloc-sampler with
 * ALLOC_SAMPLER_YOUNG=0, 1,000 agents every 0.5 s). Here a sample costs no
 * allocation once the columns have grown to a batch's size; the caller's
 * points die young.
 */
export class PendingSamples {
  /** Per sample: its host, ts, seq (NaN: none), first point index and ticket. */
  private hosts: string[] = [];
  private ts = new Float64Array(INITIAL_SAMPLES);
  private seqs = new Float64Array(INITIAL_SAMPLES);
  private starts = new Uint32Array(INITIAL_SAMPLES + 1);
  private tickets = new Float64Array(INITIAL_SAMPLES);
  /** Per point: metric and key in turn, and the value. */
  private series: string[] = [];
  private values = new Float64Array(INITIAL_POINTS);
  private samples = 0;
  private points = 0;

  /** Samples queued. */
  get length(): number {
    return this.samples;
  }

  /** Points queued. */
  get pointCount(): number {
    return this.points;
  }

  /** The ticket of the newest sample (0 when empty). */
  get lastTicket(): number {
    return this.samples === 0 ? 0 : this.tickets[this.samples - 1]!;
  }

  push(host: string, ts: number, points: readonly SeriesPoint[], seq: number | undefined, ticket: number): void {
    this.reserve(this.samples + 1, this.points + points.length);
    const s = this.samples;
    this.hosts[s] = host;
    this.ts[s] = ts;
    this.seqs[s] = seq ?? Number.NaN;
    this.tickets[s] = ticket;
    let at = this.points;
    for (const p of points) {
      this.series[2 * at] = p.metric;
      this.series[2 * at + 1] = p.key;
      this.values[at] = p.value;
      at += 1;
    }
    this.samples = s + 1;
    this.points = at;
    this.starts[s + 1] = at;
  }

  /** Appends every sample of `other`, in order (a failed batch goes back before what came after it). */
  append(other: PendingSamples): void {
    this.reserve(this.samples + other.samples, this.points + other.points);
    for (let s = 0; s < other.samples; s++) {
      const to = this.samples + s;
      this.hosts[to] = other.hosts[s]!;
      this.ts[to] = other.ts[s]!;
      this.seqs[to] = other.seqs[s]!;
      this.tickets[to] = other.tickets[s]!;
      this.starts[to + 1] = other.starts[s + 1]! + this.points;
    }
    for (let p = 0; p < other.points; p++) {
      this.series[2 * (this.points + p)] = other.series[2 * p]!;
      this.series[2 * (this.points + p) + 1] = other.series[2 * p + 1]!;
      this.values[this.points + p] = other.values[p]!;
    }
    this.samples += other.samples;
    this.points += other.points;
  }

  /** Sample s (0 ≤ s < length): its host, ts, seq, and its points' indexes [from, to). */
  host(s: number): string {
    return this.hosts[s]!;
  }

  timestamp(s: number): number {
    return this.ts[s]!;
  }

  seq(s: number): number | undefined {
    const seq = this.seqs[s]!;
    return Number.isNaN(seq) ? undefined : seq;
  }

  from(s: number): number {
    return this.starts[s]!;
  }

  to(s: number): number {
    return this.starts[s + 1]!;
  }

  /** Point p (0 ≤ p < pointCount). */
  metric(p: number): string {
    return this.series[2 * p]!;
  }

  key(p: number): string {
    return this.series[2 * p + 1]!;
  }

  value(p: number): number {
    return this.values[p]!;
  }

  /**
   * Empties the queue, keeping its columns, unless they grew past
   * SHRINK_FACTOR × `keepPoints` points or samples (a backlog while the disk
   * failed): those are let go.
   */
  clear(keepPoints: number): void {
    const keep = SHRINK_FACTOR * Math.max(keepPoints, INITIAL_POINTS);
    if (this.values.length > keep || this.ts.length > keep) {
      this.hosts = [];
      this.ts = new Float64Array(INITIAL_SAMPLES);
      this.seqs = new Float64Array(INITIAL_SAMPLES);
      this.starts = new Uint32Array(INITIAL_SAMPLES + 1);
      this.tickets = new Float64Array(INITIAL_SAMPLES);
      this.series = [];
      this.values = new Float64Array(INITIAL_POINTS);
    } else {
      // Let go of the strings, so a removed host's names are not held until overwritten.
      this.hosts.fill('', 0, this.samples);
      this.series.fill('', 0, 2 * this.points);
    }
    this.samples = 0;
    this.points = 0;
  }

  private reserve(samples: number, points: number): void {
    if (samples > this.ts.length) {
      const size = Math.max(samples, 2 * this.ts.length);
      this.ts = grown(this.ts, size);
      this.seqs = grown(this.seqs, size);
      this.tickets = grown(this.tickets, size);
      const starts = new Uint32Array(size + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    if (points > this.values.length) this.values = grown(this.values, Math.max(points, 2 * this.values.length));
  }
}

function grown(from: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const to = new Float64Array(size);
  to.set(from);
  return to;
}
