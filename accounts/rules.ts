import { err, ok, type Result } from '../core/result.js';

/**
 * What a valid user name, group name, label and password look like: one
 * place for the API, the CLI and the stores. Messages name the field and the
 * expected form.
 */

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What an API token may do: `read` only GETs, `write` whatever its user may. */
export type TokenScope = 'read' | 'write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 1024;
export const MAX_NAME = 64;

// Any printable text: names are shown as text, never parsed; control and
// invisible formatting characters would make two names look alike.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** A user or group name (also a label): trimmed, 1–64 characters, printable. */
export function checkName(field: string, value: string): Result<string> {
  const name = value.normalize('NFC').trim();
  if (name.length === 0 || name.length > MAX_NAME) return err(`${field}: expected 1 to ${MAX_NAME} characters (got ${name.length})`);
  if (UNPRINTABLE.test(name)) return err(`${field}: control characters are not allowed`);
  return ok(name);
}

export function checkPassword(field: string, value: string): Result<string> {
  if (value.length < MIN_PASSWORD || value.length > MAX_PASSWORD) {
    return err(`${field}: expected ${MIN_PASSWORD} to ${MAX_PASSWORD} characters (got ${value.length})`);
  }
  return ok(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
