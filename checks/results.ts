import type { Clock } from '../core/time.js';
import { availabilityOver, dailyAvailability, type HistoryFn } from './availability.js';
import type { CheckResultRecord, CheckResults } from './types.js';

/** What the message handler learns from an offered result. */
export type Offer =
  /** Newer than anything known for the pair: it is now the latest; store it, emit it. */
  | 'new'
  /** The latest already (a retained replay after a resubscription, a QoS 1 redelivery): nothing new. */
  | 'same'
  /** Older than the latest (a late retained replay): worth storing, not the latest. */
  | 'older';

/** The ingest's CheckResults, plus what its message handler feeds it. */
export interface CheckResultsStore extends CheckResults {
  /** Records a result that passed validation; says whether it is new (see Offer). */
  offer(record: CheckResultRecord): Offer;
  /** The pair's latest result reached the store (a deferred write is retried when the broker resends it). */
  markStored(runner: string, check: string, ts: number): void;
  /** Whether the pair's result with this ts was already handed to the store. */
  isStored(runner: string, check: string, ts: number): boolean;
  /** Pairs held in memory. */
  size(): number;
}

const pairKey = (runner: string, check: string): string => `${runner}\u0000${check}`;

/**
 * Latest result per (runner, check) pair, in memory (the retained topics
 * give it back after a restart), and availability from the stored series.
 * The pairs are bounded by the check catalog: the message handler drops
 * results of pairs the server does not know before they get here.
 */
export function createCheckResults(deps: { history: HistoryFn; clock: Clock }): CheckResultsStore {
  const latest = new Map<string, { record: CheckResultRecord; storedTs: number | null }>();
  return {
    latest(check) {
      const out: CheckResultRecord[] = [];
      for (const { record } of latest.values()) if (check === undefined || record.check === check) out.push(record);
      return out.sort((a, b) => (a.check === b.check ? (a.runner < b.runner ? -1 : 1) : a.check < b.check ? -1 : 1));
    },
    availability: (q) => availabilityOver(deps.history, q),
    daily: (q) => dailyAvailability(deps.history, q, deps.clock.now()),
    forget(runner, check) {
      latest.delete(pairKey(runner, check));
    },
    offer(record) {
      const key = pairKey(record.runner, record.check);
      const known = latest.get(key);
      if (known && known.record.result.ts > record.result.ts) return 'older';
      if (known && known.record.result.ts === record.result.ts) return 'same';
      latest.set(key, { record, storedTs: null });
      return 'new';
    },
    markStored(runner, check, ts) {
      const known = latest.get(pairKey(runner, check));
      if (known && known.record.result.ts === ts) known.storedTs = ts;
    },
    isStored(runner, check, ts) {
      return latest.get(pairKey(runner, check))?.storedTs === ts;
    },
    size: () => latest.size,
  };
}
