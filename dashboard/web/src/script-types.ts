/**
 * The scripts API as the browser sees it (issue 14, docs/api.md "Scripts"):
 * the library, the actions a host may run, and runs. The contract's own
 * types (parameters, arguments, Nagios results) come from protocol/ as
 * types only, so no schema code reaches the bundle.
 */
import type { NagiosStatus, Perfdata, RefusalReason, ScriptArgs, ScriptInterpreter, ScriptKind, ScriptParam, ScriptResult } from '../../../protocol/schemas/script.js';

export type { NagiosStatus, Perfdata, RefusalReason, ScriptArgs, ScriptInterpreter, ScriptKind, ScriptParam, ScriptResult };

/** GET /api/scripts, /api/scripts/:id. */
export interface ScriptView {
  id: string;
  version: number;
  name: string;
  description: string;
  kind: ScriptKind;
  interpreter: ScriptInterpreter;
  body: string;
  params: ScriptParam[];
  timeout: number;
  /** Seconds between runs of a check. */
  interval?: number;
  hosts: string[];
  /** Group ids (the server's scripts/types.ts says numbers, the brief said strings). */
  groups: number[];
  enabled: boolean;
  /** A `vigie.*` script Vigie ships: it may be disabled, not edited or deleted. */
  builtin: boolean;
  updatedAt: number;
  updatedBy: string | null;
  canEdit: boolean;
}

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

/** One entry of GET /api/scripts/:id/versions (newest first). */
export interface ScriptVersionView {
  version: number;
  at: number;
  by: string | null;
  sha256: string;
  interpreter: ScriptInterpreter;
  body: string;
  params: ScriptParam[];
  timeout: number;
}

/** GET /api/hosts/:id/actions: an enabled action that may run on that host. */
export interface ActionView {
  id: string;
  name: string;
  description: string;
  version: number;
  params: ScriptParam[];
}

export const RUN_STATES = ['pending', 'running', 'done', 'refused', 'lost'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A run settles at one of these: nothing changes after. */
export const isSettled = (state: RunState): boolean => state === 'done' || state === 'refused' || state === 'lost';

/** POST /api/scripts/:id/runs, GET /api/runs(/:id); the socket's `run` event is the same without `output`. */
export interface RunView {
  id: string;
  script: string;
  version: number;
  host: string;
  args: ScriptArgs;
  by: string;
  trigger: 'manual' | 'rule';
  rule?: string;
  state: RunState;
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  duration: number | null;
  output: string;
  dropped: number;
  refusal?: { reason: RefusalReason | 'server'; message: string };
  startedAt: number;
  finishedAt: number | null;
}

/** The socket's `run:output` event: one chunk of a run's output, in `seq` order. */
export interface RunOutputEvent {
  id: string;
  host: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  chunk: string;
}
