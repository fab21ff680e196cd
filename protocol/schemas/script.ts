import { Type, type Static } from '@sinclair/typebox';
import { HOST_ID_PATTERN } from '../host-id.js';
import { EpochMs, Seconds, ShortText, Version } from './common.js';

/**
 * Scripts (issue 14): custom checks and corrective actions written in the
 * dashboard and run by agents that opt in. Nothing here is trusted because
 * of where it came from: the box signs (ed25519, core/signing.ts) every
 * script bundle and every run request, bound to one host, and the agent
 * verifies the signature against the public key it pinned at enrollment
 * before it looks at anything else.
 *
 * - `<prefix>/<host>/config` (retained, that agent only) carries
 *   `scripts`: one signed ScriptBundle, the scripts this host may run and
 *   the script checks it runs, with their arguments.
 * - `<prefix>/<host>/run/req/<id>` (QoS 1, not retained, ingest → agent):
 *   a signed RunGrant, valid 60 s at most, with a nonce the agent remembers.
 * - `<prefix>/<host>/run/res/<id>` (QoS 1, not retained, agent → ingest):
 *   RunEvents: accepted or refused, output chunks, then done.
 */

export const SCRIPT_INTERPRETERS = ['sh', 'bash', 'python3', 'powershell'] as const;
export type ScriptInterpreter = (typeof SCRIPT_INTERPRETERS)[number];
export const SCRIPT_KINDS = ['check', 'action'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** A script id is one topic level and one folder name: `pg-replication`, `vigie.service-restart`. */
export const SCRIPT_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
export const SCRIPT_ID_RE = new RegExp(SCRIPT_ID_PATTERN);
/** Ids of the built-in actions Vigie ships start with this; nobody else may use it. */
export const BUILTIN_SCRIPT_PREFIX = 'vigie.';
/** A parameter name: a shell-safe identifier, also `VIGIE_PARAM_<NAME>` upper-cased. */
export const PARAM_NAME_PATTERN = '^[a-z][a-z0-9_]{0,31}$';

/** Bounds the agent enforces whatever the server sends (docs/scripts.md). */
export const SCRIPT_LIMITS = {
  /** Bytes of a script body. */
  bodyBytes: 32 * 1024,
  params: 10,
  enumValues: 50,
  /** Seconds one run may take before it is killed: default, floor, ceiling. */
  timeout: { default: 30, min: 1, max: 600 },
  /** Seconds between runs of a script check. */
  interval: { default: 60, min: 10, max: 86_400 },
  /** Bytes of output (stdout + stderr) kept per run; the rest is counted, not kept. */
  outputBytes: 64 * 1024,
  /** Bytes of output per `run/res` chunk. */
  chunkBytes: 8 * 1024,
  /** Scripts and script checks in one host's bundle. */
  perHost: 100,
  /** Characters of a free-string argument. */
  stringChars: 1024,
  /** A run grant is valid this long at most after it was issued. */
  grantMs: 60_000,
  /** An issue time this far in the agent's future is refused (clocks disagree). */
  clockSkewMs: 30_000,
  /** Perfdata items kept per result. */
  perfdata: 20,
} as const;

const literals = <T extends string>(values: readonly T[], opts: Record<string, unknown> = {}) => Type.Union(values.map((v) => Type.Literal(v)), opts);
const ParamName = Type.String({ pattern: PARAM_NAME_PATTERN });
const ScriptId = Type.String({ pattern: SCRIPT_ID_PATTERN, description: 'Script id: one topic level and folder name' });
const HostId = Type.String({ pattern: HOST_ID_PATTERN.source });
const paramCommon = {
  name: ParamName,
  label: Type.Optional(ShortText(80)),
  description: Type.Optional(ShortText(300)),
  required: Type.Optional(Type.Boolean({ default: true })),
};

/**
 * Typed parameters: the only way a value reaches a script. Each is checked
 * on the server and again on the agent (protocol/script-args.ts), then
 * handed over as one argv entry, in declaration order, never through a shell.
 */
export const ScriptParam = Type.Union([
  Type.Object({ ...paramCommon, type: Type.Literal('enum'), values: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: SCRIPT_LIMITS.enumValues }), default: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false }),
  Type.Object({ ...paramCommon, type: Type.Literal('integer'), min: Type.Optional(Type.Integer()), max: Type.Optional(Type.Integer()), default: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
  Type.Object({
    ...paramCommon,
    type: Type.Literal('path'),
    root: Type.String({ minLength: 1, maxLength: 512, pattern: '^/', description: 'Absolute directory the value must resolve under (after `..` and symlinks)' }),
    default: Type.Optional(Type.String({ maxLength: 1024 })),
  }, { additionalProperties: false }),
  Type.Object({
    ...paramCommon,
    type: Type.Literal('string'),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: SCRIPT_LIMITS.stringChars })),
    pattern: Type.Optional(Type.String({ maxLength: 256, description: 'JavaScript regular expression the whole value must match' })),
    allowDash: Type.Optional(Type.Boolean({ default: false, description: 'A leading `-` is refused unless this is true (it would read as an option)' })),
    default: Type.Optional(Type.String({ maxLength: SCRIPT_LIMITS.stringChars })),
  }, { additionalProperties: false }),
]);
export type ScriptParam = Static<typeof ScriptParam>;

