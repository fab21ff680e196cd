import { randomInt } from 'node:crypto';
import { sameSecret } from '../core/secrets.js';

// Crockford's base32 without I, L, O, U: nothing to misread from a log line.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The one-time code that protects first-time setup: printed in the server's
 * log, typed in the browser with the first admin's name and password. 12
 * characters (60 bits); guessing is also rate limited like logins.
 */
export function generateSetupCode(): string {
  const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** Compares a typed code with the expected one, ignoring case, spaces and dashes. */
export function setupCodeMatches(typed: string, expected: string): boolean {
  const norm = (s: string): string => s.toUpperCase().replace(/[\s-]/g, '');
  // Over-long input is refused, not cut (a cut would accept the code plus junk).
  return typed.length <= 64 && sameSecret(norm(typed), norm(expected));
}
