import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mosquitto 2.0's password file hash, as `mosquitto_passwd` writes it
 * (src/password_mosq.c, `pw__hash` with `pw_sha512_pbkdf2`):
 *
 *   $7$<iterations>$<base64 salt>$<base64 hash>
 *
 * PBKDF2-HMAC-SHA512 over the password, a 12-byte random salt, a 64-byte
 * key, 101 iterations by default. Checked against Debian's 2.0.11: its
 * `mosquitto_passwd -b` output verifies with this code, and a mosquitto fed
 * a file written here accepts the password (test/broker/mosquitto/*).
 *
 * 101 iterations is mosquitto_passwd's default and is kept on purpose: the
 * secrets Vigie hashes are 256 random bits (core/secrets.ts), which no
 * iteration count makes harder to guess, while every CONNECT pays for them
 * on a Raspberry Pi when a fleet reconnects at once.
 */
export const MOSQUITTO_ITERATIONS = 101;
const SALT_BYTES = 12;
const KEY_BYTES = 64;
/** A stored hash may not ask for more work than this (a tampered row). */
const MAX_ITERATIONS = 1_000_000;

/** Mosquitto's `$7$…` form of `password`, with a fresh salt. */
export function mosquittoHash(password: string, iterations = MOSQUITTO_ITERATIONS): string {
  const salt = randomBytes(SALT_BYTES);
  const key = pbkdf2Sync(password, salt, iterations, KEY_BYTES, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `hash` is a well-formed `$7$` hash (what a password file line may carry after the username). */
export function isMosquittoHash(hash: string): boolean {
  return /^\$7\$[1-9][0-9]{0,6}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/.test(hash);
}

/** Checks `password` against a `$7$` hash, in constant time; false for anything malformed. */
export function verifyMosquittoHash(password: string, hash: string): boolean {
  if (!isMosquittoHash(hash)) return false;
  const [, , iterations, salt, key] = hash.split('$');
  const n = Number(iterations);
  if (n > MAX_ITERATIONS) return false;
  const expected = Buffer.from(key!, 'base64');
  if (expected.length === 0) return false;
  const actual = pbkdf2Sync(password, Buffer.from(salt!, 'base64'), n, expected.length, 'sha512');
  return timingSafeEqual(actual, expected);
}
