import type { CheckResultPayload, MetricsPayload } from './payloads.js';
import type { Unit } from './units.js';

/**
 * The series a metrics payload is stored as. A series is a metric name plus a
 * key: the mount for disks, the interface for network, '' otherwise. The
 * store, the history API and the browser all use these names.
 */
export const METRICS = {
  'cpu.usage': { unit: 'percent', label: 'CPU' },
  'cpu.iowait': { unit: 'percent', label: 'I/O wait' },
  'cpu.load1': { unit: 'count', label: 'Load 1 min' },
  'cpu.load5': { unit: 'count', label: 'Load 5 min' },
  'cpu.load15': { unit: 'count', label: 'Load 15 min' },
  'mem.usedPercent': { unit: 'percent', label: 'Memory' },
  'mem.used': { unit: 'bytes', label: 'Memory used' },
  'swap.usedPercent': { unit: 'percent', label: 'Swap' },
  'swap.used': { unit: 'bytes', label: 'Swap used' },
  'disk.usedPercent': { unit: 'percent', label: 'Disk' },
  'disk.used': { unit: 'bytes', label: 'Disk used' },
  'net.rxRate': { unit: 'bytesPerSecond', label: 'Received' },
  'net.txRate': { unit: 'bytesPerSecond', label: 'Sent' },
  // Interfaces of SNMP devices (issue 13). `net.up` is 100 while ifOperStatus is up and 0
  // otherwise, like check.up: its average over a range is the interface's availability.
  'net.util': { unit: 'percent', label: 'Utilisation' },
  'net.up': { unit: 'percent', label: 'Link up' },
  'net.errors': { unit: 'count', label: 'Errors/s' },
  'net.discards': { unit: 'count', label: 'Discards/s' },
  // A device's custom OID, key = its name; its unit is in the metrics payload.
  'custom.value': { unit: 'count', label: 'Custom' },
  // Containers (issue 15), key = the container's name. `container.up` is 100 while running, 0 otherwise.
  'container.cpu': { unit: 'percent', label: 'Container CPU' },
  'container.mem': { unit: 'bytes', label: 'Container memory' },
  'container.rxRate': { unit: 'bytesPerSecond', label: 'Container received' },
  'container.txRate': { unit: 'bytesPerSecond', label: 'Container sent' },
  'container.up': { unit: 'percent', label: 'Container running' },
  'container.restarts': { unit: 'count', label: 'Container restarts' },
  'temperature.cpu': { unit: 'celsius', label: 'CPU temperature' },
  uptime: { unit: 'seconds', label: 'Uptime' },
  processes: { unit: 'count', label: 'Processes' },
  // Network checks (issue 12): host = the runner, key = the check id. `check.up` is 100 for a
  // success and 0 for a failure, so any average of it over a range is the availability in %.
  'check.up': { unit: 'percent', label: 'Check up' },
  'check.latency': { unit: 'seconds', label: 'Check latency' },
  'check.dns': { unit: 'seconds', label: 'DNS lookup' },
  'check.connect': { unit: 'seconds', label: 'Connect' },
  'check.tls': { unit: 'seconds', label: 'TLS handshake' },
  'check.firstByte': { unit: 'seconds', label: 'First byte' },
  'check.loss': { unit: 'percent', label: 'Packet loss' },
  'check.certExpiry': { unit: 'seconds', label: 'Certificate expires in' },
  // Script checks (issue 14): key `<check id>/<perfdata label>` (labelled as the script printed it; its
  // unit, normalised by the agent, is in the result), and the Nagios status 0 ok, 1 warning, 2 critical, 3 unknown.
  'check.perf': { unit: 'count', label: 'Perfdata' },
  'check.status': { unit: 'count', label: 'Script status' },
} as const satisfies Record<string, { unit: Unit; label: string }>;

export type MetricName = keyof typeof METRICS;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

export interface SeriesPoint {
  metric: MetricName;
  /** Mount for disk.*, interface for net.*, check id for check.*, name for custom.value, '' otherwise. */
  key: string;
  value: number;
}

/** Characters of a perfdata label in a series key (a check id is 63 at most: the key stays under 127). */
export const PERF_LABEL_CHARS = 62;

