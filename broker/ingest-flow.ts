import type { Client } from 'aedes';
import { Fifo } from '../core/fifo.js';

/**
 * Flow control for the one subscriber that must never be cut as slow: the
 * ingest (issue 16). It acknowledges a QoS 1 message only once its store has
 * committed it, so the queue the broker keeps for its persistent session
 * (queued, in delivery, or sent and unacknowledged) is exactly what it has
 * not taken yet.
 *
 * While that queue holds `limit` messages or more, a publish by anyone but
 * the ingest waits before it is authorised. Aedes reads a connection's next
 * packets only once the current ones are handled, so publishers are no
 * longer read: what cannot be taken waits at the edges, in the agents'
 * bounded buffers and their sockets, not in the broker's memory nor in a cut
 * connection (which, with agents sending again, is how the ingest collapsed
 * under overload). The ingest's own publishes never wait: they carry the
 * `stored` acknowledgements that let agents free their buffers.
 *
 * With no ingest connected nothing waits: its session queue (bounded,
 * broker.sessionQueue) keeps what comes meanwhile.
 *
 * An ingest in the broker's own process (broker/local-ingest.ts, `vigie up`)
 * has no session queue: it reports its backlog itself (what it was handed and
 * its store has not committed yet) and is flow controlled the same way.
 */
export class IngestFlow {
  /** Publishes that had to wait for the ingest (cumulative). */
  waits = 0;
  private readonly ingests = new Set<Client>();
  /** Backlogs of the ingests attached in-process. */
  private readonly locals = new Set<() => number>();
  private readonly admissions = new Fifo<() => void>();
  /**
   * Publishes let in whose handling Aedes has not finished: not yet in the
   * ingest's queue, so not in backlog(). Without them every PUBACK let in
   * another `limit - backlog` publishes before the first ones were queued, and
   * under load the backlog overshot the limit tenfold.
   */
  private inTransit = 0;
  private readonly counted = new WeakSet<object>();

  constructor(
    private readonly limit: number,
    private readonly isIngest: (client: Client) => boolean,
    /** Messages in the session queue of this client id. */
    private readonly queued: (clientId: string) => number,
  ) {}

  /** A client finished connecting: is it the ingest? */
  connected(client: Client): void {
    if (this.isIngest(client)) this.ingests.add(client);
  }

  /** A client went away: if it was the ingest, what waited for it goes on to its session queue. */
  disconnected(client: Client): void {
    if (this.ingests.delete(client)) this.admit();
  }

  /** An ingest in this process, with its backlog, until the returned function detaches it. */
  attachLocal(backlog: () => number): () => void {
    this.locals.add(backlog);
    return () => {
      if (this.locals.delete(backlog)) this.admit();
    };
  }

  /** An ingest in this process took messages for good: let publishers in while there is room. */
  progress(): void {
    this.admit();
  }

  /** Whether this client is a connected ingest (never cut as a slow consumer). */
  has(client: Client): boolean {
    return this.ingests.has(client);
  }

  /** Wraps `done` of an authorised publish: called now, or once the ingest has room. */
  authorised(client: Client | null, packet: object, done: () => void): void {
    if (client !== null && this.ingests.has(client)) return done();
    const go = (): void => {
      this.inTransit += 1;
      this.counted.add(packet);
      done();
    };
    if (this.admissions.length === 0 && this.room() > 0) return go();
    this.waits += 1;
    this.admissions.push(go);
  }

  /** Aedes finished a publish (its `published` hook): it is in the ingest's queue now, if it was for the ingest. */
  published(packet: object): void {
    if (!this.counted.delete(packet)) return;
    this.inTransit -= 1;
    this.admit();
  }

  /** A PUBACK from the ingest: let publishers in while there is room. */
  acknowledged(client: Client): void {
    if (this.ingests.has(client)) this.admit();
  }

  /** Messages the connected ingest has not acknowledged (queued, in delivery or sent). */
  backlog(): number {
    let n = 0;
    for (const client of this.ingests) n += this.queued(client.id);
    for (const local of this.locals) n += local();
    return n;
  }

  /** Publishes waiting to be admitted now. */
  waiting(): number {
    return this.admissions.length;
  }

  private room(): number {
    return this.ingests.size === 0 && this.locals.size === 0 ? Infinity : this.limit - this.backlog() - this.inTransit;
  }

  private admit(): void {
    while (this.admissions.length > 0 && this.room() > 0) this.admissions.shift()!();
  }
}
