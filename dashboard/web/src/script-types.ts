/**
 * The scripts API as the browser sees it (issue 14, docs/api.md "Scripts"):
 * the library, the actions a host may run, and runs. The contract's own
 * types (parameters, arguments, Nagios results) come from protocol/ as
 * types only, so no schema code reaches the bundle.
 */
import type { NagiosStatus, Perfdata, RefusalReason, ScriptArgs, ScriptInterpreter, ScriptKind, ScriptParam, ScriptResult } from '../../../protocol/schemas/script.js';

export type { NagiosStatus, Perfdata, RefusalReason, ScriptArgs, ScriptInterpreter, ScriptKind, ScriptParam, ScriptResult };

/** The server's own shapes, as the API sends them (scripts/types.ts): one definition for both sides. */
export type { ScriptView, RunView, RunState, ScriptVersion as ScriptVersionView, RunOutput as RunOutputEvent } from '../../../scripts/types.js';
/** A run settles at one of these: nothing changes after. */
export { isTerminal as isSettled } from '../../../scripts/types.js';

/** What POST /api/scripts takes (PUT: the same without `id`). */
export interface ScriptInput {
  id?: string;
  name: string;
  description?: string;
  kind: ScriptKind;
  interpreter: ScriptInterpreter;
  body: string;
  params?: ScriptParam[];
  timeout?: number;
  interval?: number;
  hosts?: string[];
  groups?: number[];
  enabled?: boolean;
}

/** GET /api/hosts/:id/actions: an enabled action that may run on that host. */
export interface ActionView {
  id: string;
  name: string;
  description: string;
  version: number;
  params: ScriptParam[];
}
