import type { RefusalReason, ScriptArgs, ScriptInterpreter, ScriptKind, ScriptParam } from '../protocol/schemas/script.js';

/**
 * The server's side of scripts (issue 14): what the library keeps, what the
 * API shows, and what a run looks like. The protocol's shapes (what an agent
 * receives, signed) are in protocol/schemas/script.ts.
 */

/** What an admin writes (POST /api/scripts; PUT without `id`), defaults filled in by scripts/validate.ts. */
export interface ScriptFields {
  id: string;
  name: string;
  description: string;
  kind: ScriptKind;
  interpreter: ScriptInterpreter;
  body: string;
  params: ScriptParam[];
  /** Seconds one run may take. */
  timeout: number;
  /** Seconds between runs of a check script by default (a check may set its own); null for actions. */
  interval: number | null;
  /** Host ids it may run on (besides its groups' hosts). Built-ins: everywhere, so both empty. */
  hosts: string[];
  /** Group ids whose hosts it may run on. */
  groups: number[];
  enabled: boolean;
}

/** A script as stored: its fields, the current version and its bookkeeping. */
export interface ScriptRecord extends ScriptFields {
  version: number;
  /** sha256 (hex) of the body. */
  sha256: string;
  /** Shipped by Vigie (`vigie.*`): may be disabled, never edited or deleted. */
  builtin: boolean;
  createdAt: number;
  updatedAt: number;
  /** User name of the last change; `vigie` for a built-in's own update. */
  updatedBy: string | null;
}

/** One version of a script, as GET /api/scripts/:id/versions shows it. */
export interface ScriptVersion {
  version: number;
  at: number;
  by: string | null;
  sha256: string;
  interpreter: ScriptInterpreter;
  body: string;
  params: ScriptParam[];
  timeout: number;
}

/** What the API shows of a script (docs/api.md "Scripts"). */
export type ScriptView = Omit<ScriptRecord, 'interval' | 'sha256' | 'createdAt'> & {
  /** Seconds between runs of a check; absent for an action. */
  interval?: number;
  /** Whether the caller may change it (an admin, and not a built-in). */
  canEdit: boolean;
};

export const RUN_STATES = ['pending', 'running', 'done', 'refused', 'lost'] as const;
export type RunState = (typeof RUN_STATES)[number];
export type RunTrigger = 'manual' | 'rule';

/** One run of an action on one host (GET /api/runs/:id). */
export interface RunView {
  id: string;
  script: string;
  version: number;
  host: string;
  args: ScriptArgs;
  /** User name, or `rule:<rule id>` for an automatic run. */
  by: string;
  trigger: RunTrigger;
  rule?: string;
  state: RunState;
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Seconds the script ran (the agent's measure). */
  duration: number | null;
  /** stdout and stderr as they came, at most SCRIPT_LIMITS.outputBytes. */
  output: string;
  /** Output bytes beyond the cap, dropped (by the agent or here). */
  dropped: number;
  refusal?: { reason: RefusalReason | 'server'; message: string };
  startedAt: number;
  finishedAt: number | null;
}

/** A RunView without its output: the `run` live event and the `script.run` bus event. */
export type RunSummary = Omit<RunView, 'output'>;

/** A chunk of output as it arrives (`run:output` live event). */
export interface RunOutput {
  id: string;
  host: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  chunk: string;
}

/** Events of the run service (STYLE §8): the live dashboard and the alerts listen. */
export interface ScriptEvents {
  /** A run changed state (started, accepted, finished, refused, lost). */
  'script.run': RunSummary;
  /** A run printed something. */
  'script.run.output': RunOutput;
}

export const isTerminal = (state: RunState): boolean => state === 'done' || state === 'refused' || state === 'lost';
