import type { FieldError } from '../core/errors.js';
import { isHostId } from '../protocol/host-id.js';
import { checkScriptArgs } from '../protocol/script-args.js';
import {
  BUILTIN_SCRIPT_PREFIX, PARAM_NAME_PATTERN, SCRIPT_ID_RE, SCRIPT_INTERPRETERS, SCRIPT_KINDS, SCRIPT_LIMITS,
  type ScriptInterpreter, type ScriptKind, type ScriptParam,
} from '../protocol/schemas/script.js';
import type { ScriptFields, ScriptRecord } from './types.js';

/**
 * Turns what an admin sent (POST /api/scripts, PUT /api/scripts/:id) into a
 * script's fields, defaults filled in. Every error names its field
 * (`params[1].pattern`) and the expected form; all of them are collected,
 * not only the first. The rules the agent enforces whatever it receives
 * (SCRIPT_LIMITS) are checked here first, so an admin hears of a problem
 * when saving, not when a run is refused.
 */

export type ScriptValidation = { ok: true; value: ScriptFields } | { ok: false; fields: FieldError[] };

export interface ScriptValidateOptions {
  /** The script being replaced (PUT): the id comes from it, and the body may leave out what it keeps. */
  current?: ScriptRecord | null;
  /** Whether a host id is one this server knows (an enrolled agent, a host it heard from). */
  hostExists(id: string): boolean;
  groupExists(id: number): boolean;
}

const FIELDS = new Set(['id', 'name', 'description', 'kind', 'interpreter', 'body', 'params', 'timeout', 'interval', 'hosts', 'groups', 'enabled']);
const PARAM_FIELDS: Record<ScriptParam['type'], readonly string[]> = {
  enum: ['values', 'default'],
  integer: ['min', 'max', 'default'],
  path: ['root', 'default'],
  string: ['maxLength', 'pattern', 'allowDash', 'default'],
};
const PARAM_COMMON = ['name', 'type', 'label', 'description', 'required'];
const PARAM_NAME_RE = new RegExp(PARAM_NAME_PATTERN);
const MAX_NAME = 120;
const MAX_DESCRIPTION = 1000;
const MAX_TARGETS = 500;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const shown = (v: unknown): string => (typeof v === 'string' ? `"${v.slice(0, 40)}"` : JSON.stringify(v)?.slice(0, 40) ?? String(v));

