import { MINUTE_MS, type Clock } from '../core/time.js';

/**
 * How far behind the ingest is: when it works through a backlog (overload, a
 * slow disk, the replay after a restart), every host's samples reach it late
 * by the same queueing delay, and judging them silent by the clock would turn
 * a busy server into a storm of false "offline" events and alerts, which
 * costs more work and deepens the backlog (issue 16, goal 3).
 *
 * A sample's transit is `received − ts`: network and queueing delay plus its
 * agent's clock offset. Per host, the smallest transit seen recently is its
 * baseline (the offset, nothing queued); a sample's excess over it is the
 * delay it waited. The ingest's lag is the smallest excess among the samples
 * of the last two seconds: a backlog delays them all, while one agent
 * replaying its buffer, or whose clock stepped back, delays only its own.
 */
export interface IngestLag {
  /** A live metrics sample of `host`, stamped `ts` by its agent, received at `receivedAt` (server clock). */
  observe(host: string, ts: number, receivedAt: number): void;
  /** The current lag in ms: 0 when the ingest keeps up, or when no sample came in the last two seconds. */
  lagMs(): number;
  /** Forgets a host (removed). */
  forget(host: string): void;
}

/** A host's baseline is the minimum transit over the current and the previous window of this length. */
export const BASELINE_WINDOW_MS = 10 * MINUTE_MS;
/** From this lag on, offline judgements (events, alerts) are held: see IngestHandle.presenceHeldUntil. */
export const LAG_HOLD_MS = 1000;
/** The lag is read from the samples of the current and the previous bucket of this length. */
export const LAG_BUCKET_MS = 1000;

interface Baseline {
  windowStart: number;
  current: number;
  previous: number;
}

export function createIngestLag(opts: { clock: Clock }): IngestLag {
  const { clock } = opts;
  const baselines = new Map<string, Baseline>();
  // The lag buckets: index (time / LAG_BUCKET_MS) of the current one, its smallest excess and the previous one's.
  let bucket = Number.NEGATIVE_INFINITY;
  let bucketMin = Number.POSITIVE_INFINITY;
  let previousMin = Number.POSITIVE_INFINITY;

  function roll(now: number): void {
    const i = Math.floor(now / LAG_BUCKET_MS);
    if (i <= bucket) return;
    previousMin = i === bucket + 1 ? bucketMin : Number.POSITIVE_INFINITY;
    bucketMin = Number.POSITIVE_INFINITY;
    bucket = i;
  }

  return {
    observe(host, ts, receivedAt) {
      const transit = receivedAt - ts;
      let b = baselines.get(host);
      if (b === undefined) baselines.set(host, (b = { windowStart: receivedAt, current: transit, previous: transit }));
      if (receivedAt - b.windowStart >= BASELINE_WINDOW_MS) {
        // Two windows: an agent whose clock moved is re-learnt within 20 minutes; a quiet spell is never forgotten at once.
        b.previous = b.current;
        b.current = transit;
        b.windowStart = receivedAt;
      }
      b.current = Math.min(b.current, transit);
      const excess = transit - Math.min(b.current, b.previous);
      roll(receivedAt);
      bucketMin = Math.min(bucketMin, excess);
    },
    lagMs() {
      roll(clock.now());
      const lag = Math.min(bucketMin, previousMin);
      return Number.isFinite(lag) ? Math.max(0, lag) : 0;
    },
    forget: (host) => void baselines.delete(host),
  };
}
