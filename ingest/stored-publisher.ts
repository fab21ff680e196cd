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
  /** True for a removed host: a commit that was in flight when it was removed must not put its `stored` back. */
  removed?(host: string): boolean;
}

export interface StoredPublisher {
  /** Sends the host's last committed seq again (a duplicate came in: its agent missed the acknowledgement). */
  again(host: string): void;
}

/**
 * The ingest side of `<prefix>/<host>/stored` (docs/protocol.md): after each
 * store commit, one retained message per host whose samples it held, saying
 * "every sample of this host up to this seq is committed"; and the same again,
 * coalesced, for a host that sent a sample already stored. A failed publish is
 * not retried: the agent sends its uncovered samples again and gets a new one.
 */
export function startStoredPublisher(opts: StoredPublisherOptions): StoredPublisher {
  const { topics, commits, clock } = opts;
  const warn = createRateLimitedLog(opts.log, 30_000);
  const againHosts = new Set<string>();
  let scheduled = false;

  function send(host: string, seq: number): void {
    if (opts.removed?.(host)) return;
    const payload = encodePayload('stored', { v: 1, ts: clock.now(), seq });
    opts.publish(topics.stored(host), payload, true).catch((error: unknown) => warn('stored', 'stored acknowledgement not published', { host, err: String(error) }));
  }

  commits.onCommit((seqs) => {
    for (const [host, seq] of seqs) {
      againHosts.delete(host);
      send(host, seq);
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
          if (seq !== undefined) send(h, seq);
        }
        againHosts.clear();
      });
    },
  };
}
