import type { Clock } from '../core/time.js';
import { PROTOCOL_VERSION, validatePayload, type MetricsPayload } from '../protocol/payloads.js';
import type { Collector } from './collectors/types.js';

/** Reports a collector that failed or returned what the contract rejects; the sampler goes on. */
export type CollectorFailure = (collector: string, error: string) => void;

/**
 * Takes one sample: every collector runs concurrently; one that rejects, or
 * whose group fails the metrics schema (so the ingest would drop the whole
 * payload), is reported and left out while the others are kept.
 * `ts` is the clock's time when sampling started.
 */
export async function takeSample(collectors: readonly Collector[], clock: Clock, onFailure: CollectorFailure): Promise<MetricsPayload> {
  const ts = Math.round(clock.now());
  const results = await Promise.allSettled(collectors.map((c) => c.collect()));
  const sample: MetricsPayload = { v: PROTOCOL_VERSION, ts };
  results.forEach((r, i) => {
    const name = collectors[i]?.name ?? String(i);
    if (r.status === 'rejected') {
      onFailure(name, r.reason instanceof Error ? r.reason.message : String(r.reason));
      return;
    }
    const checked = validatePayload('metrics', { ...r.value, v: PROTOCOL_VERSION, ts });
    if (!checked.ok) {
      onFailure(name, checked.error);
      return;
    }
    Object.assign(sample, r.value, { v: PROTOCOL_VERSION, ts });
  });
  return sample;
}
