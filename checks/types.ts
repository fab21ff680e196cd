import type { CheckResultPayload } from '../protocol/schemas/check.js';
import type { CheckDefinition } from './definition.js';

/**
 * The seams between the parts of network checks (issue 12): the definitions
 * (checks/store.ts), the results the ingest receives (checks/results.ts),
 * the alerts on them and the pages that show them.
 */

/** Read access to the check definitions, for the alerts, the config publisher and the status page. */
export interface CheckCatalog {
  list(): CheckDefinition[];
  get(id: string): CheckDefinition | null;
  /** Called after any create, update, delete or import; returns the function that unsubscribes. */
  onChange(listener: () => void): () => void;
}

/** One result as the ingest received it. */
export interface CheckResultRecord {
  runner: string;
  check: string;
  result: CheckResultPayload;
  /** Server time of arrival, ms. */
  receivedAt: number;
}

/** Availability over a range, from the stored `check.up` series (average of 0/100 points). */
export interface Availability {
  from: number;
  to: number;
  /** Mean of the runners' availability, percent; null when no runner has any result in the range. */
  percent: number | null;
  byRunner: Record<string, number | null>;
}

/** One bar of the 90-day strip: one UTC day. */
export interface DailyAvailability {
  /** Start of the UTC day, ms. */
  day: number;
  percent: number | null;
  /** The lowest availability of one runner that day (a partial outage shows even when the mean is high). */
  worst: number | null;
}

/** The ingest's side of check results. */
export interface CheckResults {
  /** The latest result of every (runner, check) pair heard from, or of one check. */
  latest(check?: string): CheckResultRecord[];
  availability(q: { check: string; runners: readonly string[]; from: number; to: number }): Promise<Availability>;
  /** `days` bars ending with today (UTC), oldest first. */
  daily(q: { check: string; runners: readonly string[]; days: number }): Promise<DailyAvailability[]>;
  /** Forgets the latest result of a pair (the check was removed from that runner). */
  forget(runner: string, check: string): void;
}
