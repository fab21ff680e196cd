import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { encodePayload } from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import type { StoreCommits } from './store/metric-store.js';

export interface StoredPublisherOptions {
  topics: Topics;
  /** QoS 1 publish on the ingest's connection; rejects when not connected. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  commits: StoreCommits;
  clock: Clock;
  log: Logger;
  /**
   * Least ms between two acknowledgements of one host (`ingest.storedInterval`):
   * commits within it after one are acknowledged once at its end, with the
   * highest seq. 0: after every commit.
   */
  minIntervalMs?: number;
  /** True for a removed host: a commit that was in flight when it was removed must not put its `stored` back. */
  removed?(host: string): boolean;
}

export interface StoredPublisher {
  /** Sends the host's last committed seq again (a duplicate came in: its agent missed the acknowledgement). */
  again(host: string): void;
  /** Sends what waits for the end of its interval now, and stops the timer. */
  close(): void;
}

/**
 * The ingest side of `<prefix>/<host>/stored` (docs/protocol.md): after a
 * store commit, one retained message per host whose samples it held, saying
 * "every sample of this host up to this seq is committed"; and the same again,
 * coalesced, for a host that sent a sample already stored. A failed publish is
 * not retried: the agent sends its uncovered samples again and gets a new one.
 *
 * At most one per host per `minIntervalMs`, leading and trailing: the first
 * commit is acknowledged at once, later ones within the interval once at its
 * end. An agent publishing every 0.5 s would otherwise get a `stored` for
 * nearly every sample (at 2,000 msg/s the store commits every 5,000 points,
 * 8 times a second): a retained QoS 1 message through the broker, its PUBACK,
 * and the same again to the agent, as much broker work as the samples.
 */
export function startStoredPublisher(opts: StoredPublisherOptions): StoredPublisher {
  const { topics, commits, clock } = opts;
  const minInterval = opts.minIntervalMs ?? 0;
  const warn = createRateLimitedLog(opts.log, 30_000);
  const againHosts = new Set<string>();
  let scheduled = false;
  /** When each host was last acknowledged (with an interval only; one entry per host seen). */
  const lastSent = new Map<string, number>();
  /** Hosts whose acknowledgement waits for the end of their interval, with the seq it will say. */
  const due = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let armedAt = 0;
  let closed = false;

  function send(host: string, seq: number): void {
    if (opts.removed?.(host)) return;
    const now = clock.now();
    if (minInterval > 0) lastSent.set(host, now);
    const payload = encodePayload('stored', { v: 1, ts: now, seq });
    opts.publish(topics.stored(host), payload, true).catch((error: unknown) => warn('stored', 'stored acknowledgement not published', { host, err: String(error) }));
  }

  /** Sends the due hosts whose interval is over; re-arms for the others. */
  function flushDue(): void {
    timer = undefined;
    const now = clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [host, seq] of due) {
      const end = (lastSent.get(host) ?? 0) + minInterval;
      if (end <= now) {
        due.delete(host);
        send(host, seq);
      } else {
        next = Math.min(next, end);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) arm(next);
  }

  function arm(at: number): void {
    if (closed || (timer && armedAt <= at)) return;
    if (timer) clearTimeout(timer);
    armedAt = at;
    timer = setTimeout(flushDue, Math.max(0, at - clock.now()));
    timer.unref();
  }

  commits.onCommit((seqs) => {
    if (closed) return;
    const now = clock.now();
    for (const [host, seq] of seqs) {
      againHosts.delete(host);
      const at = lastSent.get(host);
      if (minInterval <= 0 || at === undefined || now - at >= minInterval) {
        due.delete(host);
        send(host, seq);
      } else {
        due.set(host, seq);
        arm(at + minInterval);
      }
    }
  });

  return {
    again(host) {
      againHosts.add(host);
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        for (const h of againHosts) {
          const seq = commits.committedSeq(h);
          if (seq === undefined) continue;
          due.delete(h);
          send(h, seq);
        }
        againHosts.clear();
      });
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const [host, seq] of due) send(host, seq);
      due.clear();
    },
  };
}
