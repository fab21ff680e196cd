import type { MetricName } from '../../../protocol/metric-series.js';
import type { SeriesRef } from '../../types.js';
import type { QuerySeries } from './query.js';
import { ident, literal } from './query.js';
import { MEASUREMENTS, metricOf, type InfluxSeries } from './schema.js';

/** The InfluxQL the store sends; every name is quoted with ident() and every value with literal(). */

function from(measurement: string, rp: string | undefined): string {
  return rp ? `${ident(rp)}.${ident(measurement)}` : ident(measurement);
}

/**
 * avg/min/max per `step` bucket over [from, to). GROUP BY time() buckets are
 * aligned on the epoch (start = floor(t/step)·step, any step, as the SQLite
 * store's `ts - ts % step`), `from` is already rounded down to a bucket, and
 * fill(none) leaves empty buckets out, as SQLite does.
 */
export function historyQuery(s: InfluxSeries, rp: string | undefined, host: string, key: string, fromMs: number, toMs: number, stepMs: number, withCount = false): string {
  const f = ident(s.field);
  const keyCond = s.keyTag ? ` AND ${ident(s.keyTag)} = ${literal(key)}` : '';
  return `SELECT mean(${f}), min(${f}), max(${f})${withCount ? `, count(${f})` : ''} FROM ${from(s.measurement, rp)} WHERE ${ident('host')} = ${literal(host)}${keyCond}`
    + ` AND time >= ${Math.trunc(fromMs)}ms AND time < ${Math.trunc(toMs)}ms GROUP BY time(${Math.trunc(stepMs)}ms) fill(none)`;
}

/** Measurements the host has, its mounts and interfaces, and the fields of every measurement (index reads, no data scan). */
export function seriesQuery(host: string): string {
  const h = `${ident('host')} = ${literal(host)}`;
  return [
    `SHOW MEASUREMENTS WHERE ${h}`,
    `SHOW TAG VALUES FROM ${ident('disk')} WITH KEY = ${ident('mount')} WHERE ${h}`,
    `SHOW TAG VALUES FROM ${ident('net')} WITH KEY = ${ident('iface')} WHERE ${h}`,
    `SHOW FIELD KEYS FROM ${MEASUREMENTS.map((m) => ident(m)).join(', ')}`,
    `SHOW TAG VALUES FROM ${ident('check')} WITH KEY = ${ident('check')} WHERE ${h}`,
    `SHOW TAG VALUES FROM ${ident('custom')} WITH KEY = ${ident('name')} WHERE ${h}`,
  ].join('; ');
}

/**
 * Series refs from the answer to seriesQuery, sorted by metric then key like
 * the SQLite store. A field is listed for every host having its measurement
 * (InfluxDB keeps field keys per measurement, not per host).
 */
export function seriesFromAnswer(answer: QuerySeries[][]): SeriesRef[] {
  const [measurements = [], mounts = [], ifaces = [], fields = [], checks = [], customs = []] = answer;
  const has = new Set(measurements.flatMap((s) => s.values.map((v) => String(v[0]))));
  const keys: Record<string, string[]> = {
    disk: mounts.flatMap((s) => s.values.map((v) => String(v[1]))),
    net: ifaces.flatMap((s) => s.values.map((v) => String(v[1]))),
    check: checks.flatMap((s) => s.values.map((v) => String(v[1]))),
    custom: customs.flatMap((s) => s.values.map((v) => String(v[1]))),
  };
  const out: SeriesRef[] = [];
  for (const s of fields) {
    if (!has.has(s.name)) continue;
    for (const row of s.values) {
      const metric: MetricName | undefined = metricOf(s.name, String(row[0]));
      if (!metric) continue; // a field Vigie does not write (someone else's data in the same database)
      for (const key of keys[s.name] ?? ['']) out.push({ metric, key });
    }
  }
  return out.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Field values stored for a host, over all time (what deleteHost reports). */
export function countQuery(rp: string | undefined, host: string): string {
  return `SELECT count(*) FROM ${MEASUREMENTS.map((m) => from(m, rp)).join(', ')} WHERE ${ident('host')} = ${literal(host)}`;
}

/** v1: every series of the host, in every measurement (events too) and retention policy. */
export function dropHostQuery(host: string): string {
  return `DROP SERIES WHERE ${ident('host')} = ${literal(host)}`;
}

/** v2: body of POST /api/v2/delete removing the host over all time (delete predicate syntax: double-quoted value). */
export function v2DeleteBody(host: string): { start: string; stop: string; predicate: string } {
  return { start: '1970-01-01T00:00:00Z', stop: '2262-04-11T00:00:00Z', predicate: `host="${host.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` };
}
