import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { err, ok, type Result } from '../core/result.js';
import { describeValue } from '../core/schema-error.js';
import { isHostId } from '../protocol/host-id.js';

/**
 * Alert settings: one rule set of defaults for every host, and per-host
 * overrides that may change any field of any rule. The schemas below are the
 * only source of defaults (STYLE §9).
 */

interface ThresholdSpec {
  what: string;
  unit: string;
  max: number;
  min?: number;
  warning: number;
  critical: number;
  for: number;
  hysteresis: number;
}

// The same fields build the rule (with defaults) and its override (without:
// an override that leaves a field out inherits it, it must not reset it).
function thresholdFields(s: ThresholdSpec, defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  const level = { minimum: s.min ?? 0, maximum: s.max };
  return {
    enabled: Type.Boolean({ ...d(true), description: `Alert on ${s.what}` }),
    warning: Type.Number({ ...level, ...d(s.warning), description: `${s.what} (${s.unit}) at or above which a warning fires` }),
    critical: Type.Number({ ...level, ...d(s.critical), description: `${s.what} (${s.unit}) at or above which it is critical; must be ≥ warning` }),
    for: Type.Number({ minimum: 0, maximum: 86_400, ...d(s.for), description: 'Seconds the level must hold before the alert fires (like Prometheus `for:`)' }),
    hysteresis: Type.Number({ minimum: 0, maximum: s.max, ...d(s.hysteresis), description: `How far (${s.unit}) below a level the value must fall to clear it: stops flapping` }),
  };
}

const thresholdRule = (s: ThresholdSpec) =>
  Type.Object(thresholdFields(s, true), { default: {}, additionalProperties: false, description: s.what });
const thresholdOverride = (s: ThresholdSpec) => Type.Partial(Type.Object(thresholdFields(s, false), { additionalProperties: false }));

// cpu/mem/disk: a little above the 80/90 % card colours of ingest/host-health.ts,
// since an alert interrupts someone. Swap is lower: sustained swapping hurts long
// before swap is full. Load per core: 1.5 means work waits for a CPU.
// Temperature: most desktop and Pi CPUs throttle between 80 and 90 °C.
const SPECS = {
  cpu: { what: 'CPU usage', unit: '%', max: 100, warning: 85, critical: 95, for: 120, hysteresis: 5 },
  mem: { what: 'Memory used', unit: '%', max: 100, warning: 85, critical: 95, for: 120, hysteresis: 5 },
  swap: { what: 'Swap used', unit: '%', max: 100, warning: 50, critical: 80, for: 120, hysteresis: 5 },
  // A disk does not flap: no delay, but the same 5-point band so a full disk
  // must really be cleaned before the alert clears.
  disk: { what: 'Disk used on each mount', unit: '%', max: 100, warning: 85, critical: 95, for: 0, hysteresis: 5 },
  load: { what: 'Load (1 min) per CPU core', unit: 'per core', max: 1000, warning: 1.5, critical: 3, for: 120, hysteresis: 0.25 },
  temperature: { what: 'CPU temperature', unit: '°C', min: -100, max: 250, warning: 75, critical: 85, for: 120, hysteresis: 5 },
} as const satisfies Record<string, ThresholdSpec>;

export type ThresholdRuleName = keyof typeof SPECS;
export const THRESHOLD_RULES = Object.keys(SPECS) as ThresholdRuleName[];

function offlineFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when the host goes offline' }),
    missedIntervals: Type.Integer({ minimum: 1, maximum: 100, ...d(3), description: 'Metrics intervals without a sample before the host counts as offline (a Last Will counts at once)' }),
  };
}

function servicesFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when a watched service is stopped (warning) or failed (critical)' }),
    watch: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 500, uniqueItems: true, ...d([]), description: 'Service names to watch, as the host lists them; an override replaces the list' }),
    for: Type.Number({ minimum: 0, maximum: 86_400, ...d(0), description: 'Seconds a watched service must stay stopped or failed before the alert fires' }),
  };
}

function forecastFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when a mount is predicted full soon' }),
    horizonHours: Type.Number({ minimum: 0.1, maximum: 24 * 365, ...d(24), description: 'Warn when the mount is predicted full within this many hours' }),
    windowHours: Type.Number({ minimum: 0.1, maximum: 24 * 30, ...d(6), description: 'Hours of history the linear fit uses' }),
    minPoints: Type.Integer({ minimum: 3, maximum: 10_000, ...d(30), description: 'Points (one per window/360, about a minute by default) needed before forecasting' }),
    minR2: Type.Number({ minimum: 0, maximum: 1, ...d(0.5), description: 'Fit quality (r²) needed to fire: below it the trend is noise' }),
  };
}

export const RuleSet = Type.Object(
  {
    cpu: thresholdRule(SPECS.cpu),
    mem: thresholdRule(SPECS.mem),
    swap: thresholdRule(SPECS.swap),
    disk: thresholdRule(SPECS.disk),
    load: thresholdRule(SPECS.load),
    temperature: thresholdRule(SPECS.temperature),
    offline: Type.Object(offlineFields(true), { default: {}, additionalProperties: false, description: 'Host offline' }),
    services: Type.Object(servicesFields(true), { default: {}, additionalProperties: false, description: 'Watched services' }),
    diskForecast: Type.Object(forecastFields(true), { default: {}, additionalProperties: false, description: 'Disk-full forecast' }),
  },
  { default: {}, additionalProperties: false, description: 'Alert rules' },
);
export type RuleSet = Static<typeof RuleSet>;
export type ThresholdRule = RuleSet[ThresholdRuleName];

