import type { ScriptKind } from '../../protocol/schemas/script.js';
import type { AgentConfig } from '../config.js';
import type { Refusal } from './verify.js';

/**
 * The agent's own say (issue 14): whatever the box signs, a script runs only
 * if this machine's configuration allows its kind (`agent.scripts`) and, when
 * set, lists it (`agent.scriptsAllow`). The messages name the key to change.
 */
export interface ScriptPolicy {
  readonly mode: AgentConfig['scripts'];
  /** null when `kind` script `id` may run here; else why not. */
  check(kind: ScriptKind, id: string): Refusal | null;
}

export function createScriptPolicy(config: Pick<AgentConfig, 'scripts' | 'scriptsAllow'>, host: string): ScriptPolicy {
  const allow = config.scriptsAllow === undefined ? null : new Set(config.scriptsAllow);
  const mode = config.scripts;
  return {
    mode,
    check(kind, id) {
      if (mode === 'off') {
        return { reason: 'scripts-off', message: `agent.scripts is off on ${host}: set "scripts": "${kind === 'action' ? 'actions' : 'checks'}" in its agent configuration (or VIGIE_AGENT_SCRIPTS) and restart it` };
      }
      if (kind === 'action' && mode !== 'actions') {
        return { reason: 'checks-only', message: `agent.scripts is "checks" on ${host}: it runs script checks, not actions; set "scripts": "actions" in its agent configuration to allow ${id}` };
      }
      if (allow !== null && !allow.has(id)) {
        return { reason: 'not-allowed', message: `${id} is not in agent.scriptsAllow on ${host}: add it to that list in its agent configuration` };
      }
      return null;
    },
  };
}
