import type { NagiosStatus, ScriptInterpreter, ScriptKind, ScriptParam } from '../script-types.js';

/**
 * The script schema's choices and bounds the forms show, without importing
 * protocol/schemas/script.ts itself (its TypeBox schemas would weigh on the
 * bundle). The types fail to compile if the schema gains a choice these
 * lists lack; test/dashboard/web/scripts-limits compares the numbers with
 * SCRIPT_LIMITS.
 */

export const INTERPRETERS = ['sh', 'bash', 'python3', 'powershell'] as const satisfies readonly ScriptInterpreter[];
export const KINDS = ['check', 'action'] as const satisfies readonly ScriptKind[];
export const PARAM_TYPES = ['enum', 'integer', 'path', 'string'] as const satisfies readonly ScriptParam['type'][];
export const STATUSES = ['ok', 'warning', 'critical', 'unknown'] as const satisfies readonly NagiosStatus[];

type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : never;
const _interpreters: Missing<ScriptInterpreter, (typeof INTERPRETERS)[number]> = true;
const _kinds: Missing<ScriptKind, (typeof KINDS)[number]> = true;
const _types: Missing<ScriptParam['type'], (typeof PARAM_TYPES)[number]> = true;
const _statuses: Missing<NagiosStatus, (typeof STATUSES)[number]> = true;
void [_interpreters, _kinds, _types, _statuses];

/** SCRIPT_LIMITS (protocol/schemas/script.ts), the part the forms use. */
export const LIMITS = {
  bodyBytes: 32 * 1024,
  params: 10,
  enumValues: 50,
  stringChars: 1024,
  timeout: { default: 30, min: 1, max: 600 },
  interval: { default: 60, min: 10, max: 86_400 },
} as const;

/** A script id, and a parameter name (also `VIGIE_PARAM_<NAME>`). */
export const SCRIPT_ID_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const PARAM_NAME_RE = /^[a-z][a-z0-9_]{0,31}$/;
