import type { ScriptArgs, ScriptDefinition } from '../../protocol/schemas/script.js';
import { checkArgsOnAgent } from './args.js';
import { findInterpreter } from './interpreter.js';
import { scriptEnv, type RunSpec } from './runner.js';
import type { Owner, ScriptStore } from './store.js';
import type { Refusal } from './verify.js';

export interface LaunchContext {
  host: string;
  store: ScriptStore;
  /** The user scripts run as when the agent is root; undefined: as the agent. */
  user: Owner | undefined;
  findInterpreter?: typeof findInterpreter;
}

export type Launch = { ok: true; spec: Omit<RunSpec, 'onStart' | 'onOutput' | 'signal'> } | { ok: false; refusal: Refusal };

/**
 * Everything between "this script may run" and the process: the interpreter
 * installed here, the arguments checked again on this machine, the body on
 * disk matching its signed sha256, the scrubbed environment. Shared by
 * script checks and actions, so both run a script the same way.
 */
export function prepareLaunch(ctx: LaunchContext, script: ScriptDefinition, args: ScriptArgs, runId: string): Launch {
  const interpreter = (ctx.findInterpreter ?? findInterpreter)(script.interpreter);
  if (!interpreter) {
    const message = process.platform === 'win32'
      ? `${ctx.host} is a Windows agent: scripts do not run on Windows agents yet (docs/scripts.md)`
      : `${script.interpreter} is not installed on ${ctx.host}: install it, or write ${script.id} for sh`;
    return { ok: false, refusal: { reason: 'no-interpreter', message } };
  }
  const checked = checkArgsOnAgent(script.params, args);
  if (!checked.ok) return { ok: false, refusal: { reason: 'bad-args', message: checked.message } };
  let stored;
  try {
    stored = ctx.store.prepare(script);
  } catch (error) {
    return { ok: false, refusal: { reason: 'unknown-script', message: `cannot write ${script.id} under ${ctx.store.root}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` } };
  }
  return {
    ok: true,
    spec: {
      command: interpreter.path,
      // `./script.sh`, relative to the folder: when the agent (root) drops to another user, the data
      // directory above the folder stays closed to that user, and the folder is entered before the drop.
      args: [...interpreter.args, `./${stored.file}`, ...checked.argv],
      cwd: stored.dir,
      env: scriptEnv({ home: stored.dir, host: ctx.host, script: script.id, runId, params: checked.values }),
      timeoutMs: script.timeout * 1000,
      ...(ctx.user ? { user: ctx.user } : {}),
    },
  };
}
