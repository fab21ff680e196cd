import { Point } from '@influxdata/influxdb-client';
import { METRICS, type MetricName, type SeriesPoint } from '../../../protocol/metric-series.js';

/**
 * How Vigie's series map onto InfluxDB (docs/influxdb.md): one measurement
 * per group, tag `host`, the series key as tag `mount` (disks) or `iface`
 * (network), one float field per metric named after the metric's last part,
 * timestamps in ms. The only place these names are spelled.
 */
export interface InfluxSeries {
  measurement: Measurement;
  field: string;
  /** Tag holding the series key, for keyed metrics. */
  keyTag?: KeyTag;
}

export type KeyTag = 'mount' | 'iface' | 'check' | 'name' | 'container';

export const MEASUREMENTS = ['cpu', 'mem', 'swap', 'disk', 'net', 'temp', 'system', 'check', 'custom', 'container'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];
export const EVENTS_MEASUREMENT = 'events';

/** Metric group (the part before the dot) → measurement; metrics without a dot go to `system`. */
const GROUP: Record<string, { measurement: Measurement; keyTag?: KeyTag }> = {
  cpu: { measurement: 'cpu' },
  mem: { measurement: 'mem' },
  swap: { measurement: 'swap' },
  disk: { measurement: 'disk', keyTag: 'mount' },
  net: { measurement: 'net', keyTag: 'iface' },
  temperature: { measurement: 'temp' },
  // Network checks (issue 12): host = the runner, tag `check` = the check id.
  check: { measurement: 'check', keyTag: 'check' },
  // An SNMP device's custom OIDs (issue 13): tag `name`, field `value`.
  custom: { measurement: 'custom', keyTag: 'name' },
  // Containers (issue 15): tag `container` = its name; fields cpu, mem, rxRate, txRate, up, restarts.
  container: { measurement: 'container', keyTag: 'container' },
};

function mapMetric(metric: MetricName): InfluxSeries {
  const dot = metric.indexOf('.');
  if (dot < 0) return { measurement: 'system', field: metric };
  const group = GROUP[metric.slice(0, dot)];
  if (!group) throw new Error(`metric ${metric} has no InfluxDB measurement: add its group to ingest/store/influx/schema.ts`);
  return { ...group, field: metric.slice(dot + 1) };
}

/** Every metric's place in InfluxDB, computed once (a new metric without a group fails at load, not at write). */
export const INFLUX_SERIES = Object.fromEntries(
  (Object.keys(METRICS) as MetricName[]).map((m) => [m, mapMetric(m)]),
) as Record<MetricName, InfluxSeries>;

/** Reverse lookup: measurement → field → metric. */
const METRIC_OF = new Map<string, Map<string, MetricName>>();
for (const [metric, s] of Object.entries(INFLUX_SERIES) as Array<[MetricName, InfluxSeries]>) {
  const fields = METRIC_OF.get(s.measurement) ?? new Map<string, MetricName>();
  fields.set(s.field, metric);
  METRIC_OF.set(s.measurement, fields);
}

export function metricOf(measurement: string, field: string): MetricName | undefined {
  return METRIC_OF.get(measurement)?.get(field);
}

/** The timestamp is already in ms and the writer sends precision=ms: written as is. */
const SETTINGS = { convertTime: (v: string | number | Date | undefined): string | undefined => (v === undefined ? undefined : String(v)) };

/**
 * Line protocol of one sample: one line per (measurement, key), its fields
 * together (a sample's cpu.* values become one `cpu` line). Escaping is the
 * client library's `Point`.
 */
export function sampleLines(host: string, ts: number, points: readonly SeriesPoint[]): string[] {
  const byLine = new Map<string, Point>();
  for (const p of points) {
    const s = INFLUX_SERIES[p.metric];
    const id = s.keyTag ? `${s.measurement}\u0000${p.key}` : s.measurement;
    let point = byLine.get(id);
    if (!point) {
      point = new Point(s.measurement).tag('host', host).timestamp(ts);
      if (s.keyTag) point.tag(s.keyTag, p.key);
      byLine.set(id, point);
    }
    point.floatField(s.field, p.value);
  }
  const out: string[] = [];
  for (const point of byLine.values()) {
    const line = point.toLineProtocol(SETTINGS);
    if (line) out.push(line);
  }
  return out;
}

/** A status or service change (docs/influxdb.md, "events"). */
export interface InfluxEvent {
  host: string;
  ts: number;
  kind: 'status' | 'service';
  state: string;
  reason?: string;
  /** The service, for kind `service`. */
  name?: string;
}

/**
 * One `events` line. A service event also carries its name as tag `service`:
 * points with the same tags and time overwrite each other in InfluxDB, and
 * several services often change in one payload (one ts).
 */
export function eventLine(e: InfluxEvent): string | undefined {
  const point = new Point(EVENTS_MEASUREMENT).tag('host', e.host).tag('kind', e.kind).stringField('state', e.state).timestamp(e.ts);
  if (e.name !== undefined) point.tag('service', e.name).stringField('name', e.name);
  if (e.reason !== undefined) point.stringField('reason', e.reason);
  return point.toLineProtocol(SETTINGS);
}
