import type { Clock } from '../core/time.js';
import { PROTOCOL_VERSION, validatePayload, type MetricsPayload } from '../protocol/payloads.js';
import type { Collector } from './collectors/types.js';

/** Reports a collector that failed, timed out or returned what the contract rejects; the sampler goes on. */
export type CollectorFailureReport = (collector: string, error: string) => void;

/** A collector left out of the latest sample, and since when (ts of the first sample of the streak). */
export interface FailingCollector {
  collector: string;
  error: string;
  since: number;
}

export interface SampleResult {
  sample: MetricsPayload;
  /** Collectors left out of this sample, in registry order. */
  failing: FailingCollector[];
}

export interface SamplerOptions {
  clock: Clock;
  /** Deadline of each collector, ms; the sample is assembled from what finished by then. */
  timeoutMs: number;
  onFailure: CollectorFailureReport;
}

export interface Sampler {
  take(): Promise<SampleResult>;
}

const TIMED_OUT = Symbol('timed out');
type Outcome = { ok: true; value: Partial<MetricsPayload> } | { ok: false; error: string };

/**
 * Takes samples: every collector runs concurrently under one deadline. A
 * collector that rejects, misses the deadline, or whose group fails the
 * metrics schema (the ingest would drop the whole payload) is reported and
 * left out while the others are kept; `ts` is the clock's time when sampling
 * started.
 *
 * A collector that missed its deadline is still running (a statfs on a dead
 * NFS mount never returns, issue 10 item 11): it is not started again until
 * that call settles, so stuck calls do not pile up, and each sample until
 * then reports it. node_exporter does the same per scrape
 * (`node_scrape_collector_success`), Telegraf per gather ("took longer to
 * collect than collection interval").
 */
export function createSampler(collectors: readonly Collector[], opts: SamplerOptions): Sampler {
  /** Index → ts of the sample whose call is still running past its deadline. */
  const stuck = new Map<number, number>();
  /** Collector name → ts of the first sample of its current failing streak. */
  const failingSince = new Map<string, number>();
  const seconds = (ms: number): string => `${Math.round(ms) / 1000} s`;

  return {
    async take() {
      const ts = Math.round(opts.clock.now());
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), opts.timeoutMs); });
      const outcomes = await Promise.all(collectors.map(async (c, i): Promise<Outcome> => {
        const startedAt = stuck.get(i);
        if (startedAt !== undefined) return { ok: false, error: `still running since a sample ${seconds(ts - startedAt)} ago; not started again` };
        // A synchronous throw is a rejection like any other.
        const settled: Promise<Outcome> = Promise.resolve()
          .then(() => c.collect())
          .then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }));
        const first = await Promise.race([settled, deadline]);
        if (first !== TIMED_OUT) return first;
        stuck.set(i, ts);
        void settled.then(() => stuck.delete(i)); // its late result is dropped: the sample it belonged to is gone
        return { ok: false, error: `timed out after ${seconds(opts.timeoutMs)}` };
      }));
      clearTimeout(timer);

      const sample: MetricsPayload = { v: PROTOCOL_VERSION, ts };
      const failing: FailingCollector[] = [];
      outcomes.forEach((outcome, i) => {
        const name = collectors[i]?.name ?? String(i);
        let error: string | undefined;
        if (!outcome.ok) error = outcome.error;
        else {
          const checked = validatePayload('metrics', { ...outcome.value, v: PROTOCOL_VERSION, ts });
          if (checked.ok) Object.assign(sample, outcome.value, { v: PROTOCOL_VERSION, ts });
          else error = checked.error;
        }
        if (error === undefined) {
          failingSince.delete(name);
          return;
        }
        opts.onFailure(name, error);
        const since = failingSince.get(name) ?? ts;
        failingSince.set(name, since);
        failing.push({ collector: name, error, since });
      });
      return { sample, failing };
    },
  };
}