export function validateScript(body: unknown, opts: ScriptValidateOptions): ScriptValidation {
  const errors: FieldError[] = [];
  const add = (field: string, message: string): void => void errors.push({ field, message });
  if (!isObject(body)) return { ok: false, fields: [{ field: 'body', message: 'expected a JSON object with id, name, kind, interpreter and body' }] };
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) add(key, `unknown field (expected ${[...FIELDS].join(', ')})`);
  const current = opts.current ?? null;

  // id: from the path on a replacement; a body that names another one is a mistake, not a rename.
  let id = '';
  if (current) {
    id = current.id;
    if (body.id !== undefined && body.id !== current.id) add('id', `expected ${current.id} (scripts cannot be renamed: add a new one)`);
  } else if (typeof body.id !== 'string' || !SCRIPT_ID_RE.test(body.id)) {
    add('id', `expected 1 to 63 characters of a-z, 0-9, ".", "_", "-", starting with a letter or digit (got ${shown(body.id)})`);
  } else if (body.id.startsWith(BUILTIN_SCRIPT_PREFIX)) {
    add('id', `ids starting with "${BUILTIN_SCRIPT_PREFIX}" are reserved for Vigie's built-in actions`);
  } else id = body.id;

  const text = (field: string, max: number, required: boolean): string => {
    const v = body[field];
    if (v === undefined && !required) return '';
    if (typeof v !== 'string' || (required && v.trim() === '') || v.length > max) {
      add(field, `expected ${required ? '1' : '0'} to ${max} characters (got ${shown(v)})`);
      return '';
    }
    return v.trim();
  };
  const name = text('name', MAX_NAME, true);
  const description = text('description', MAX_DESCRIPTION, false);

  const kind = body.kind as ScriptKind;
  if (!(SCRIPT_KINDS as readonly unknown[]).includes(kind)) add('kind', `expected one of ${SCRIPT_KINDS.join(', ')} (got ${shown(body.kind)})`);
  const interpreter = body.interpreter as ScriptInterpreter;
  if (!(SCRIPT_INTERPRETERS as readonly unknown[]).includes(interpreter)) add('interpreter', `expected one of ${SCRIPT_INTERPRETERS.join(', ')} (got ${shown(body.interpreter)})`);

  let scriptBody = '';
  if (typeof body.body !== 'string' || body.body.trim() === '') add('body', 'expected the script\'s text (not empty)');
  else if (Buffer.byteLength(body.body, 'utf8') > SCRIPT_LIMITS.bodyBytes) add('body', `expected at most ${SCRIPT_LIMITS.bodyBytes} bytes (got ${Buffer.byteLength(body.body, 'utf8')})`);
  else if (body.body.includes('\u0000')) add('body', 'NUL characters are not allowed');
  else scriptBody = body.body;

  const params = validateParams(body.params, add);

  let timeout: number = SCRIPT_LIMITS.timeout.default;
  if (body.timeout !== undefined) {
    const { min, max } = SCRIPT_LIMITS.timeout;
    if (!isInt(body.timeout) || body.timeout < min || body.timeout > max) add('timeout', `expected whole seconds from ${min} to ${max} (got ${shown(body.timeout)})`);
    else timeout = body.timeout;
  }

  let interval: number | null = null;
  if (kind === 'check') {
    const { min, max } = SCRIPT_LIMITS.interval;
    interval = SCRIPT_LIMITS.interval.default;
    if (body.interval !== undefined && body.interval !== null) {
      if (!isInt(body.interval) || body.interval < min || body.interval > max) add('interval', `expected whole seconds from ${min} to ${max} (got ${shown(body.interval)})`);
      else interval = body.interval;
    }
    if (interval !== null && timeout >= interval) add('timeout', `expected less than the interval (${interval} s): a check must end before its next run`);
  } else if (body.interval !== undefined && body.interval !== null) {
    add('interval', 'only check scripts have an interval: actions run on demand');
  }

  const hosts: string[] = [];
  if (body.hosts !== undefined) {
    if (!Array.isArray(body.hosts) || body.hosts.length > MAX_TARGETS) add('hosts', `expected a list of at most ${MAX_TARGETS} host ids`);
    else body.hosts.forEach((h: unknown, i) => {
      if (typeof h !== 'string' || !isHostId(h)) add(`hosts[${i}]`, `expected a host id (got ${shown(h)})`);
      else if (hosts.includes(h)) add(`hosts[${i}]`, `${h} is listed twice`);
      else if (!opts.hostExists(h)) add(`hosts[${i}]`, `no host ${h}: enroll its agent first`);
      else hosts.push(h);
    });
  }
  const groups: number[] = [];
  if (body.groups !== undefined) {
    if (!Array.isArray(body.groups) || body.groups.length > MAX_TARGETS) add('groups', `expected a list of at most ${MAX_TARGETS} group ids`);
    else body.groups.forEach((g: unknown, i) => {
      if (!isInt(g) || g < 1) add(`groups[${i}]`, `expected a group id (got ${shown(g)})`);
      else if (groups.includes(g)) add(`groups[${i}]`, `group ${g} is listed twice`);
      else if (!opts.groupExists(g)) add(`groups[${i}]`, `no group with id ${g}`);
      else groups.push(g);
    });
  }
  let enabled = current?.enabled ?? true;
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') add('enabled', `expected true or false (got ${shown(body.enabled)})`);
    else enabled = body.enabled;
  }

  if (errors.length > 0) return { ok: false, fields: errors };
  return { ok: true, value: { id, name, description, kind, interpreter, body: scriptBody, params, timeout, interval, hosts, groups, enabled } };
}

