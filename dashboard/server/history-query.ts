import { VigieError } from '../../core/errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../core/time.js';
import { isMetricName, METRICS, type MetricName } from '../../protocol/metric-series.js';
import type { HistoryQuery } from '../../ingest/types.js';
import { intParam, queryValue } from './params.js';

/**
 * Turns `/history` query parameters into a HistoryQuery. `range` is a
 * shorthand for the dashboard's buttons; its default step keeps an answer
 * between ~300 and ~500 points, and the long ranges use steps that are whole
 * minutes or hours so the ingest can answer from its rollup tiers.
 */
export const RANGES = {
  '15m': { span: 15 * MINUTE_MS, step: 2 },
  '1h': { span: HOUR_MS, step: 10 },
  '24h': { span: DAY_MS, step: 4 * 60 },
  '7d': { span: 7 * DAY_MS, step: 30 * 60 },
  '30d': { span: 30 * DAY_MS, step: 2 * 3600 },
  // Past the 1-minute tier's 30 days only hourly rollups remain: steps of whole hours (issue 11).
  '90d': { span: 90 * DAY_MS, step: 6 * 3600 },
  '180d': { span: 180 * DAY_MS, step: 12 * 3600 },
  '400d': { span: 400 * DAY_MS, step: 24 * 3600 },
} as const;
export type RangeName = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeName = '1h';

/** Most points one answer may hold: a chart is at most a few thousand pixels wide. */
export const MAX_POINTS = 1000;
/** Widest window one request may span (the default hourly retention). */
export const MAX_SPAN_MS = 400 * DAY_MS;
export const MAX_STEP_S = 7 * 86_400;

/** Steps (seconds) tried for an explicit from/to without step: the smallest giving ≤ 400 points wins. */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];
const TARGET_POINTS = 400;

/** Metrics whose series carry a key (a mount or an interface). */
const KEYED: Record<string, string> = { disk: 'the mount point, e.g. key=/', net: 'the interface, e.g. key=eth0', check: 'the check id, e.g. key=web-home', container: 'the container name, e.g. key=web' };

function isRange(value: string): value is RangeName {
  return Object.hasOwn(RANGES, value);
}

/** Validates the query; throws a VigieError naming the parameter on bad input. */
export function resolveHistoryQuery(host: string, query: unknown, now: number): HistoryQuery & { range: RangeName | null } {
  const metricRaw = queryValue(query, 'metric');
  if (!metricRaw) throw new VigieError('VIGIE_ERR_BAD_METRIC', `metric: required, one of ${Object.keys(METRICS).join(', ')}`);
  if (!isMetricName(metricRaw)) {
    throw new VigieError('VIGIE_ERR_BAD_METRIC', `metric: "${metricRaw.slice(0, 60)}" is not a metric; expected one of ${Object.keys(METRICS).join(', ')}`);
  }
  const metric: MetricName = metricRaw;
  const key = queryValue(query, 'key') ?? '';
  const keyedAs = KEYED[metric.split('.')[0] ?? ''];
  if (keyedAs && key === '') throw new VigieError('VIGIE_ERR_BAD_REQUEST', `key: required for ${metric}: ${keyedAs}`);
  if (!keyedAs && key !== '') throw new VigieError('VIGIE_ERR_BAD_REQUEST', `key: ${metric} has no key; leave key empty`);
  if (key.length > 512) throw new VigieError('VIGIE_ERR_BAD_REQUEST', 'key: expected at most 512 characters');

  const rangeRaw = queryValue(query, 'range');
  let range: RangeName | null = null;
  if (rangeRaw !== undefined && rangeRaw !== '') {
    if (!isRange(rangeRaw)) throw new VigieError('VIGIE_ERR_BAD_RANGE', `range: expected one of ${Object.keys(RANGES).join(', ')}, got "${rangeRaw.slice(0, 20)}"`);
    range = rangeRaw;
  }
  let from = intParam(query, 'from', 'milliseconds since the Unix epoch');
  const to = intParam(query, 'to', 'milliseconds since the Unix epoch') ?? now;
  let stepS = intParam(query, 'step', `whole seconds between 1 and ${MAX_STEP_S}`, MAX_STEP_S);
  if (stepS === 0) throw new VigieError('VIGIE_ERR_BAD_RANGE', `step: expected whole seconds between 1 and ${MAX_STEP_S}, got "0"`);

  if (range !== null && from !== undefined) throw new VigieError('VIGIE_ERR_BAD_RANGE', 'range: give either range or from, not both');
  if (from === undefined) {
    range ??= DEFAULT_RANGE; // neither range nor from: the last hour
    from = to - RANGES[range].span;
    stepS ??= RANGES[range].step;
  }
  if (!(from < to)) throw new VigieError('VIGIE_ERR_BAD_RANGE', `from: must be before to (from=${from}, to=${to})`);
  if (to - from > MAX_SPAN_MS) throw new VigieError('VIGIE_ERR_BAD_RANGE', `from: the window spans more than ${MAX_SPAN_MS / DAY_MS} days; narrow from/to`);
  const span = to - from;
  stepS ??= NICE_STEPS.find((s) => span / (s * SECOND_MS) <= TARGET_POINTS) ?? MAX_STEP_S;
  const points = Math.ceil(span / (stepS * SECOND_MS));
  if (points > MAX_POINTS) {
    throw new VigieError('VIGIE_ERR_BAD_RANGE', `step: ${stepS} s over this window gives ${points} points, more than ${MAX_POINTS}; use step >= ${Math.ceil(span / SECOND_MS / MAX_POINTS)}`);
  }
  return { host, metric, key, from, to, step: stepS * SECOND_MS, range };
}
