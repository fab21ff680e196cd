import type { MetricStoreDetails, StorageState } from './store/metric-store.js';
import type { HostLimitsConfig, HostOverLimit } from './host-limits.js';
import type { SummaryAlerts } from './summary-publisher.js';
import type { Handle } from '../core/lifecycle.js';
import type { EventBus } from '../core/event-bus.js';
import type { Envelope } from '../core/errors.js';
import type {
  CommandAction, CommandArgs, CommandData, InfoPayload, MetricsPayload, ServicesPayload, StatusPayload,
} from '../protocol/payloads.js';
import type { MetricName } from '../protocol/metric-series.js';
import type { CheckResultRecord, CheckResults } from '../checks/types.js';
import type { RunEventPayload } from '../protocol/schemas/script.js';

/**
 * The ingest's public face: what the dashboard server (REST + Socket.IO)
 * reads and listens to. The dashboard never talks to SQLite directly.
 */

/** Presence from the status topic and staleness; health adds thresholds on the latest values. */
export type Presence = 'online' | 'offline';
export type HostState = 'online' | 'warning' | 'critical' | 'offline';

export interface HostSummary {
  id: string;
  /** online/warning/critical/offline: the colour of the host's card. */
  state: HostState;
  presence: Presence;
  /** Why the presence is what it is: 'connected', 'stopped', 'lost' (Last Will), 'stale' (missed intervals)… */
  reason: string;
  firstSeen: number;
  lastSeen: number;
  info: InfoPayload | null;
  status: StatusPayload | null;
  latest: MetricsPayload | null;
}

export interface HostDetail extends HostSummary {
  services: ServicesPayload | null;
}

export type Tier = 'raw' | '1m' | '1h';

/** Raw samples of one host for an export: a time window, optionally one metric and key. */
export interface SampleQuery {
  host: string;
  /** ms since epoch, inclusive. */
  from: number;
  /** ms since epoch, exclusive. */
  to: number;
  /** Only this metric (any stored name: a third party's series are exported too); all when absent. */
  metric?: string;
  /** Only this key (with `metric`). */
  key?: string;
}

/** One stored sample as exported. */
export interface RawSample {
  ts: number;
  metric: string;
  key: string;
  value: number;
}

export interface HistoryQuery {
  host: string;
  metric: MetricName;
  /** Mount for disk.*, interface for net.*, '' otherwise. */
  key: string;
  /** ms since epoch, inclusive. */
  from: number;
  /** ms since epoch, exclusive. */
  to: number;
  /** Bucket width in ms. */
  step: number;
  /** Also return each bucket's number of samples (`count`), to weigh buckets (check availability). */
  withCount?: boolean;
}

export interface HistoryPoint {
  /** Bucket start, ms since epoch. */
  ts: number;
  avg: number;
  min: number;
  max: number;
  /** Samples in the bucket; only when the query asked `withCount`. */
  count?: number;
}

export interface HistoryResult {
  tier: Tier;
  step: number;
  points: HistoryPoint[];
}

export interface SeriesRef {
  metric: MetricName;
  key: string;
}

/** Events the ingest fans out (STYLE §8). */
export interface IngestEvents {
  /** A valid metrics sample was accepted (already queued for the store). */
  sample: { host: string; metrics: MetricsPayload; receivedAt: number };
  /** A host's summary changed (first seen, presence, state, info, status). */
  host: HostSummary;
  /** A host published its services. */
  services: { host: string; services: ServicesPayload };
  /** A payload was rejected. */
  invalid: { topic: string; error: string };
  /**
   * The ingest is (again) connected and subscribed to the broker: owners of
   * retained topics re-assert them (a restarted broker may have lost them).
   */
  subscribed: { at: number };
  /** A host started sending more mounts/interfaces than its limits allow (once per episode). */
  limit: HostOverLimit;
  /** A runner published a valid check result (already queued for the store). */
  check: CheckResultRecord;
  /** An agent published a valid event of a script run on `run/res/<id>` (issue 14): the run service follows it. */
  run: { host: string; id: string; event: RunEventPayload; receivedAt: number };
}