/** Argument values by parameter name, as sent; validated against the script's params. */
export const ScriptArgs = Type.Record(ParamName, Type.Union([Type.String({ maxLength: SCRIPT_LIMITS.stringChars }), Type.Integer()]));
export type ScriptArgs = Static<typeof ScriptArgs>;

/** One script as an agent receives it (inside a signed bundle). */
export const ScriptDefinition = Type.Object(
  {
    id: ScriptId,
    version: Type.Integer({ minimum: 1, description: 'Bumped by every change of the body, parameters, interpreter or timeout' }),
    name: ShortText(120, { minLength: 1 }),
    kind: literals(SCRIPT_KINDS),
    interpreter: literals(SCRIPT_INTERPRETERS),
    body: Type.String({ minLength: 1, maxLength: SCRIPT_LIMITS.bodyBytes }),
    /** sha256 of the body (hex): what a run grant names, so a grant never runs another version. */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    params: Type.Array(ScriptParam, { maxItems: SCRIPT_LIMITS.params }),
    timeout: Type.Integer({ minimum: SCRIPT_LIMITS.timeout.min, maximum: SCRIPT_LIMITS.timeout.max }),
  },
  { additionalProperties: false },
);
export type ScriptDefinition = Static<typeof ScriptDefinition>;

/** A script check this host runs: the check id its results are published under, the script, its arguments. */
export const ScriptCheckSpec = Type.Object(
  {
    id: Type.String({ pattern: SCRIPT_ID_PATTERN, description: 'Check id (`<prefix>/<host>/checks/<id>`)' }),
    script: ScriptId,
    interval: Type.Integer({ minimum: SCRIPT_LIMITS.interval.min, maximum: SCRIPT_LIMITS.interval.max }),
    args: ScriptArgs,
  },
  { additionalProperties: false },
);
export type ScriptCheckSpec = Static<typeof ScriptCheckSpec>;

/**
 * A signed statement: `payload` is JSON text and `sig` the base64 ed25519
 * signature of its UTF-8 bytes. The agent verifies the bytes it received,
 * then parses them: no canonical JSON is needed.
 */
export const Signed = Type.Object(
  {
    payload: Type.String({ maxLength: 60 * 1024 }),
    sig: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$', description: 'base64 ed25519 signature (64 bytes)' }),
  },
  { additionalProperties: false },
);
export type Signed = Static<typeof Signed>;

/** What a config's `scripts.payload` holds. */
export const ScriptBundle = Type.Object(
  {
    type: Type.Literal('vigie.scripts'),
    host: HostId,
    iat: EpochMs,
    scripts: Type.Array(ScriptDefinition, { maxItems: SCRIPT_LIMITS.perHost }),
    checks: Type.Array(ScriptCheckSpec, { maxItems: SCRIPT_LIMITS.perHost }),
  },
  { additionalProperties: false },
);
export type ScriptBundle = Static<typeof ScriptBundle>;

/** What a run request's `grant.payload` holds: one run of one action, on one host, for 60 s at most. */
export const RunGrant = Type.Object(
  {
    type: Type.Literal('vigie.run'),
    host: HostId,
    /** The request id: also the last level of the request and response topics. */
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
    script: ScriptId,
    version: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    args: ScriptArgs,
    iat: EpochMs,
    exp: EpochMs,
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
    /** Who asked: a user name, or `rule:<rule id>` for an automatic run. Shown in the agent's log. */
    by: ShortText(128),
  },
  { additionalProperties: false },
);
export type RunGrant = Static<typeof RunGrant>;

