import { Type, type Static } from '@sinclair/typebox';
import { CHECK_ID_PATTERN, CheckSpec, RESULT_KINDS, type CheckKind, type ResultKind } from '../protocol/schemas/check.js';
import { HOST_ID_PATTERN } from '../protocol/host-id.js';
import { SCRIPT_ID_PATTERN, ScriptArgs } from '../protocol/schemas/script.js';

/**
 * A check as the server keeps it (issue 12): what the runners probe (the
 * protocol's CheckSpec), who runs it, who may see and manage it, and how it
 * alerts. The API, the checks-as-code file and the store all use this one
 * schema; its defaults are the only ones (STYLE §9).
 */

/** Consecutive failed runs (per runner) before a check is "down"; Uptime Kuma's "retries" + 1. */
export const DOWN_AFTER = { default: 3, min: 1, max: 20 } as const;
/** Certificate expiry levels, days. */
export const CERT_DAYS = { warning: 14, critical: 3, max: 365 } as const;
/** Default availability target, percent. */
export const DEFAULT_SLA = 99;
/** Vantage points one check may have. */
export const MAX_RUNNERS = 10;

const Runner = Type.String({ pattern: HOST_ID_PATTERN.source, description: 'Host id of an enrolled agent that runs the check' });

export const CheckAlerting = Type.Object(
  {
    downAfter: Type.Integer({ minimum: DOWN_AFTER.min, maximum: DOWN_AFTER.max, default: DOWN_AFTER.default, description: 'Consecutive failed runs on one runner before the check is down there and the alert fires' }),
    latency: Type.Object(
      {
        warning: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 60 }), Type.Null()], { default: null, description: 'Seconds of latency at or above which a warning fires; null: none' }),
        critical: Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 60 }), Type.Null()], { default: null, description: 'Seconds of latency at or above which it is critical; null: none; must be ≥ warning' }),
        for: Type.Integer({ minimum: 0, maximum: 86_400, default: 0, description: 'Seconds the latency must stay at the level before the alert fires' }),
      },
      { default: {}, additionalProperties: false },
    ),
    certDays: Type.Object(
      {
        warning: Type.Integer({ minimum: 0, maximum: CERT_DAYS.max, default: CERT_DAYS.warning, description: 'Days before the certificate expires when a warning fires (TLS and HTTPS checks)' }),
        critical: Type.Integer({ minimum: 0, maximum: CERT_DAYS.max, default: CERT_DAYS.critical, description: 'Days before it expires when it is critical; must be ≤ warning' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
export type CheckAlerting = Static<typeof CheckAlerting>;

/**
 * A script check (issue 14): which script of the library runs, with which
 * arguments (checked against the script's parameters on the server, and
 * again by the agent). It reaches its runners in the signed script bundle,
 * never in the config's `checks[]`.
 */
export const ScriptCheckRef = Type.Object(
  {
    id: Type.String({ pattern: SCRIPT_ID_PATTERN, description: 'Id of a check script of the library; the same as `target`' }),
    args: Type.Optional(ScriptArgs),
  },
  { additionalProperties: false },
);
export type ScriptCheckRef = Static<typeof ScriptCheckRef>;

/** What a client sends to create or replace a check (API, import file). */
export const CheckInput = Type.Composite([
  Type.Omit(CheckSpec, ['interval', 'timeout', 'kind']),
  Type.Object({
    kind: Type.Union(RESULT_KINDS.map((k) => Type.Literal(k)), { description: 'ping, tcp, http, dns, tls: a network probe; script: a script of the library (issue 14)' }),
    script: Type.Optional(ScriptCheckRef),
    interval: Type.Optional(CheckSpec.properties.interval),
    timeout: Type.Optional(CheckSpec.properties.timeout),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'What people read: "Moodle", "Box DNS"' }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    /** The runners (vantage points); the box's own agent when left out. */
    runners: Type.Optional(Type.Array(Runner, { minItems: 1, maxItems: MAX_RUNNERS, uniqueItems: true })),
    /** The group the check belongs to: its operators manage it, its members see it. null: admins only. */
    groupId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { default: null })),
    sla: Type.Optional(Type.Number({ minimum: 0, maximum: 100, default: DEFAULT_SLA, description: 'Availability target, percent, e.g. 98' })),
    alerting: Type.Optional(CheckAlerting),
  }),
], { additionalProperties: false });
export type CheckInput = Static<typeof CheckInput>;

/**
 * A stored check: the input with every default filled in, and its bookkeeping.
 * A script check has `kind: 'script'`, `target` = its script id and `script`
 * (args always present once stored); its `timeout` is not used (the script's own applies).
 */
export interface CheckDefinition extends Omit<CheckSpec, 'kind'> {
  kind: ResultKind;
  script?: { id: string; args: ScriptArgs };
  name: string;
  enabled: boolean;
  runners: string[];
  groupId: number | null;
  sla: number;
  alerting: CheckAlerting;
  createdAt: number;
  updatedAt: number;
  /** User name of whoever created it; null for an import by the CLI. */
  createdBy: string | null;
}

/** A script check (issue 14): it goes into the signed script bundle, never into the config's `checks[]`. */
export const isScriptCheck = (def: Pick<CheckDefinition, 'kind'>): boolean => def.kind === 'script';

/** The network probe a runner receives; null for a script check (the bundle carries those). */
export function networkSpecOf(def: CheckDefinition): CheckSpec | null {
  if (isScriptCheck(def)) return null;
  const { name: _n, enabled: _e, runners: _r, groupId: _g, sla: _s, alerting: _a, createdAt: _c, updatedAt: _u, createdBy: _b, script: _x, ...spec } = def;
  return spec as CheckSpec;
}

/**
 * The part of a definition a runner receives in `checks[]`. Callers MUST
 * skip script checks first (`isScriptCheck`, or use `networkSpecOf`): their
 * spec is the bundle's ScriptCheckSpec (`scriptCheckSpecOf`), signed. It
 * does not throw for one, so a caller that forgets cannot stop every other
 * runner's config; the agent refuses the unknown kind.
 */
export function specOf(def: CheckDefinition): CheckSpec {
  const { name: _n, enabled: _e, runners: _r, groupId: _g, sla: _s, alerting: _a, createdAt: _c, updatedAt: _u, createdBy: _b, script: _x, ...spec } = def;
  return spec as CheckSpec;
}

/** What the signed script bundle carries for a script check (protocol/schemas/script.ts ScriptCheckSpec); null for a network check. */
export function scriptCheckSpecOf(def: CheckDefinition): { id: string; script: string; interval: number; args: ScriptArgs } | null {
  if (!isScriptCheck(def) || !def.script) return null;
  return { id: def.id, script: def.script.id, interval: def.interval, args: { ...def.script.args } };
}

export { CHECK_ID_PATTERN, type CheckKind };
