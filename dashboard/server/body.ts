import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { VigieError } from '../../core/errors.js';
import { firstSchemaError } from '../../core/schema-error.js';

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * A request body checked against its schema (compiled once per schema):
 * the value typed, or a 400 naming the field, e.g.
 * `password: Expected string (got 12)`, with `field: "password"` in the envelope.
 */
export function readBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  if (!check.Check(body)) {
    const wrong = firstSchemaError(check, body, body === undefined ? 'body' : '');
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `${wrong.field}: ${wrong.message}`, [wrong]);
  }
  return body as Static<S>;
}

/** A positive integer `:id` path parameter. */
export function idParam(raw: unknown, what: string): number {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `id: expected a ${what} id (a positive integer)`);
  return Number(raw);
}
