import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensurePrivateDir, readOrCreatePrivateFile } from './private-files.js';

/**
 * Encryption at rest of small secrets that must be read back (issue 13: SNMP
 * communities and v3 passphrases go to the poller, so they cannot be hashed
 * like passwords, core/secrets.ts). AES-256-GCM with a random 96-bit IV per
 * secret (NIST SP 800-38D §8.2.2: random IVs are safe far beyond the few
 * thousand secrets a box holds) and the 128-bit tag, so a flipped byte or a
 * wrong key is an error, never garbage. `context` is bound as additional
 * authenticated data: a secret sealed for device A does not open as B's.
 *
 * The key is 32 random bytes in `<dataDir>/secret.key` (0600), made on first
 * use. It protects the secrets from a copy of the database alone (a backup, a
 * bug report); whoever reads the whole data directory reads the key too, as
 * on any box that must unlock its secrets unattended.
 */

/** The key file, beside the databases it unlocks: back both up together. */
export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The sealed form's version: a future key rotation or cipher change names itself. */
const VERSION = 'v1';

/** A sealed secret that cannot be opened: tampered with, truncated, or sealed with another key. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  /** `v1:<iv>:<tag>:<ciphertext>` (base64url), a new IV each time. */
  seal(plain: string, context?: string): string;
  /** The secret back; throws SecretBoxError when the text was altered or the key differs. */
  open(sealed: string, context?: string): string;
}

/** A box around a 32-byte key (tests give their own). */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`secret key: expected ${KEY_BYTES} bytes, got ${key.length}`);
  const aad = (context: string | undefined): Buffer => Buffer.from(context ?? '', 'utf8');
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
    },
    open(sealed, context) {
      const parts = typeof sealed === 'string' ? sealed.split(':') : [];
      if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError(`sealed secret: expected ${VERSION}:<iv>:<tag>:<data>`);
      const [, ivText, tagText, bodyText] = parts as [string, string, string, string];
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('sealed secret: bad IV or tag length (the text was altered)');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError(`sealed secret does not open: altered, or sealed with another ${SECRET_KEY_FILE} (restore the key file that came with this database)`);
      }
    },
  };
}

/**
 * The box of a data directory: reads `<dataDir>/secret.key`, creating it
 * (0600, 32 random bytes) when missing, atomically (readOrCreatePrivateFile).
 */
export function openSecretBox(dataDir: string): SecretBox {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, SECRET_KEY_FILE);
  const key = readOrCreatePrivateFile(path, () => randomBytes(KEY_BYTES));
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`${path}: expected ${KEY_BYTES} bytes, found ${key.length} (damaged? restore it from the backup made with the databases)`);
  return createSecretBox(key);
}
