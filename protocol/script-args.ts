import { posix } from 'node:path';
import { SCRIPT_LIMITS, type ScriptArgs, type ScriptParam } from './schemas/script.js';

/**
 * Script arguments against their parameters (issue 14): the one check both
 * the server (before it signs a run) and the agent (before it runs) apply,
 * so the two can never disagree. A value passes only if it fits its
 * declared type exactly; the result is the argv tail, one entry per
 * parameter in declaration order (an omitted optional one without a default
 * is an empty string, so positions never shift), handed to execFile: no
 * shell ever sees it.
 *
 * Paths are checked lexically here (absolute, normalised, under the root);
 * the agent also resolves symlinks (agent/scripts) before it runs.
 */

export type ArgsCheck = { ok: true; argv: string[]; values: Record<string, string> } | { ok: false; field: string; message: string };

const SAFE_STRING = /^[^\u0000-\u001f\u007f]*$/;

function fail(field: string, message: string): ArgsCheck {
  return { ok: false, field, message: `${field}: ${message}` };
}

/** Lexically normalised absolute path, or null when `value` is not absolute. */
function normalPath(value: string): string | null {
  if (!value.startsWith('/')) return null;
  return posix.normalize(value).replace(/\/+$/, '') || '/';
}

/** Whether the normalised `path` is `root` or below it. */
export function isUnder(path: string, root: string): boolean {
  const r = normalPath(root);
  if (r === null) return false;
  return path === r || path.startsWith(r === '/' ? '/' : `${r}/`);
}

function checkOne(p: ScriptParam, raw: string | number, field: string): { value: string } | { error: ArgsCheck } {
  switch (p.type) {
    case 'enum': {
      const value = String(raw);
      return p.values.includes(value) ? { value } : { error: fail(field, `"${value.slice(0, 64)}" is not one of ${p.values.join(', ')}`) };
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : /^-?\d{1,15}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) return { error: fail(field, 'expected an integer') };
      if (p.min !== undefined && n < p.min) return { error: fail(field, `${n} is below the minimum ${p.min}`) };
      if (p.max !== undefined && n > p.max) return { error: fail(field, `${n} is above the maximum ${p.max}`) };
      return { value: String(n) };
    }
    case 'path': {
      if (typeof raw !== 'string') return { error: fail(field, `expected an absolute path under ${p.root}`) };
      if (raw.length > SCRIPT_LIMITS.stringChars || !SAFE_STRING.test(raw)) return { error: fail(field, 'expected a path without control characters') };
      const path = normalPath(raw);
      if (path === null) return { error: fail(field, `expected an absolute path under ${p.root}, got "${raw.slice(0, 64)}"`) };
      if (!isUnder(path, p.root)) return { error: fail(field, `"${path.slice(0, 128)}" is not under ${p.root}`) };
      return { value: path };
    }
    case 'string': {
      if (typeof raw !== 'string') return { error: fail(field, 'expected a string') };
      const max = p.maxLength ?? SCRIPT_LIMITS.stringChars;
      if (raw.length > max) return { error: fail(field, `longer than ${max} characters`) };
      if (!SAFE_STRING.test(raw)) return { error: fail(field, 'control characters (newline, tab, NUL…) are not allowed') };
      if (raw.startsWith('-') && !p.allowDash) return { error: fail(field, 'a leading "-" is refused (it would read as an option); the script must declare allowDash') };
      if (p.pattern !== undefined) {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${p.pattern})$`, 'u');
        } catch {
          return { error: fail(field, 'the parameter\'s pattern is not a valid regular expression') };
        }
        if (!re.test(raw)) return { error: fail(field, `"${raw.slice(0, 64)}" does not match ${p.pattern}`) };
      }
      return { value: raw };
    }
  }
}

/**
 * Checks `args` against `params`. Unknown names are refused (a typo must not
 * silently drop a value); `field` names the first wrong one (`args.size`).
 */
export function checkScriptArgs(params: readonly ScriptParam[], args: ScriptArgs | undefined, prefix = 'args'): ArgsCheck {
  const given = args ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return fail(prefix, 'expected an object of parameter values');
  const names = new Set(params.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!names.has(name)) return fail(`${prefix}.${name}`, `unknown parameter (expected ${params.length ? [...names].join(', ') : 'none'})`);
  }
  const argv: string[] = [];
  const values: Record<string, string> = {};
  for (const p of params) {
    const field = `${prefix}.${p.name}`;
    const raw = Object.hasOwn(given, p.name) ? given[p.name] : p.default;
    if (raw === undefined || raw === '') {
      if (p.required !== false) return fail(field, 'required');
      argv.push('');
      values[p.name] = '';
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') return fail(field, 'expected a string or an integer');
    const one = checkOne(p, raw, field);
    if ('error' in one) return one.error;
    argv.push(one.value);
    values[p.name] = one.value;
  }
  return { ok: true, argv, values };
}
