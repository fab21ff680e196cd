import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';

/**
 * The first schema error of `value` as one line naming the field and what
 * was expected: `metrics.cpu.usage: Expected number … (got 250)`. `root`
 * names the value itself (`metrics`, `body`); fields follow after a dot.
 */
export function describeSchemaError(check: TypeCheck<TSchema>, value: unknown, root: string): string {
  const first = check.Errors(value).First();
  const where = first?.path ? first.path.slice(1).replace(/\//g, '.') : '';
  const got = first ? describeValue(first.value) : 'nothing';
  return `${where ? (root ? `${root}.${where}` : where) : root || '(value)'}: ${first?.message ?? 'invalid'} (got ${got})`;
}

/** A short rendering of a value for an error message: never the whole of a large or hostile input. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
