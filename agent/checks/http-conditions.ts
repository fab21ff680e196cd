import type { HttpOptions } from '../../protocol/payloads.js';
import { testRegex } from './regex-worker.js';

/** `200`, `200-299` or `3xx` matches `status`. */
export function statusAccepted(status: number, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (/^[1-5]xx$/.test(p)) return Math.floor(status / 100) === Number(p[0]);
    const [from, to] = p.split('-').map(Number);
    return to === undefined ? status === from : status >= from! && status <= to;
  });
}

/** Milliseconds a keyword regex may run (in its worker) before the check fails saying so. */
export const REGEX_TIMEOUT_MS = 1000;

/** Why the keyword condition fails, or null. An invalid or runaway regular expression fails the check, saying so. */
export async function keywordProblem(body: string, keyword: NonNullable<HttpOptions['keyword']>, regexTimeoutMs = REGEX_TIMEOUT_MS): Promise<string | null> {
  const wanted = keyword.present !== false;
  let found: boolean;
  if (keyword.regex) {
    const outcome = await testRegex(keyword.text, body, regexTimeoutMs);
    if (!outcome.ok) {
      return outcome.error === 'invalid'
        ? `keyword regex /${keyword.text}/ is not a valid regular expression`
        : `keyword regex /${keyword.text}/ ran longer than ${regexTimeoutMs} ms (catastrophic backtracking?)`;
    }
    found = outcome.found;
  } else {
    found = body.includes(keyword.text);
  }
  if (found === wanted) return null;
  const shown = keyword.regex ? `/${keyword.text}/` : `"${keyword.text}"`;
  return wanted ? `keyword ${shown} not found` : `keyword ${shown} found`;
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

function compare(actual: unknown, op: string, expected: unknown): boolean {
  const bothNumbers = typeof actual === 'number' && typeof expected === 'number';
  const a = actual as number | string;
  const e = expected as number | string;
  switch (op) {
    // A JSON body says 200 or "200": the condition compares what was meant, not the JSON type.
    case '==': return actual === expected || (isScalar(actual) && isScalar(expected) && String(actual) === String(expected));
    case '!=': return !compare(actual, '==', expected);
    case '<': return (bothNumbers || numeric(actual, expected)) && Number(a) < Number(e);
    case '<=': return (bothNumbers || numeric(actual, expected)) && Number(a) <= Number(e);
    case '>': return (bothNumbers || numeric(actual, expected)) && Number(a) > Number(e);
    case '>=': return (bothNumbers || numeric(actual, expected)) && Number(a) >= Number(e);
    case 'contains':
      if (typeof actual === 'string') return actual.includes(String(expected));
      if (Array.isArray(actual)) return actual.some((item) => compare(item, '==', expected));
      return false;
    default: return false;
  }
}
const isScalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const numeric = (a: unknown, b: unknown): boolean => isScalar(a) && isScalar(b) && a !== null && b !== null && a !== '' && b !== '' && Number.isFinite(Number(a)) && Number.isFinite(Number(b));

/**
 * Why the JSON-path condition fails, or null. jsonpath-plus runs with its
 * `safe` evaluator: filter expressions are interpreted, never run as
 * JavaScript (no vm, no Function). The first match is compared;
 * `exists` only asks for one.
 */
export async function jsonProblem(body: string, cond: NonNullable<HttpOptions['json']>): Promise<string | null> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'body is not JSON (or was cut at maxBodyBytes)';
  }
  // Loaded by the first JSON condition, not at start (docs/agent.md, Memory).
  const { JSONPath } = await import('jsonpath-plus');
  let matches: unknown[];
  try {
    matches = JSONPath({ path: cond.path, json: json as object, eval: 'safe', wrap: true }) as unknown[];
  } catch (error) {
    return `JSON path ${cond.path} is invalid: ${(error as Error).message}`;
  }
  if (cond.op === 'exists') return matches.length > 0 ? null : `JSON path ${cond.path} not found`;
  if (matches.length === 0) return `JSON path ${cond.path} not found`;
  const actual = matches[0];
  if (compare(actual, cond.op, cond.value ?? null)) return null;
  return `JSON ${cond.path} ${cond.op} ${show(cond.value ?? null)} failed (got ${show(actual)})`;
}
