/**
 * The numbers of the alert rules — each threshold rule's unit, bounds and
 * defaults, and the bounds of the other editable fields — with no
 * dependency, so the schema (alerts/rules.ts) and the browser's rule form
 * (dashboard/web/src/views/rule-form.ts) read the same ones.
 */

export interface ThresholdSpec {
  what: string;
  unit: string;
  max: number;
  min?: number;
  warning: number;
  critical: number;
  for: number;
  hysteresis: number;
}

// cpu/mem/disk: a little above the 80/90 % card colours of ingest/host-health.ts,
// since an alert interrupts someone. Swap is lower: sustained swapping hurts long
// before swap is full. Load per core: 1.5 means work waits for a CPU.
// Temperature: most desktop and Pi CPUs throttle between 80 and 90 °C.
export const THRESHOLD_SPECS = {
  cpu: { what: 'CPU usage', unit: '%', max: 100, warning: 85, critical: 95, for: 120, hysteresis: 5 },
  mem: { what: 'Memory used', unit: '%', max: 100, warning: 85, critical: 95, for: 120, hysteresis: 5 },
  swap: { what: 'Swap used', unit: '%', max: 100, warning: 50, critical: 80, for: 120, hysteresis: 5 },
  // A disk does not flap: no delay, but the same 5-point band so a full disk
  // must really be cleaned before the alert clears.
  disk: { what: 'Disk used on each mount', unit: '%', max: 100, warning: 85, critical: 95, for: 0, hysteresis: 5 },
  load: { what: 'Load (1 min) per CPU core', unit: 'per core', max: 1000, warning: 1.5, critical: 3, for: 120, hysteresis: 0.25 },
  temperature: { what: 'CPU temperature', unit: '°C', min: -100, max: 250, warning: 75, critical: 85, for: 120, hysteresis: 5 },
  // Interfaces of SNMP devices (issue 13), each on its own: a link busy for five
  // minutes is congested, a burst is not. Max 1000 as in the metrics schema: a
  // device that under-reports its speed shows more than 100 %.
  ifUtil: { what: 'Utilisation of each interface', unit: '%', max: 1000, warning: 80, critical: 95, for: 300, hysteresis: 5 },
} as const satisfies Record<string, ThresholdSpec>;

/** Bounds of a number field; `integer` when only whole numbers are accepted. */
export interface FieldBounds {
  min: number;
  max: number;
  integer?: boolean;
}

/**
 * An interface down while administratively up (issue 13): seconds it must
 * stay down before it fires. Two default 60 s polls: a port seen down at one
 * poll and up at the next never pages (with 60 s, a tick could fire just
 * before the next poll arrives); a cut link pages within about 2 minutes.
 */
export const IF_DOWN_FOR_DEFAULT = 120;

/** Seconds a level (or a stopped service) must hold before the alert fires. */
export const FOR_BOUNDS: FieldBounds = { min: 0, max: 86_400 };
export const MISSED_INTERVALS_BOUNDS: FieldBounds = { min: 1, max: 100, integer: true };
/** The disk-full forecast: how far ahead it warns, and how much history the fit uses. */
export const HORIZON_HOURS_BOUNDS: FieldBounds = { min: 0.1, max: 24 * 365 };
export const WINDOW_HOURS_BOUNDS: FieldBounds = { min: 0.1, max: 24 * 30 };
export const MIN_POINTS_BOUNDS: FieldBounds = { min: 3, max: 10_000, integer: true };

/** A threshold rule's level bounds (warning, critical) and hysteresis bounds. */
export function thresholdBounds(spec: ThresholdSpec): { level: FieldBounds; hysteresis: FieldBounds } {
  return { level: { min: spec.min ?? 0, max: spec.max }, hysteresis: { min: 0, max: spec.max } };
}
