import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';

/**
 * The first schema error of `value` as one line naming the field and what
 * was expected: `metrics.cpu.usage: Expected number … (got 250)`. `root`
 * names the value itself (`metrics`, `body`); fields follow after a dot.
 */
export function describeSchemaError(check: TypeCheck<TSchema>, value: unknown, root: string): string {
  const { field, message } = firstSchemaError(check, value, root);
  return `${field}: ${message}`;
}

/** The same first error as a field path and a message (the API's envelope `field`, core/errors.ts). */
export function firstSchemaError(check: TypeCheck<TSchema>, value: unknown, root: string): { field: string; message: string } {
  let first: ReturnType<ReturnType<TypeCheck<TSchema>['Errors']>['First']>;
  try {
    first = check.Errors(value).First();
  } catch {
    // The error walk recurses: a hostile value nested deep enough overflows it (issue 10, item 7).
    return { field: root || '(value)', message: 'invalid (too deeply nested to describe)' };
  }
  const where = first?.path ? first.path.slice(1).replace(/\//g, '.') : '';
  const got = first ? describeValue(first.value) : 'nothing';
  return { field: where ? (root ? `${root}.${where}` : where) : root || '(value)', message: `${first?.message ?? 'invalid'} (got ${got})` };
}

/** Longest rendering of a value in an error message. */
const MAX_SHOWN = 40;

/**
 * A short rendering of a value for an error message: never the whole of a
 * large or hostile input. It looks at most a few levels deep and a few items
 * wide, so a value of 10,000 nested arrays costs nothing and cannot overflow
 * the stack (JSON.stringify would; issue 10, item 7).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = render(value, 3);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

function render(value: unknown, depth: number): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) : value);
  if (typeof value !== 'object') return String(value);
  const isArray = Array.isArray(value);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (depth === 0) return `${open}…${close}`;
  const parts: string[] = [];
  let length = 0;
  const entries = isArray ? (value as unknown[]).map((v) => ['', v] as const) : Object.entries(value as Record<string, unknown>);
  for (const [key, v] of entries) {
    if (length > MAX_SHOWN) break;
    const part = isArray ? render(v, depth - 1) : `${JSON.stringify(key.slice(0, MAX_SHOWN))}:${render(v, depth - 1)}`;
    parts.push(part);
    length += part.length + 1;
  }
  return `${open}${parts.join(',')}${close}`;
}
