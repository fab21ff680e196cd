import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { VigieError, type FieldError } from '../core/errors.js';
import { describeValue } from '../core/schema-error.js';
import type { CheckAccess, CheckUser } from './access.js';
import type { CheckDefinition } from './definition.js';
import type { CheckPlan } from './store.js';
import { validateCheck, type CheckFields, type ScriptParamsLookup } from './validate.js';
import { inputOf } from './view.js';

/**
 * Checks as code (docs/checks.md "Checks as code"): a YAML or JSON file
 * `checks: [ … ]` of CheckInput items. An import is validated whole first
 * (every item, its access, the ids) and applied in one transaction, or not
 * at all; errors name the item (`checks[2].http.acceptStatus[0]`).
 */
export type FileFormat = 'yaml' | 'json';
export type ImportMode = 'merge' | 'replace';

export interface ImportOutcome {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

/** Checks one import may carry (a runner takes 200; a file for a few runners fits). */
export const MAX_IMPORT_CHECKS = 1000;
/** Errors listed at most for one import. */
const MAX_IMPORT_ERRORS = 50;

/** The export file: every check the caller may see, as a client would write it. */
export function exportChecks(defs: readonly CheckDefinition[], format: FileFormat): string {
  const file = { checks: defs.map(inputOf) };
  return format === 'json' ? `${JSON.stringify(file, null, 2)}\n` : stringifyYaml(file, { lineWidth: 0 });
}

/** Reads the file's text; `checks: […]` or a bare list. */
export function parseChecksFile(text: string, format: FileFormat): unknown[] {
  let doc: unknown;
  try {
    doc = format === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const why = ((error as Error).message ?? String(error)).split('\n')[0]!.slice(0, 300);
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `text: not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${why}`, [{ field: 'text', message: `not valid ${format.toUpperCase()}: ${why}` }]);
  }
  const list = Array.isArray(doc) ? doc : doc !== null && typeof doc === 'object' ? (doc as { checks?: unknown }).checks : undefined;
  if (!Array.isArray(list)) {
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `checks: expected a list of checks under "checks:" (got ${describeValue(list ?? doc)})`, [{ field: 'checks', message: 'expected a list of checks under "checks:"' }]);
  }
  if (list.length > MAX_IMPORT_CHECKS) {
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `checks: at most ${MAX_IMPORT_CHECKS} checks in one file (got ${list.length})`, [{ field: 'checks', message: `at most ${MAX_IMPORT_CHECKS} checks in one file` }]);
  }
  return list;
}

export interface PlanImportOptions {
  mode: ImportMode;
  /** Who imports; null: the command line, which may do anything. */
  user: CheckUser | null;
  access: CheckAccess;
  defaultRunner: string | null;
  /** A script check's parameters (issue 14), to check its arguments; schema only without it. */
  scriptParams?: ScriptParamsLookup;
}

/**
 * What importing `items` over `current` would do, or a 400/403 naming every
 * wrong item field. Replace deletes the checks the file does not list, among
 * those the importer may manage (an operator's import leaves other groups'
 * checks alone).
 */
export function planImport(items: readonly unknown[], current: readonly CheckDefinition[], opts: PlanImportOptions): { plan: CheckPlan; outcome: ImportOutcome } {
  const errors: FieldError[] = [];
  const forbidden: FieldError[] = [];
  const byId = new Map(current.map((d) => [d.id, d]));
  const firstIndex = new Map<string, number>();
  const valid: CheckFields[] = [];
  items.forEach((item, i) => {
    const where = `checks[${i}]`;
    const checked = validateCheck(item, { defaultRunner: opts.defaultRunner, ...(opts.scriptParams ? { scriptParams: opts.scriptParams } : {}) }, where);
    if (!checked.ok) return void errors.push(...checked.fields);
    const fields = checked.value;
    const seen = firstIndex.get(fields.id);
    if (seen !== undefined) return void errors.push({ field: `${where}.id`, message: `${fields.id} is already used by checks[${seen}]` });
    firstIndex.set(fields.id, i);
    const existing = byId.get(fields.id) ?? null;
    if (opts.user) {
      if (existing && !opts.access.canEdit(opts.user, existing)) {
        forbidden.push({ field: `${where}.id`, message: `${fields.id} is the id of a check you may not change` });
      } else {
        for (const f of opts.access.writeErrors(opts.user, fields, existing)) forbidden.push({ field: `${where}.${f.field}`, message: f.message });
      }
    }
    valid.push(fields);
  });
  if (errors.length > 0) throw listError('VIGIE_ERR_BAD_REQUEST', errors);
  if (forbidden.length > 0) throw listError('VIGIE_ERR_FORBIDDEN', forbidden);

  const outcome: ImportOutcome = { created: [], updated: [], deleted: [], unchanged: [] };
  const plan: CheckPlan = { put: [], delete: [] };
  for (const fields of valid) {
    const existing = byId.get(fields.id);
    if (!existing) outcome.created.push(fields.id);
    else if (sameFields(existing, fields)) {
      outcome.unchanged.push(fields.id);
      continue;
    } else outcome.updated.push(fields.id);
    plan.put.push(fields);
  }
  if (opts.mode === 'replace') {
    for (const def of current) {
      if (firstIndex.has(def.id)) continue;
      if (opts.user && !opts.access.canEdit(opts.user, def)) continue;
      outcome.deleted.push(def.id);
      plan.delete.push(def.id);
    }
  }
  return { plan, outcome };
}

function listError(code: 'VIGIE_ERR_BAD_REQUEST' | 'VIGIE_ERR_FORBIDDEN', fields: FieldError[]): VigieError {
  const shown = fields.slice(0, MAX_IMPORT_ERRORS);
  const more = fields.length > shown.length ? ` (and ${fields.length - shown.length} more)` : '';
  return new VigieError(code, `${shown[0]!.field}: ${shown[0]!.message}${shown.length > 1 ? ` (${fields.length} errors in the file)` : ''}${more}`, shown);
}

/** Same fields, whatever the key order. */
export function sameFields(a: CheckDefinition | CheckFields, b: CheckFields): boolean {
  return canonical(inputOf(a as CheckDefinition)) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1))) : v,
  );
}