/** `<prefix>/<host>/run/req/<id>`. */
export const RunRequestPayload = Type.Object(
  { v: Version, grant: Signed },
  { $id: 'runRequest', title: 'runRequest', description: 'A signed request to run one action on one host' },
);
export type RunRequestPayload = Static<typeof RunRequestPayload>;

/** Why an agent refused a script bundle or a run: each says what to change, and where. */
export const REFUSAL_REASONS = [
  'no-key', // the agent pinned no box key (enrolled before issue 14): re-enroll
  'bad-signature', // the signature does not verify against the pinned key
  'wrong-host', // signed for another host
  'expired', // exp passed, or valid longer than 60 s
  'not-yet-valid', // iat ahead of the agent's clock by more than the skew
  'replayed', // nonce already used
  'scripts-off', // agent.scripts is off (the default)
  'checks-only', // agent.scripts is `checks`: no actions
  'not-allowed', // not in the agent's agent.scriptsAllow list
  'unknown-script', // not in the current bundle, or another version/sha256
  'bad-args', // an argument outside its parameter's schema
  'no-interpreter', // the interpreter is not installed on the agent
  'busy', // too many runs at once
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** `<prefix>/<host>/run/res/<id>`: events of one run, in `seq` order. */
export const RunEventPayload = Type.Union(
  [
    Type.Object({ v: Version, ts: EpochMs, id: Type.String({ maxLength: 64 }), seq: Type.Integer({ minimum: 0 }), event: Type.Literal('accepted'), pid: Type.Optional(Type.Integer({ minimum: 0 })) }),
    Type.Object({
      v: Version, ts: EpochMs, id: Type.String({ maxLength: 64 }), seq: Type.Integer({ minimum: 0 }), event: Type.Literal('refused'),
      reason: literals(REFUSAL_REASONS), message: ShortText(500, { description: 'What was refused and what to change, in English' }),
    }),
    Type.Object({
      v: Version, ts: EpochMs, id: Type.String({ maxLength: 64 }), seq: Type.Integer({ minimum: 0 }), event: Type.Literal('output'),
      stream: literals(['stdout', 'stderr'] as const), chunk: Type.String({ maxLength: SCRIPT_LIMITS.chunkBytes }),
    }),
    Type.Object({
      v: Version, ts: EpochMs, id: Type.String({ maxLength: 64 }), seq: Type.Integer({ minimum: 0 }), event: Type.Literal('done'),
      exit: Type.Union([Type.Integer({ minimum: -1, maximum: 255 }), Type.Null()], { description: 'exit code; null when killed by a signal' }),
      signal: Type.Union([ShortText(16), Type.Null()]),
      timedOut: Type.Boolean(),
      duration: Seconds,
      /** Output bytes beyond SCRIPT_LIMITS.outputBytes that were dropped. */
      dropped: Type.Integer({ minimum: 0 }),
    }),
  ],
  { $id: 'runEvent', title: 'runEvent', description: 'One event of a script run: accepted or refused, output, done' },
);
export type RunEventPayload = Static<typeof RunEventPayload>;

/** Nagios plugin states (exit 0–3); any other exit is `unknown`. */
export const NAGIOS_STATUSES = ['ok', 'warning', 'critical', 'unknown'] as const;
export type NagiosStatus = (typeof NAGIOS_STATUSES)[number];

/** One perfdata item `label=value[UOM];warn;crit;min;max`, value in base units (ms → s, KB → bytes). */
export const Perfdata = Type.Object({
  label: ShortText(64, { minLength: 1 }),
  value: Type.Number(),
  /** The unit after normalisation: '' (a number), 's', '%', 'B' or 'c' (a counter). */
  unit: literals(['', 's', '%', 'B', 'c'] as const),
  warn: Type.Optional(ShortText(64)),
  crit: Type.Optional(ShortText(64)),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
});
export type Perfdata = Static<typeof Perfdata>;

/** What a script check adds to a CheckResultPayload (kind `script`). */
export const ScriptResult = Type.Object({
  script: ScriptId,
  version: Type.Integer({ minimum: 0 }),
  status: literals(NAGIOS_STATUSES),
  exit: Type.Union([Type.Integer({ minimum: -1, maximum: 255 }), Type.Null()]),
  perfdata: Type.Array(Perfdata, { maxItems: SCRIPT_LIMITS.perfdata }),
  /** Output after the first line (Nagios long output), clipped. */
  long: Type.Optional(ShortText(4000)),
  /** Set when the agent refused to run it: the same reasons as a run. */
  refused: Type.Optional(literals(REFUSAL_REASONS)),
});
export type ScriptResult = Static<typeof ScriptResult>;
