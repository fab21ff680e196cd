/**
 * The agent's sample buffer: every metrics sample gets the next `seq` and is
 * kept, in seq order, until it is released — covered by the server's
 * `stored` acknowledgement, or (with no Vigie ingest on the broker) by the
 * broker's PUBACK — or dropped as the oldest when the buffer is over its
 * bounds. With a directory it is written through to a journal
 * (agent/journal.ts) so it survives a restart or a kill -9; without one it
 * lives in memory only (embedding and tests).
 */
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { encodePayload, type MetricsPayload } from '../protocol/payloads.js';
import { openJournal, type Journal } from './journal.js';
import { BoundedQueue } from './queue.js';

export interface BufferedSample {
  seq: number;
  /** The encoded payload, `seq` included: what goes on the wire. */
  text: string;
  bytes: number;
  /** When it was last handed to the broker (clock ms). */
  sentAt?: number;
  /** The broker acknowledged it (PUBACK) on the current connection. */
  pubacked?: boolean;
}

export interface SampleBufferOptions {
  /** Journal directory (created 0700); memory only when absent. */
  dir?: string;
  /** Most samples kept (≥ 1: the newest is always kept). */
  maxSamples: number;
  /** Most bytes of encoded samples kept (the newest is kept even if larger). */
  maxBytes: number;
  clock: Clock;
  log: Logger;
}

/** How long a sample waits for its journal write before the disk is taken as hung. */
const WRITE_DEADLINE_MS = 2000;

/** Lines per journal file: small enough that a released file goes soon, large enough to keep the file count low. */
const segmentSamples = (maxSamples: number): number => Math.max(1, Math.min(256, Math.ceil(maxSamples / 8)));

export class SampleBuffer {
  private readonly entries: BoundedQueue<BufferedSample>;
  private totalBytes = 0;
  private cursor = 0;
  private lastSeq: number | undefined;
  private readonly warn: ReturnType<typeof createRateLimitedLog>;
  /** Samples dropped over the bounds since start. */
  dropped = 0;
  /** A journal write is stuck past its deadline: samples skip the journal meanwhile. */
  private stalled = false;

  private constructor(private readonly opts: SampleBufferOptions, private readonly journal: Journal | undefined, loaded: { entries: { seq: number; text: string }[]; lastSeq: number | undefined }) {
    // The bounds are enforced here, not by the queue: it is only storage.
    this.entries = new BoundedQueue<BufferedSample>(Number.MAX_SAFE_INTEGER);
    this.warn = createRateLimitedLog(opts.log, 60_000);
    this.lastSeq = loaded.lastSeq;
    for (const e of loaded.entries) this.push({ seq: e.seq, text: e.text, bytes: Buffer.byteLength(e.text) });
    this.enforceBounds();
  }

  /** Opens the buffer, reading back what a previous run left in `dir`. */
  static async open(opts: SampleBufferOptions): Promise<SampleBuffer> {
    if (!opts.dir) return new SampleBuffer(opts, undefined, { entries: [], lastSeq: undefined });
    const { journal, loaded } = await openJournal(opts.dir, { segmentSamples: segmentSamples(opts.maxSamples), log: opts.log });
    if (loaded.entries.length > 0) opts.log.info({ samples: loaded.entries.length, from: loaded.entries[0]?.seq, to: loaded.lastSeq }, 'samples kept from the previous run will be sent');
    return new SampleBuffer(opts, journal, loaded);
  }

  /** Whether samples survive a restart. */
  get durable(): boolean {
    return this.journal !== undefined;
  }

