import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FieldError } from '../core/errors.js';
import { describeValue } from '../core/schema-error.js';
import { isHostId } from '../protocol/host-id.js';
import { SCRIPT_ID_PATTERN, ScriptArgs } from '../protocol/schemas/script.js';
import { CONTAINER_NAME_PATTERN } from '../protocol/schemas/metrics.js';
import {
  FOR_BOUNDS, HORIZON_HOURS_BOUNDS, IF_DOWN_FOR_DEFAULT, MIN_POINTS_BOUNDS, MISSED_INTERVALS_BOUNDS, THRESHOLD_SPECS, thresholdBounds, WINDOW_HOURS_BOUNDS,
  type FieldBounds, type ThresholdSpec,
} from './rule-limits.js';

/**
 * Alert settings: one rule set of defaults for every host, and per-host
 * overrides that may change any field of any rule. The schemas below are the
 * only source of defaults (STYLE §9).
 */

const range = (b: FieldBounds) => ({ minimum: b.min, maximum: b.max });

/**
 * An action of the script library a rule may run when its alert fires
 * (issue 14, docs/alerts.md "Automatic actions"). It runs only when `auto`
 * is true here AND the host's override says `autoAction: true`; at most once
 * per `alerts.autoActionCooldown` per host and rule, never in maintenance.
 * `args` are merged over those the suggested fix takes from the alert (the
 * service's name, the runaway process's pid).
 */
export const RuleAction = Type.Object(
  {
    script: Type.String({ pattern: SCRIPT_ID_PATTERN, description: 'Id of an action script of the library, e.g. vigie.service-restart' }),
    args: Type.Optional(ScriptArgs),
    auto: Type.Boolean({ default: false, description: 'Run it automatically when the alert fires (the host must opt in too: autoAction: true in its override)' }),
  },
  { additionalProperties: false, description: 'Action to run when the alert fires' },
);
export type RuleAction = Static<typeof RuleAction>;

/** The fields a rule that may act carries: its action; an override also its host's opt-in. */
function actionFields(defaults: boolean) {
  return {
    action: Type.Optional(RuleAction),
    ...(defaults ? {} : { autoAction: Type.Optional(Type.Boolean({ description: 'This host opts in to the rule\'s automatic action (both are needed)' })) }),
  };
}

// The same fields build the rule (with defaults) and its override (without:
// an override that leaves a field out inherits it, it must not reset it).
function thresholdFields(s: ThresholdSpec, defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  const bounds = thresholdBounds(s);
  const level = range(bounds.level);
  return {
    enabled: Type.Boolean({ ...d(true), description: `Alert on ${s.what}` }),
    warning: Type.Number({ ...level, ...d(s.warning), description: `${s.what} (${s.unit}) at or above which a warning fires` }),
    critical: Type.Number({ ...level, ...d(s.critical), description: `${s.what} (${s.unit}) at or above which it is critical; must be ≥ warning` }),
    for: Type.Number({ ...range(FOR_BOUNDS), ...d(s.for), description: 'Seconds the level must hold before the alert fires (like Prometheus `for:`)' }),
    hysteresis: Type.Number({ ...range(bounds.hysteresis), ...d(s.hysteresis), description: `How far (${s.unit}) below a level the value must fall to clear it: stops flapping` }),
    ...actionFields(defaults),
  };
}

const thresholdRule = (s: ThresholdSpec) =>
  Type.Object(thresholdFields(s, true), { default: {}, additionalProperties: false, description: s.what });
const thresholdOverride = (s: ThresholdSpec) => Type.Partial(Type.Object(thresholdFields(s, false), { additionalProperties: false }));

const SPECS = THRESHOLD_SPECS;

export type ThresholdRuleName = keyof typeof SPECS;
export const THRESHOLD_RULES = Object.keys(SPECS) as ThresholdRuleName[];

function offlineFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when the host goes offline' }),
    missedIntervals: Type.Integer({ ...range(MISSED_INTERVALS_BOUNDS), ...d(3), description: 'Metrics intervals without a sample before the host counts as offline (a Last Will counts at once)' }),
  };
}

function servicesFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when a watched service is stopped (warning) or failed (critical)' }),
    watch: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 500, uniqueItems: true, ...d([]), description: 'Service names to watch, as the host lists them; an override replaces the list' }),
    for: Type.Number({ ...range(FOR_BOUNDS), ...d(0), description: 'Seconds a watched service must stay stopped or failed before the alert fires' }),
    ...actionFields(defaults),
  };
}

function containersFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert on containers (docs/containers.md): one seen running that stopped, an unhealthy one, a restart loop' }),
    for: Type.Number({ ...range(FOR_BOUNDS), ...d(30), description: 'Seconds a container seen running must stay stopped, or unhealthy, before the alert fires' }),
    restarts: Type.Integer({ minimum: 1, maximum: 1000, ...d(3), description: 'Restarts within `restartMinutes` that make a restart loop (critical)' }),
    restartMinutes: Type.Number({ minimum: 1, maximum: 1440, ...d(10), description: 'Window, minutes, the restarts are counted over' }),
    ignore: Type.Array(Type.String({ pattern: CONTAINER_NAME_PATTERN }), { maxItems: 500, uniqueItems: true, ...d([]), description: 'Container names never alerted on (one-shot jobs, containers stopped on purpose); an override replaces the list' }),
  };
}

function forecastFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert when a mount is predicted full soon' }),
    horizonHours: Type.Number({ ...range(HORIZON_HOURS_BOUNDS), ...d(24), description: 'Warn when the mount is predicted full within this many hours' }),
    windowHours: Type.Number({ ...range(WINDOW_HOURS_BOUNDS), ...d(6), description: 'Hours of history the linear fit uses' }),
    minPoints: Type.Integer({ ...range(MIN_POINTS_BOUNDS), ...d(30), description: 'Points (one per window/360, about a minute by default) needed before forecasting' }),
    minR2: Type.Number({ minimum: 0, maximum: 1, ...d(0.5), description: 'Fit quality (r²) needed to fire: below it the trend is noise' }),
    ...actionFields(defaults),
  };
}

function ifDownFields(defaults: boolean) {
  const d = (value: unknown) => (defaults ? { default: value } : {});
  return {
    enabled: Type.Boolean({ ...d(true), description: 'Alert (critical) when an interface of a device is down while administratively up; one an admin shut down never alerts' }),
    for: Type.Number({ ...range(FOR_BOUNDS), ...d(IF_DOWN_FOR_DEFAULT), description: 'Seconds the interface must stay down before the alert fires' }),
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
    ifDown: Type.Object(ifDownFields(true), { default: {}, additionalProperties: false, description: 'Interface down (SNMP devices)' }),
    ifUtil: thresholdRule(SPECS.ifUtil),
    containers: Type.Object(containersFields(true), { default: {}, additionalProperties: false, description: 'Containers' }),
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
      ifDown: Type.Partial(Type.Object(ifDownFields(false), { additionalProperties: false })),
      ifUtil: thresholdOverride(SPECS.ifUtil),
      containers: Type.Partial(Type.Object(containersFields(false), { additionalProperties: false })),
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
    ifDown: { ...d.ifDown, ...o.ifDown },
    ifUtil: { ...d.ifUtil, ...o.ifUtil },
    containers: { ...d.containers, ...o.containers },
  };
}

/**
 * effectiveRules for the settings `settings()` returns now, each host's merge
 * kept until the settings object changes (the alert store replaces it on
 * every save): the engine asks for it several times per sample, and stable
 * rule objects let it reuse what it derives from them (host-state.ts).
 */
export function effectiveRulesCache(settings: () => AlertSettings): (host: string) => RuleSet {
  let of: AlertSettings | null = null;
  const merged = new Map<string, RuleSet>();
  return (host) => {
    const current = settings();
    if (current !== of) {
      of = current;
      merged.clear();
    }
    if (!Object.hasOwn(current.hosts, host)) return current.defaults;
    let rules = merged.get(host);
    if (!rules) merged.set(host, (rules = effectiveRules(current, host)));
    return rules;
  };
}

/** The settings with every default filled in (no validation). */
export function defaultAlertSettings(): AlertSettings {
  return { defaults: Value.Default(RuleSet, {}) as RuleSet, hosts: {} };
}

/** What validateAlertSettings answers: the settings, or every problem as lines and as fields. */
export type AlertSettingsResult = { ok: true; value: AlertSettings } | { ok: false; error: string; fields: FieldError[] };

/**
 * Validates settings from a file or the dashboard and fills in the defaults.
 * Every problem is one `path: message` line naming the field
 * (`hosts.web-1.cpu.warning: must be ≤ critical (got 95 > 90)`), joined by
 * newlines in `error`, and the same as `{ field, message }` in `fields`
 * (the API's envelope carries them, docs/api.md); the input is not modified.
 */
export function validateAlertSettings(input: unknown): AlertSettingsResult {
  const fail = (fields: FieldError[]): AlertSettingsResult => ({ ok: false, error: fields.map((f) => `${f.field}: ${f.message}`).join('\n'), fields });
  if (!isPlainObject(input)) return fail([{ field: '(settings)', message: `expected an object (got ${describeValue(input)})` }]);
  const value: Record<string, unknown> = structuredClone(input);
  // Defaults go into `defaults` only: an override inherits what it leaves out.
  value.defaults = Value.Default(RuleSet, value.defaults ?? {});
  value.hosts ??= {};

  const errors: FieldError[] = [];
  if (isPlainObject(value.hosts)) {
    for (const host of Object.keys(value.hosts)) {
      if (!isHostId(host)) errors.push({ field: `hosts.${describeValue(host)}`, message: 'not a host id (expected lower-case letters, digits, ".", "_" or "-")' });
    }
  }
  const seen = new Set<string>();
  for (const e of check.Errors(value)) {
    const field = e.path.slice(1).replace(/\//g, '.') || '(settings)';
    const described = (e.schema as TSchema).description;
    const message = `${e.message} (got ${describeValue(e.value)})${e.message === 'Unexpected property' || !described ? '' : ` — ${described}`}`;
    if (seen.has(`${field}: ${message}`)) continue;
    seen.add(`${field}: ${message}`);
    errors.push({ field, message });
  }
  if (errors.length) return fail(errors);

  const settings = value as AlertSettings;
  errors.push(...levelOrderErrors('defaults', settings.defaults, undefined));
  for (const [host, override] of Object.entries(settings.hosts)) {
    errors.push(...levelOrderErrors(`hosts.${host}`, effectiveRules(settings, host), override));
  }
  return errors.length ? fail(errors) : { ok: true, value: settings };
}

// critical ≥ warning must hold after merging: an override raising only the
// warning above the default critical is as wrong as one that sets both.
function levelOrderErrors(root: string, rules: RuleSet, override: RuleSetOverride | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const name of THRESHOLD_RULES) {
    const { warning, critical } = rules[name];
    if (warning <= critical) continue;
    const changed = override?.[name];
    if (override && changed?.warning === undefined && changed?.critical !== undefined) {
      out.push({ field: `${root}.${name}.critical`, message: `must be ≥ warning (got ${critical} < ${warning})` });
    } else {
      out.push({ field: `${root}.${name}.warning`, message: `must be ≤ critical (got ${warning} > ${critical})` });
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