export interface IngestStats {
  received: number;
  accepted: number;
  invalid: number;
  /** Messages whose handling hit an internal error (logged; the ingest went on). */
  failed: number;
  /** Samples whose seq was already stored: dropped, acknowledged again. */
  duplicates: number;
  /** Samples left unacknowledged because the store was full or failing: their senders keep them. */
  deferred: number;
  /** QoS 1 messages waiting for a store commit before their acknowledgement. */
  unacked: number;
  /** `full` (disk full) or `failing` while store writes fail; nothing is acknowledged meanwhile. */
  storage: StorageState;
  /** Per-host cardinality limits, what they refused, and the hosts over them now. */
  limits: HostLimitsConfig & { refused: number; hosts: HostOverLimit[] };
  pointsWritten: number;
  /** Points waiting for the next write batch. */
  pending: number;
  /** Whether the MQTT consumer is connected to the broker right now. */
  connected: boolean;
  /** Points lost because the database kept failing (see docs/storage.md). */
  dropped: number;
  /** The history store: which, where, write rate, buffer fill, retries, last error (the status page). */
  store: MetricStoreDetails | null;
  /** Check results of (runner, check) pairs the server does not know: dropped (issue 12). */
  unknownChecks?: number;
  /** Script run events received, and those dropped as invalid (issue 14). */
  runEvents?: { received: number; invalid: number };
  /** How far behind the ingest is, in ms: the queueing delay every host's samples share (ingest/ingest-lag.ts). */
  lagMs?: number;
}

export interface CommandOptions {
  /** How long to wait for the agent's answer, ms (default 10,000; bounded to 1,000–60,000). */
  timeoutMs?: number;
}

/**
 * Asks one agent for a read-only diagnosis over `cmd/req/<id>` and resolves
 * with its answer from `cmd/res/<id>` as an envelope; never rejects.
 * Errors: VIGIE_ERR_BAD_HOST_ID, VIGIE_ERR_BAD_REQUEST (args out of bounds,
 * or refused by the agent), VIGIE_ERR_UNAVAILABLE (no answer in time, agent
 * busy, broker down, too many pending), VIGIE_ERR_INTERNAL (the agent failed
 * or sent an invalid answer). See docs/protocol.md, "Diagnosis requests".
 */
export type CommandFn = <A extends CommandAction>(host: string, action: A, args: CommandArgs[A], opts?: CommandOptions) => Promise<Envelope<CommandData[A]>>;

export interface IngestHandle extends Handle {
  bus: EventBus<IngestEvents>;
  listHosts(): HostSummary[];
  getHost(id: string): HostDetail | null;
  history(q: HistoryQuery): Promise<HistoryResult>;
  series(host: string): Promise<SeriesRef[]>;
  /**
   * The stored raw samples of a host, in pages (series by series, each in time order);
   * absent when the history is in InfluxDB (query InfluxDB for an export then).
   */
  samples?(q: SampleQuery): AsyncIterable<RawSample[]>;
  stats(): IngestStats;
  /** Resolves once every accepted point is written. */
  flush(): Promise<void>;
  /** Read-only diagnosis of one host (top processes, largest directories, service log). */
  command: CommandFn;
  /** Publishes at QoS 1 on the ingest's MQTT connection (the server's own topics: alerts); rejects when not connected. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  /**
   * Forgets a host, in this order: a tombstone first (its messages are
   * ignored from now on, see ingest/tombstones.ts), then its retained status,
   * info, services, stored and `alsoClear` topics are cleared on the broker
   * (acknowledged, or a warning), then its registry entry and every stored
   * point are deleted. Resolves with the number of points deleted; null when
   * the host was not in the registry (the tombstone is set all the same).
   */
  removeHost(id: string, opts?: { alsoClear?: readonly string[] }): Promise<number | null>;
  /** Sets a removed host's tombstone now (the first step of a removal): its messages are ignored from here on. */
  buryHost(id: string): void;
  /** Lifts a removed host's tombstone (it is enrolled again); false when it had none. */
  restoreHost(id: string): boolean;
  /**
   * Until when (ms) offline judgements wait: Infinity while the ingest is not
   * subscribed (it hears nobody), else its last subscription plus
   * `ingest.presenceGrace`, and while the ingest works through a backlog
   * (`stats().lagMs` ≥ 1 s) that long again from now. Alerts and the event
   * log hold offline until then.
   */
  presenceHeldUntil(): number;
  /**
   * Puts alert counts in the retained server summary, and `byHost` (firing alerts per host) as its
   * `firingByHost`; call `changed()` when they change.
   */
  provideAlertCounts(counts: () => SummaryAlerts, byHost?: () => Record<string, number>): { changed(): void; stop(): void };
  /** Home Assistant discovery (when ha.enabled): hosts and configs on the broker, configs published and cleared. */
  haStats?(): { hosts: number; configs: number; published: number; cleared: number };
  /** Network check results: latest per runner, availability from the stored series (issue 12). */
  checks?: CheckResults;
}
