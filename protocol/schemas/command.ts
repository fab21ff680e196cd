import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { compileOnUse } from '../../core/compile-on-use.js';
import { ERRORS, type ErrorCode } from '../../core/errors.js';
import { describeSchemaError } from '../../core/schema-error.js';
import type { Topics } from '../topics.js';
import { Bytes, Count, EpochMs, Percent, ShortText, Version } from './common.js';

/**
 * The read-only diagnosis channel: the ingest asks an agent on
 * `<prefix>/<host>/cmd/req/<id>` and the agent answers on
 * `<prefix>/<host>/cmd/res/<id>` (QoS 1, never retained). The set of actions
 * is closed and every argument is bounded: nothing a requester chooses is
 * ever executed or read outside what the action allows.
 */
export const COMMAND_ACTIONS = ['top', 'du', 'service-log'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** A request id: a short random token, always a valid topic level. */
export const COMMAND_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * A service name as systemd (systemd.unit(5): ASCII letters, digits, `:-_.\@`)
 * and Windows name them; it may not start with `-` so it can never read as an
 * option of the program it is handed to.
 */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,255}$/;

export const COMMAND_LIMITS = {
  /** Processes per list (by CPU, by memory). */
  topLimit: 20,
  /** Directory levels below the mount that `du` reports. */
  duDepth: 3,
  duLimit: 20,
  /** Log lines per `service-log` answer, and characters per line. */
  logLines: 50,
  logLineLength: 500,
  /** Seconds an agent may spend on one request. */
  timeout: 60,
  pathLength: 1536,
} as const;

const CommandId = Type.String({ pattern: COMMAND_ID_PATTERN.source, description: 'random token chosen by the requester; also the last topic level' });
const Timeout = Type.Number({ minimum: 0.5, maximum: COMMAND_LIMITS.timeout, description: 'seconds the agent may spend before answering VIGIE_ERR_UNAVAILABLE' });

export const TopArgs = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: COMMAND_LIMITS.topLimit, default: 10, description: 'processes per list' })),
});
export const DuArgs = Type.Object({
  mount: Type.String({ minLength: 1, maxLength: 512, pattern: '^/|^[A-Za-z]:', description: 'a mount point the agent reports in its metrics `disks`, exactly as reported' }),
  depth: Type.Optional(Type.Integer({ minimum: 1, maximum: COMMAND_LIMITS.duDepth, default: 1, description: 'directory levels below the mount to report' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: COMMAND_LIMITS.duLimit, default: 10, description: 'directories reported, largest first' })),
});
export const ServiceLogArgs = Type.Object({
  service: Type.String({ pattern: SERVICE_NAME_PATTERN.source, description: 'a service the agent reports on its `services` topic' }),
  lines: Type.Optional(Type.Integer({ minimum: 1, maximum: COMMAND_LIMITS.logLines, default: 20, description: 'last lines wanted' })),
});

const request = <A extends CommandAction, S extends TSchema>(action: A, args: S) =>
  Type.Object({ v: Version, ts: EpochMs, id: CommandId, action: Type.Literal(action), args, timeout: Timeout });

/** `<prefix>/<host>/cmd/req/<id>`: from the ingest, QoS 1, not retained. */
export const CommandRequestPayload = Type.Union(
  [request('top', TopArgs), request('du', DuArgs), request('service-log', ServiceLogArgs)],
  { $id: 'commandRequest', title: 'commandRequest', description: 'A read-only diagnosis asked of an agent' },
);
export type CommandRequestPayload = Static<typeof CommandRequestPayload>;

export const Proc = Type.Object({
  pid: Type.Integer({ minimum: 0, maximum: 2 ** 32 }),
  name: ShortText(64, { description: 'process name (Linux: comm)' }),
  cpu: Type.Number({ minimum: 0, maximum: 100_000, description: 'percent of ONE core over the sampling interval (100 = one core busy; up to 100 × cores)' }),
  memPercent: Percent,
  rss: Bytes,
  user: Type.Optional(ShortText(64)),
});
export type Proc = Static<typeof Proc>;

export const TopData = Type.Object({
  cores: Count,
  interval: Type.Number({ minimum: 0, maximum: 60, description: 'seconds between the two readings that give `cpu`' }),
  byCpu: Type.Array(Proc, { maxItems: COMMAND_LIMITS.topLimit }),
  byMem: Type.Array(Proc, { maxItems: COMMAND_LIMITS.topLimit }),
});
export const DuData = Type.Object({
  mount: ShortText(512),
  entries: Type.Array(
    Type.Object({ path: ShortText(COMMAND_LIMITS.pathLength, { description: 'absolute path of a directory 1..depth levels below the mount' }), bytes: Bytes }),
    { maxItems: COMMAND_LIMITS.duLimit, description: 'largest first; a directory and its parent can both appear' },
  ),
  total: Bytes,
  truncated: Type.Boolean({ description: 'the time or entry budget stopped the walk: sizes are lower bounds' }),
  skipped: Count,
  elapsed: Type.Number({ minimum: 0, maximum: 3600, description: 'seconds spent walking' }),
});
export const ServiceLogData = Type.Object({
  service: ShortText(256),
  source: Type.Union([Type.Literal('journalctl'), Type.Literal('none')]),
  lines: Type.Array(ShortText(COMMAND_LIMITS.logLineLength), { maxItems: COMMAND_LIMITS.logLines, description: 'oldest first' }),
  note: Type.Optional(ShortText(256, { description: 'why there are no lines, when there are none' })),
});
export type TopData = Static<typeof TopData>;
export type DuData = Static<typeof DuData>;
export type ServiceLogData = Static<typeof ServiceLogData>;