export const RuleSetOverride = Type.Partial(
  Type.Object(
    {
      cpu: thresholdOverride(SPECS.cpu),
      mem: thresholdOverride(SPECS.mem),
      swap: thresholdOverride(SPECS.swap),
      disk: thresholdOverride(SPECS.disk),
      load: thresholdOverride(SPECS.load),
      temperature: thresholdOverride(SPECS.temperature),
      offline: Type.Partial(Type.Object(offlineFields(false), { additionalProperties: false })),
      services: Type.Partial(Type.Object(servicesFields(false), { additionalProperties: false })),
      diskForecast: Type.Partial(Type.Object(forecastFields(false), { additionalProperties: false })),
    },
    { additionalProperties: false, description: 'Fields that differ from the defaults for one host' },
  ),
);
export type RuleSetOverride = Static<typeof RuleSetOverride>;

export const AlertSettings = Type.Object(
  {
    defaults: RuleSet,
    hosts: Type.Record(Type.String(), RuleSetOverride, { default: {}, description: 'Overrides by host id' }),
  },
  { additionalProperties: false, description: 'Alert settings' },
);
export type AlertSettings = Static<typeof AlertSettings>;

const check = TypeCompiler.Compile(AlertSettings);

/** The rules that apply to `host`: each rule of its override merged field by field over the defaults. */
export function effectiveRules(settings: AlertSettings, host: string): RuleSet {
  const o = Object.hasOwn(settings.hosts, host) ? settings.hosts[host] : undefined;
  const d = settings.defaults;
  if (!o) return d;
  return {
    cpu: { ...d.cpu, ...o.cpu },
    mem: { ...d.mem, ...o.mem },
    swap: { ...d.swap, ...o.swap },
    disk: { ...d.disk, ...o.disk },
    load: { ...d.load, ...o.load },
    temperature: { ...d.temperature, ...o.temperature },
    offline: { ...d.offline, ...o.offline },
    services: { ...d.services, ...o.services },
    diskForecast: { ...d.diskForecast, ...o.diskForecast },
  };
}

/** The settings with every default filled in (no validation). */
export function defaultAlertSettings(): AlertSettings {
  return { defaults: Value.Default(RuleSet, {}) as RuleSet, hosts: {} };
}

/**
 * Validates settings from a file or the dashboard and fills in the defaults.
 * Every problem is one `path: message` line naming the field
 * (`hosts.web-1.cpu.warning: must be ≤ critical (got 95 > 90)`), joined by
 * newlines; the input is not modified.
 */
export function validateAlertSettings(input: unknown): Result<AlertSettings> {
  if (!isPlainObject(input)) return err(`(settings): expected an object (got ${describeValue(input)})`);
  const value: Record<string, unknown> = structuredClone(input);
  // Defaults go into `defaults` only: an override inherits what it leaves out.
  value.defaults = Value.Default(RuleSet, value.defaults ?? {});
  value.hosts ??= {};

  const errors: string[] = [];
  if (isPlainObject(value.hosts)) {
    for (const host of Object.keys(value.hosts)) {
      if (!isHostId(host)) errors.push(`hosts.${describeValue(host)}: not a host id (expected lower-case letters, digits, ".", "_" or "-")`);
    }
  }
  for (const e of check.Errors(value)) {
    const path = e.path.slice(1).replace(/\//g, '.');
    const described = (e.schema as TSchema).description;
    errors.push(`${path || '(settings)'}: ${e.message} (got ${describeValue(e.value)})${e.message === 'Unexpected property' || !described ? '' : ` — ${described}`}`);
  }
  if (errors.length) return err([...new Set(errors)].join('\n'));

  const settings = value as AlertSettings;
  errors.push(...levelOrderErrors('defaults', settings.defaults, undefined));
  for (const [host, override] of Object.entries(settings.hosts)) {
    errors.push(...levelOrderErrors(`hosts.${host}`, effectiveRules(settings, host), override));
  }
  return errors.length ? err(errors.join('\n')) : ok(settings);
}

// critical ≥ warning must hold after merging: an override raising only the
// warning above the default critical is as wrong as one that sets both.
function levelOrderErrors(root: string, rules: RuleSet, override: RuleSetOverride | undefined): string[] {
  const out: string[] = [];
  for (const name of THRESHOLD_RULES) {
    const { warning, critical } = rules[name];
    if (warning <= critical) continue;
    const changed = override?.[name];
    if (override && changed?.warning === undefined && changed?.critical !== undefined) {
      out.push(`${root}.${name}.critical: must be ≥ warning (got ${critical} < ${warning})`);
    } else {
      out.push(`${root}.${name}.warning: must be ≤ critical (got ${warning} > ${critical})`);
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
