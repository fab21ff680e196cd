import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { ensurePrivateDir, readOrCreatePrivateFile } from './private-files.js';

/**
 * The box's signing key (issue 14): an ed25519 pair made at first start.
 * The box signs every script bundle and run request it sends; an agent runs
 * nothing unless the signature verifies against the public key it pinned at
 * enrollment. So whoever can publish on the broker (a stolen ingest
 * password, a compromised broker) still cannot make an agent run anything.
 *
 * The private key is PKCS#8 PEM in `<dataDir>/signing.key` (0600). The public
 * key travels as base64 of its SPKI DER (44 bytes for ed25519), short enough
 * for a config file or an enrollment answer, with a fingerprint (`SHA256:` +
 * base64 of the hash, as ssh-keygen prints) for people to compare.
 */

/** The key file, beside the databases: back it up with them (losing it means re-enrolling every agent that runs scripts). */
export const SIGNING_KEY_FILE = 'signing.key';

/** A signed statement: `payload` is JSON text, `sig` the base64 ed25519 signature of its UTF-8 bytes (protocol/schemas/script.ts Signed). */
export interface SignedText {
  payload: string;
  sig: string;
}

export interface BoxSigner {
  /** base64 of the SPKI DER public key: what agents pin. */
  readonly publicKey: string;
  /** `SHA256:<base64>` of the SPKI DER, for people to compare. */
  readonly fingerprint: string;
  /** Signs `value` serialised as JSON. */
  sign(value: unknown): SignedText;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

function spkiOf(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** `SHA256:<base64 without padding>` of a public key given as base64 SPKI DER. */
export function keyFingerprint(publicKey: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** A signer around a private key (tests make their own with generateSigningKey). */
export function createSigner(privateKey: KeyObject): BoxSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`signing key: expected an ed25519 key, got ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  const publicKey = spkiOf(privateKey).toString('base64');
  return {
    publicKey,
    fingerprint: keyFingerprint(publicKey),
    sign(value) {
      const payload = JSON.stringify(value);
      return { payload, sig: sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64') };
    },
  };
}

/** A fresh ed25519 private key, PKCS#8 PEM. */
export function generateSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The signer of a data directory: reads `<dataDir>/signing.key`, creating it (0600) at first start. */
export function openBoxSigner(dataDir: string): BoxSigner {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, SIGNING_KEY_FILE);
  const pem = readOrCreatePrivateFile(path, () => Buffer.from(generateSigningKey()));
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`${path}: not a PKCS#8 PEM private key (damaged? restore it from the backup made with the databases)`);
  }
  return createSigner(key);
}

/** Whether `publicKey` is base64 SPKI DER of an ed25519 key: what an agent's config or an enrollment answer must hold. */
export function isPublicKey(publicKey: string): boolean {
  try {
    return createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/**
 * The verifier an agent builds from its pinned key. `verify` answers whether
 * `signed.sig` is the box's signature of exactly `signed.payload`; it never
 * throws (a malformed signature is simply not valid).
 */
export function createVerifier(publicKey: string): (signed: SignedText) => boolean {
  const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`public key: expected ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return (signed) => {
    try {
      const sig = Buffer.from(signed.sig, 'base64');
      return sig.length === 64 && verify(null, Buffer.from(signed.payload, 'utf8'), key, sig);
    } catch {
      return false;
    }
  };
}