/**
 * A perfdata label as a series key part: lower case, `[a-z0-9._-]` (anything
 * else becomes `_`, quotes dropped), at most PERF_LABEL_CHARS; '' when
 * nothing is left. `'Replication Lag'` → `replication_lag`.
 */
export function perfLabelKey(label: string): string {
  return label.toLowerCase().replace(/'/g, '').replace(/[^a-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, PERF_LABEL_CHARS);
}

/** Nagios status → `check.status` value (its exit code convention). */
const STATUS_VALUE = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** The series one check result is stored as (host = runner, key = check id); `now` dates the certificate's remaining time. */
export function flattenCheckResult(check: string, r: CheckResultPayload): SeriesPoint[] {
  const out: SeriesPoint[] = [{ metric: 'check.up', key: check, value: r.state === 'up' ? 100 : 0 }];
  const add = (metric: MetricName, value: number | null | undefined): void => {
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ metric, key: check, value });
  };
  add('check.latency', r.latency);
  add('check.dns', r.phases?.dns);
  add('check.connect', r.phases?.connect);
  add('check.tls', r.phases?.tls);
  add('check.firstByte', r.phases?.firstByte);
  add('check.loss', r.ping?.loss);
  if (r.cert) add('check.certExpiry', Math.round((r.cert.notAfter - r.ts) / 1000));
  if (r.script) {
    // A refused run measured nothing: its status says so (unknown), no perfdata.
    add('check.status', STATUS_VALUE[r.script.status]);
    const seen = new Set<string>();
    for (const p of r.script.perfdata) {
      const label = perfLabelKey(p.label);
      // Two labels that read the same once sanitised: the first wins, as one series cannot hold both.
      if (label === '' || seen.has(label) || !Number.isFinite(p.value)) continue;
      seen.add(label);
      out.push({ metric: 'check.perf', key: `${check}/${label}`, value: p.value });
    }
  }
  return out;
}

/** Flattens one metrics payload into series points (the payload's ts applies to all). */
export function flattenMetrics(m: MetricsPayload): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  const add = (metric: MetricName, value: number | null | undefined, key = ''): void => {
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ metric, key, value });
  };
  if (m.cpu) {
    add('cpu.usage', m.cpu.usage);
    add('cpu.iowait', m.cpu.iowait);
    add('cpu.load1', m.cpu.load1);
    add('cpu.load5', m.cpu.load5);
    add('cpu.load15', m.cpu.load15);
  }
  if (m.mem) {
    add('mem.usedPercent', m.mem.usedPercent);
    add('mem.used', m.mem.used);
  }
  if (m.swap) {
    add('swap.usedPercent', m.swap.usedPercent);
    add('swap.used', m.swap.used);
  }
  for (const d of m.disks ?? []) {
    add('disk.usedPercent', d.usedPercent, d.mount);
    add('disk.used', d.used, d.mount);
  }
  for (const n of m.net ?? []) {
    add('net.rxRate', n.rxRate, n.iface);
    add('net.txRate', n.txRate, n.iface);
    add('net.util', n.util, n.iface);
    if (n.oper !== undefined) add('net.up', n.oper === 'up' ? 100 : 0, n.iface);
    if (n.rxErrors !== undefined || n.txErrors !== undefined) add('net.errors', (n.rxErrors ?? 0) + (n.txErrors ?? 0), n.iface);
    if (n.rxDiscards !== undefined || n.txDiscards !== undefined) add('net.discards', (n.rxDiscards ?? 0) + (n.txDiscards ?? 0), n.iface);
  }
  for (const c of m.custom ?? []) add('custom.value', c.value, c.name);
  for (const c of m.containers ?? []) {
    add('container.up', c.state === 'running' ? 100 : 0, c.name);
    add('container.restarts', c.restarts, c.name);
    add('container.cpu', c.cpu, c.name);
    add('container.mem', c.memUsed, c.name);
    add('container.rxRate', c.rxRate, c.name);
    add('container.txRate', c.txRate, c.name);
  }
  add('temperature.cpu', m.temperature?.cpu);
  add('uptime', m.uptime);
  add('processes', m.processes);
  return out;
}