/** The parameters, each checked as protocol/schemas/script.ts ScriptParam says, plus what a schema cannot say. */
function validateParams(raw: unknown, add: (field: string, message: string) => void): ScriptParam[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > SCRIPT_LIMITS.params) {
    add('params', `expected a list of at most ${SCRIPT_LIMITS.params} parameters`);
    return [];
  }
  const out: ScriptParam[] = [];
  const names = new Set<string>();
  raw.forEach((p: unknown, i) => {
    const at = `params[${i}]`;
    if (!isObject(p)) return add(at, 'expected an object with name and type');
    const before = out.length;
    const bad = (field: string, message: string): void => add(`${at}.${field}`, message);
    let fine = true;
    const fail = (field: string, message: string): void => {
      fine = false;
      bad(field, message);
    };
    if (typeof p.name !== 'string' || !PARAM_NAME_RE.test(p.name)) fail('name', `expected a-z, 0-9 and "_", starting with a letter, at most 32 characters (got ${shown(p.name)})`);
    else if (names.has(p.name)) fail('name', `${p.name} is declared twice`);
    else names.add(p.name);
    const type = p.type as ScriptParam['type'];
    if (!Object.hasOwn(PARAM_FIELDS, String(type))) {
      fail('type', `expected one of enum, integer, path, string (got ${shown(p.type)})`);
      return;
    }
    for (const key of Object.keys(p)) if (!PARAM_COMMON.includes(key) && !PARAM_FIELDS[type].includes(key)) fail(key, `not a field of a ${type} parameter (expected ${[...PARAM_COMMON, ...PARAM_FIELDS[type]].join(', ')})`);
    if (p.label !== undefined && (typeof p.label !== 'string' || p.label.length > 80)) fail('label', 'expected at most 80 characters');
    if (p.description !== undefined && (typeof p.description !== 'string' || p.description.length > 300)) fail('description', 'expected at most 300 characters');
    if (p.required !== undefined && typeof p.required !== 'boolean') fail('required', 'expected true or false');
    switch (type) {
      case 'enum': {
        const values = p.values;
        if (!Array.isArray(values) || values.length === 0 || values.length > SCRIPT_LIMITS.enumValues) fail('values', `expected 1 to ${SCRIPT_LIMITS.enumValues} values`);
        else values.forEach((v: unknown, j) => {
          if (typeof v !== 'string' || v.length === 0 || v.length > 128) fail(`values[${j}]`, `expected 1 to 128 characters (got ${shown(v)})`);
          else if (values.indexOf(v) !== j) fail(`values[${j}]`, `"${v}" is listed twice`);
          else if (/[\u0000-\u001f\u007f]/.test(v)) fail(`values[${j}]`, 'control characters are not allowed');
        });
        break;
      }
      case 'integer':
        for (const key of ['min', 'max'] as const) if (p[key] !== undefined && !isInt(p[key])) fail(key, `expected an integer (got ${shown(p[key])})`);
        if (isInt(p.min) && isInt(p.max) && p.min > p.max) fail('max', `expected at least min (${p.min})`);
        break;
      case 'path':
        if (typeof p.root !== 'string' || !p.root.startsWith('/') || p.root.length > 512) fail('root', `expected an absolute directory, e.g. /var/log (got ${shown(p.root)})`);
        else if (/[\u0000-\u001f\u007f]/.test(p.root)) fail('root', 'control characters are not allowed');
        break;
      case 'string':
        if (p.maxLength !== undefined && (!isInt(p.maxLength) || p.maxLength < 1 || p.maxLength > SCRIPT_LIMITS.stringChars)) fail('maxLength', `expected 1 to ${SCRIPT_LIMITS.stringChars}`);
        if (p.allowDash !== undefined && typeof p.allowDash !== 'boolean') fail('allowDash', 'expected true or false');
        if (p.pattern !== undefined) {
          if (typeof p.pattern !== 'string' || p.pattern.length === 0 || p.pattern.length > 256) fail('pattern', 'expected a regular expression of 1 to 256 characters');
          else {
            try {
              // As protocol/script-args.ts applies it: the whole value must match.
              new RegExp(`^(?:${p.pattern})$`, 'u');
            } catch (error) {
              fail('pattern', `not a valid regular expression: ${(error as Error).message}`);
            }
          }
        }
        break;
    }
    if (!fine) return;
    const param = p as unknown as ScriptParam;
    // A default must pass the parameter's own check, or every run without a value would be refused.
    if (p.default !== undefined) {
      const check = checkScriptArgs([{ ...param, required: true }], { [param.name]: p.default as string | number }, 'x');
      if (!check.ok) {
        bad('default', check.message.replace(/^x\.[a-z0-9_]+: /, ''));
        return;
      }
    }
    if (out.length === before) out.push(structuredClone(param));
  });
  return out;
}
