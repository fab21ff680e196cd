import type { ScriptFields, ScriptRecord, ScriptView } from './types.js';

/** What the API shows of a script (docs/api.md "Scripts"). */
export function scriptView(s: ScriptRecord, canEdit: boolean): ScriptView {
  return {
    id: s.id, version: s.version, name: s.name, description: s.description, kind: s.kind, interpreter: s.interpreter, body: s.body,
    params: structuredClone(s.params), timeout: s.timeout, ...(s.interval !== null ? { interval: s.interval } : {}),
    hosts: [...s.hosts], groups: [...s.groups], enabled: s.enabled, builtin: s.builtin, updatedAt: s.updatedAt, updatedBy: s.updatedBy, canEdit,
  };
}

/** What the event log keeps of a script: everything but the body, which it names by version and sha256. */
export function auditOf(s: ScriptRecord | (ScriptFields & { version?: number; sha256?: string })): Record<string, unknown> {
  const { body: _body, ...rest } = s;
  return structuredClone(rest) as Record<string, unknown>;
}
