import type { AlertPayload, MetricsPayload, SummaryPayload } from '../protocol/payloads.js';
import type { ScreenSize } from './framebuffer.js';

/** The box's own load, from its agent's metrics. */
export interface BoxMetrics {
  ts: number;
  cpu: number | null;
  mem: number | null;
}

/** What page (b) shows, from the retained server summary. */
export interface FleetSummary {
  ts: number;
  /** False when the summary is the ingest's Last Will: the server is gone. */
  serverOnline: boolean;
  total: number;
  online: number;
  offline: number;
  firing: number;
  critical: number;
  warning: number;
  maintenance: number;
  /** IPv4 addresses of the server: what agents are pointed at. */
  addresses: string[];
}

/** A firing alert as the screen needs it. */
export type ShownAlert = Pick<AlertPayload, 'host' | 'rule' | 'severity' | 'title' | 'value' | 'unit' | 'threshold' | 'since' | 'firedAt' | 'acknowledged' | 'maintenance'>;

/** Everything the pages draw; render() is a pure function of it. */
export interface OledState {
  size: ScreenSize;
  /** The box's host id (whose metrics page (a) shows). */
  host: string;
  /** The box's own IPv4 addresses, shown until the summary gives the server's. */
  localAddresses: string[];
  metrics: BoxMetrics | null;
  summary: FleetSummary | null;
  alerts: ShownAlert[];
  /** The night schedule has dimmed the panel (a moon is shown). */
  night: boolean;
}

export function fromSummary(s: SummaryPayload): FleetSummary {
  return {
    ts: s.ts,
    serverOnline: s.state === 'online',
    total: s.hosts.total,
    online: s.hosts.online,
    offline: s.hosts.offline,
    firing: s.alerts?.firing ?? 0,
    critical: s.alerts?.critical ?? 0,
    warning: s.alerts?.warning ?? 0,
    maintenance: s.alerts?.maintenance ?? 0,
    addresses: s.addresses,
  };
}

export function fromMetrics(m: MetricsPayload): BoxMetrics {
  return { ts: m.ts, cpu: m.cpu?.usage ?? null, mem: m.mem?.usedPercent ?? null };
}

export function fromAlert(a: AlertPayload): ShownAlert {
  const { host, rule, severity, title, value, unit, threshold, since, firedAt, acknowledged, maintenance } = a;
  return { host, rule, severity, title, value, unit, threshold, since, firedAt, acknowledged, maintenance };
}

/**
 * Order of importance: alerts outside maintenance first (those are not
 * notified, so they matter less), then critical before warning, then not yet
 * acknowledged, then the most recent.
 */
export function compareAlerts(a: ShownAlert, b: ShownAlert): number {
  return (
    Number(a.maintenance) - Number(b.maintenance) ||
    Number(a.severity !== 'critical') - Number(b.severity !== 'critical') ||
    Number(a.acknowledged) - Number(b.acknowledged) ||
    b.firedAt - a.firedAt ||
    (a.host + a.rule < b.host + b.rule ? -1 : 1)
  );
}

/** The alert page (c) shows, or null when none fires. */
export function mostSevere(alerts: readonly ShownAlert[]): ShownAlert | null {
  return [...alerts].sort(compareAlerts)[0] ?? null;
}

/** The address to show: the server's first, else the box's own, else null. */
export function shownAddress(state: OledState): string | null {
  return state.summary?.addresses[0] ?? state.localAddresses[0] ?? null;
}
