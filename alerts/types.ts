import type { MetricName } from '../protocol/metric-series.js';
import type { ResultKind } from '../protocol/schemas/check.js';
import type { NagiosStatus, RefusalReason } from '../protocol/schemas/script.js';
import type { IfAdminState, IfOperState } from '../protocol/schemas/device.js';
import type { ServiceState } from '../protocol/schemas/services.js';
import type { ContainerHealth, ContainerState } from '../protocol/schemas/metrics.js';
import type { DiskForecast } from './forecast.js';

export type Severity = 'warning' | 'critical';

/**
 * pending: the condition holds but not yet for the rule's `for` duration.
 * firing: it has held long enough. resolved: a firing alert ended.
 * cleared: a pending alert ended before it fired (nothing is notified).
 */
export type AlertState = 'pending' | 'firing' | 'resolved' | 'cleared';

/**
 * One alert per host and rule id: `cpu`, `mem`, `swap`, `load`,
 * `temperature`, `offline`, `disk:<mount>`, `disk_forecast:<mount>`,
 * `service:<name>`; network checks (issue 12), with host = the runner:
 * `check:<id>` (down), `check_latency:<id>`, `check_cert:<id>`; interfaces of
 * SNMP devices (issue 13): `if_down:<iface>`, `if_util:<iface>`. Mounts and
 * containers (issue 15, docs/containers.md): `container:<name>` (stopped),
 * `container_health:<name>`, `container_restarts:<name>`. Mounts and
 * interface names keep their slashes (`disk:/var/lib`, `if_down:ge-0/0/1`):
 * whoever puts an id in an MQTT topic level must encode it.
 */
export type RuleId =
  | 'cpu' | 'mem' | 'swap' | 'load' | 'temperature' | 'offline'
  | `disk:${string}` | `disk_forecast:${string}` | `service:${string}`
  | `check:${string}` | `check_latency:${string}` | `check_cert:${string}`
  | `if_down:${string}` | `if_util:${string}`
  | `container:${string}` | `container_health:${string}` | `container_restarts:${string}`;

/** What an alert is about: a stored series (so the dashboard can chart it), the host's presence, or a service. */
export type AlertSubject =
  | { metric: MetricName; key: string }
  | { metric: 'presence'; key: '' }
  | { metric: 'service'; key: string };

/**
 * Unit of `value` and `threshold`: load is per core, a forecast counts hours
 * until full, a certificate hours until it expires; a check that is down
 * counts its consecutive failed runs against `downAfter` (unit `state`).
 */
export type AlertUnit = 'percent' | 'perCore' | 'celsius' | 'seconds' | 'hours' | 'state';

export interface Alert {
  host: string;
  rule: RuleId;
  severity: Severity;
  state: AlertState;
  /** Latest value the rule saw; null when it has none (a service state, an offline host never heard from). */
  value: number | null;
  /** The level of `severity` the value is compared to; null when there is none (a service). */
  threshold: number | null;
  unit: AlertUnit;
  metric: AlertSubject;
  /** When the condition started (pending start), ms. */
  since: number;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Service alerts: the state that fired it (`stopped` or `failed`). */
  serviceState?: ServiceState;
  /** Forecast alerts: the fit behind the prediction. */
  forecast?: DiskForecast;
  /**
   * Offline alerts: `lost` (Last Will), `stopped` (clean stop) or `stale` (missed intervals);
   * for a device, its status reason too (`snmp-timeout`, `snmp-auth`, `snmp-error`, `poller-offline`).
   */
  offlineReason?: string;
  /** Offline alerts of a device: the poller's last error, as it said it ("Request timed out"). */
  offlineError?: string;
  /** Alerts of an SNMP device (issue 13): who polls it, so the words name the box to check from. */
  device?: DeviceFacts;
  /** Interface alerts (issue 13): the interface as the sample that last changed the alert showed it. */
  iface?: InterfaceFacts;
  /** Check alerts (issue 12): which check, and what its runners last said. */
  check?: CheckFacts;
  /** Container alerts (issue 15): the container as the sample that last changed the alert showed it. */
  container?: ContainerFacts;
}

/** What a container alert keeps about its container (from the metrics' `containers` entry). */
export interface ContainerFacts {
  name: string;
  image: string;
  state: ContainerState;
  health: ContainerHealth;
  restarts: number;
  exitCode?: number;
  /** Restart alerts: restarts counted within the rule's window. */
  recentRestarts?: number;
  /** Restart alerts: the window, minutes. */
  windowMinutes?: number;
}

/** What a check alert keeps about its check, so it reads the same after the check changes or goes. */
export interface CheckFacts {
  id: string;
  name: string;
  kind: ResultKind;
  target: string;
  groupId: number | null;
  /** How many of the check's runners were down when the alert last changed, out of how many runners it has. */
  downFrom: number;
  runners: number;
  /** The runner's last word: "connection refused", "200 OK" (English, from the runner). */
  message: string;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** Certificate alerts: the end of the certificate's validity, ms. */
  notAfter?: number;
  /** Script checks (issue 14): the Nagios status of the result behind the alert. */
  scriptStatus?: NagiosStatus;
  /** Script checks: why the agent refused to run the script, when it did. */
  refused?: RefusalReason;
}

/** What an alert keeps about an SNMP device (from its info's `source`). */
export interface DeviceFacts {
  /** Host id of the agent polling it; null until its info has arrived. */
  poller: string | null;
  /** Address the poller asks; null until its info has arrived. */
  address: string | null;
}

/** What an interface alert keeps about its interface (IF-MIB, from the metrics' `net` entry). */
export interface InterfaceFacts {
  name: string;
  /** ifAlias: the description an admin gave the port. */
  alias?: string;
  oper?: IfOperState;
  admin?: IfAdminState;
  /** Link speed, bytes per second. */
  speed?: number;
}

/**
 * pending/firing/resolved/cleared follow the lifecycle; escalated and
 * deescalated are a firing alert changing severity.
 */
export type TransitionKind = 'pending' | 'firing' | 'escalated' | 'deescalated' | 'resolved' | 'cleared';

/**
 * Why an alert ended: the value recovered; the rule was disabled or the
 * service unwatched in the settings; the mount or service disappeared from
 * the host; the host went offline (pending alerts only); the host was removed.
 */
export type EndCause = 'recovered' | 'disabled' | 'gone' | 'offline' | 'removed';

export interface AlertTransition {
  kind: TransitionKind;
  /** A copy of the alert after the transition. */
  alert: Alert;
  /** Severity before an escalation or de-escalation; null otherwise. */
  previousSeverity: Severity | null;
  /** Set on resolved and cleared. */
  cause?: EndCause;
  at: number;
}