export interface CommandArgs {
  top: Static<typeof TopArgs>;
  du: Static<typeof DuArgs>;
  'service-log': Static<typeof ServiceLogArgs>;
}
export interface CommandData {
  top: TopData;
  du: DuData;
  'service-log': ServiceLogData;
}

const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];
const answer = <A extends CommandAction, S extends TSchema>(action: A, data: S) =>
  Type.Object({ v: Version, ts: EpochMs, id: CommandId, action: Type.Literal(action), ok: Type.Literal(true), data });
export const CommandError = Type.Object({
  code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c)), { description: 'a VIGIE_ERR_* code (docs/api.md)' }),
  message: ShortText(512),
});

/** `<prefix>/<host>/cmd/res/<id>`: from the agent, QoS 1, not retained. */
export const CommandResponsePayload = Type.Union(
  [
    answer('top', TopData),
    answer('du', DuData),
    answer('service-log', ServiceLogData),
    Type.Object({
      v: Version, ts: EpochMs, id: CommandId,
      action: ShortText(32, { description: 'the requested action, as far as it could be read' }),
      ok: Type.Literal(false),
      error: CommandError,
    }),
  ],
  { $id: 'commandResponse', title: 'commandResponse', description: 'An agent\'s answer to a diagnosis request' },
);
export type CommandResponsePayload = Static<typeof CommandResponsePayload>;

// A union's first error says only "expected union": these checks find which
// part is wrong, so the error names the field (`commandRequest.args.depth`).
const RequestHead = compileOnUse(Type.Object({ v: Version, ts: EpochMs, id: CommandId, action: Type.Union(COMMAND_ACTIONS.map((a) => Type.Literal(a))), args: Type.Object({}), timeout: Timeout }));
const ResponseHead = compileOnUse(Type.Object({ v: Version, ts: EpochMs, id: CommandId, action: ShortText(32), ok: Type.Boolean() }));
const ARGS = { top: compileOnUse(TopArgs), du: compileOnUse(DuArgs), 'service-log': compileOnUse(ServiceLogArgs) };
const DATA = { top: compileOnUse(TopData), du: compileOnUse(DuData), 'service-log': compileOnUse(ServiceLogData) };
const ERROR = compileOnUse(CommandError);

/** One line naming the first wrong field of a command payload that failed its union schema. */
export function explainCommandError(kind: 'commandRequest' | 'commandResponse', value: unknown): string {
  const v = value as Record<string, unknown>;
  const actionOf = typeof value === 'object' && value !== null ? v.action : undefined;
  if (kind === 'commandRequest') {
    if (typeof actionOf === 'string' && !(COMMAND_ACTIONS as readonly string[]).includes(actionOf)) {
      return `${kind}.action: "${actionOf.slice(0, 32)}" is not one of ${COMMAND_ACTIONS.join(', ')}`;
    }
    if (!RequestHead().Check(value)) return describeSchemaError(RequestHead(), value, kind);
    const action = v.action as CommandAction;
    return describeSchemaError(ARGS[action](), v.args, `${kind}.args`);
  }
  if (!ResponseHead().Check(value)) return describeSchemaError(ResponseHead(), value, kind);
  if (v.ok === false) return describeSchemaError(ERROR(), v.error, `${kind}.error`);
  const action = v.action as string;
  if (!(COMMAND_ACTIONS as readonly string[]).includes(action)) return `${kind}.action: "${action}" is not one of ${COMMAND_ACTIONS.join(', ')}`;
  return describeSchemaError(DATA[action as CommandAction](), v.data, `${kind}.data`);
}

/**
 * Subscription filters for the command topics. They belong in topics.ts
 * (STYLE §1) next to commandRequest/commandResponse; until they move there
 * they are built here, from the same prefix, in one place.
 */
export function commandFilters(topics: Topics) {
  return {
    /** An agent's own requests: `<prefix>/<host>/cmd/req/+`, the one filter the broker's ACL lets it take. */
    requestsFor: (host: string): string => topics.commandRequest(host, '_').replace(/\/_$/, '/+'),
    /** Every host's answers, for the ingest: `<prefix>/+/cmd/res/+`. */
    allResponses: (): string => `${topics.prefix}/+/cmd/res/+`,
  };
}
