/**
 * Units are owned here (DESIGN: the MQTT contract). Payloads carry:
 * - percentages as numbers 0–100,
 * - sizes in bytes as non-negative integers,
 * - rates in bytes per second,
 * - durations in seconds,
 * - timestamps in milliseconds since the Unix epoch (UTC),
 * - temperatures in degrees Celsius.
 */
export const UNITS = {
  percent: '%',
  bytes: 'B',
  bytesPerSecond: 'B/s',
  seconds: 's',
  epochMs: 'ms since epoch',
  celsius: '°C',
  count: '',
} as const;

export type Unit = keyof typeof UNITS;

/** Percentage of `part` in `total`, 0 when total is 0, clamped to 0–100. */
export function percent(part: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, (part / total) * 100));
}

/** Rounds to `digits` decimals: keeps payloads short without losing meaning. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