  get length(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The highest seq ever given (from the journal after a restart). */
  get highestSeq(): number | undefined {
    return this.lastSeq;
  }

  /** The oldest sample kept. */
  head(): BufferedSample | undefined {
    return this.entries.at(0);
  }

  /**
   * Gives the sample the next seq (the previous + 1; with no saved state the
   * clock in ms, so a host that lost its data directory still counts up from
   * its previous life), writes it to the journal, then keeps it. Resolves
   * once it is on disk; a journal that cannot be written is logged and the
   * sample kept in memory; one that hangs, see write().
   */
  async add(sample: MetricsPayload): Promise<BufferedSample> {
    const seq = this.lastSeq === undefined ? Math.max(0, Math.round(this.opts.clock.now())) : this.lastSeq + 1;
    this.lastSeq = seq;
    const text = encodePayload('metrics', { ...sample, seq });
    if (this.journal && !this.stalled) await this.write(this.journal, seq, text);
    const entry: BufferedSample = { seq, text, bytes: Buffer.byteLength(text) };
    this.push(entry);
    this.enforceBounds();
    return entry;
  }

  /**
   * Makes the next seq at least `seq + 1`: after an acknowledgement from
   * another life of this host id (or a clock set back at boot), the ingest
   * drops every sample up to it as already stored, so numbering goes on
   * above it.
   */
  skipPast(seq: number): void {
    if (this.lastSeq === undefined || this.lastSeq < seq) this.lastSeq = seq;
  }

  /** The next sample not yet sent since the last rewind, in seq order. */
  nextToSend(): BufferedSample | undefined {
    const entry = this.entries.at(this.cursor);
    if (entry) this.cursor += 1;
    return entry;
  }

  /** Everything kept is to be sent again, from the oldest (after a reconnection, or when acknowledgements are overdue). */
  rewind(): void {
    this.cursor = 0;
    for (let i = 0; i < this.entries.length; i += 1) {
      const e = this.entries.at(i)!;
      e.pubacked = false;
    }
  }

  /** Samples sent since the last rewind. */
  get sent(): number {
    return this.cursor;
  }

  /** Releases every sample with seq ≤ `seq`; returns how many. */
  release(seq: number): number {
    let released = 0;
    for (let head = this.entries.at(0); head && head.seq <= seq; head = this.entries.at(0)) {
      this.shift();
      released += 1;
    }
    this.journal?.release(seq);
    return released;
  }

  /** Releases the oldest samples as long as the broker acknowledged them (PUBACK mode); returns how many. */
  releasePubacked(): number {
    let last: number | undefined;
    for (let i = 0; i < this.entries.length; i += 1) {
      const e = this.entries.at(i)!;
      if (!e.pubacked) break;
      last = e.seq;
    }
    return last === undefined ? 0 : this.release(last);
  }

  async close(): Promise<void> {
    if (!this.journal) return;
    // A hung disk must not hang the agent's stop.
    await Promise.race([this.journal.close(), new Promise((r) => setTimeout(r, WRITE_DEADLINE_MS).unref())]);
  }

  /**
   * Appends to the journal, waiting at most WRITE_DEADLINE_MS: a disk that
   * hangs (a dead NFS data directory, a dying SD card) must not silence the
   * agent, as a hung collector must not (issue 10, item 11). Past the
   * deadline the buffer is "stalled": samples skip the journal (memory
   * only, not durable) until the stuck write returns.
   */
  private async write(journal: Journal, seq: number, text: string): Promise<void> {
    const written = journal.append({ seq, text }).then(
      () => true,
      (error: unknown) => {
        // Rate-limited: a full disk fails every sample.
        this.warn('journal-write', 'agent buffer: could not write the journal; samples are kept in memory only until it works again', { err: String(error), dir: this.opts.dir });
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([written, new Promise<false>((r) => { timer = setTimeout(() => r(false), WRITE_DEADLINE_MS); })]);
    clearTimeout(timer);
    if (inTime) return;
    this.stalled = true;
    this.opts.log.error({ dir: this.opts.dir, waitedMs: WRITE_DEADLINE_MS }, 'agent buffer: a journal write did not complete in time; samples are kept in memory only until the disk answers');
    void written.then(() => {
      this.stalled = false;
      this.opts.log.warn({ dir: this.opts.dir }, 'agent buffer: the journal answers again; samples are written to disk again');
    });
  }

  private push(entry: BufferedSample): void {
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
  }

  private shift(): void {
    const entry = this.entries.shift();
    if (!entry) return;
    this.totalBytes -= entry.bytes;
    if (this.cursor > 0) this.cursor -= 1;
  }

  private enforceBounds(): void {
    let dropped = 0;
    let last: number | undefined;
    while (this.entries.length > 1 && (this.entries.length > this.opts.maxSamples || this.totalBytes > this.opts.maxBytes)) {
      last = this.entries.at(0)!.seq;
      this.shift();
      dropped += 1;
    }
    if (last === undefined) return;
    this.dropped += dropped;
    this.journal?.release(last);
    // warn, not info: these samples are lost for good (issue 10, item 14).
    this.warn('dropped', 'agent buffer full: oldest samples dropped', {
      dropped, droppedTotal: this.dropped, kept: this.entries.length, keptBytes: this.totalBytes, maxSamples: this.opts.maxSamples, maxBytes: this.opts.maxBytes,
    });
  }
}
