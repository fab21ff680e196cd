import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets are owned here: nothing stores a password or a token in clear.
 *
 * Two kinds, two hashes:
 * - passwords chosen by people are guessable, so they get scrypt, a slow,
 *   memory-hard KDF with a random salt (RFC 7914);
 * - tokens and agent credentials are 256 random bits made by `generateSecret`:
 *   no dictionary can reach them, so one SHA-256 suffices and stays cheap
 *   when thousands of agents reconnect at once after a broker restart.
 * Both compare in constant time.
 */

/** scrypt cost: N = 2^15, r = 8 → 32 MiB and tens of milliseconds per hash (OWASP's minimum is N = 2^17 with r = 8, p = 1, or equivalent; 2^15 keeps a Pi 3 responsive). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/** scrypt needs 128·N·r bytes: a stored hash may not ask for more than this. */
const MAX_SCRYPT_MEMORY = 64 * 2 ** 20;

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem: MAX_SCRYPT_MEMORY + 2 ** 20 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Hashes a person's password: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const key = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Checks a password against `hashPassword`'s output; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  // Bounds keep a tampered hash from asking for gigabytes.
  if (![N, R, P].every(Number.isSafeInteger) || N < 2 || R < 1 || P < 1 || P > 16 || 128 * N * R > MAX_SCRYPT_MEMORY) return false;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length < 16) return false;
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N, r: R, p: P });
  return timingSafeEqual(key, expected);
}

/** A random secret for a token or an agent credential: 256 bits, base64url (43 characters). */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Hashes a generated secret: `sha256$<hex>`. Only for `generateSecret` output, never for passwords. */
export function hashSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** Checks a generated secret against `hashSecret`'s output, in constant time. */
export function verifySecret(secret: string, stored: string): boolean {
  return sameSecret(hashSecret(secret), stored);
}

/** Compares two secrets (tokens, codes, hashes) in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
