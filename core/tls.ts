import { readFileSync } from 'node:fs';

/** Certificate files as given in the configuration (PEM paths). */
export interface TlsFiles {
  cert: string;
  key: string;
  /** CA bundle to trust, when the certificate is not signed by a public CA. */
  ca?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Reads one PEM file named by config key `key`; an unreadable one is an error naming that key. */
function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${key}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * Reads the PEM files of a config block (`broker.tls`, `http.tls`), so a
 * typo fails at start with `broker.tls.cert: cannot read …`.
 */
export function readTlsFiles(files: TlsFiles, keyPrefix: string): TlsMaterial {
  return {
    cert: readPem(files.cert, `${keyPrefix}.cert`),
    key: readPem(files.key, `${keyPrefix}.key`),
    ...(files.ca !== undefined ? { ca: readPem(files.ca, `${keyPrefix}.ca`) } : {}),
  };
}

/** Reads the CA file an MQTT client pins (`agent.ca`, `ingest.ca`), if any. */
export function readCaFile(path: string | undefined, key: string): Buffer | undefined {
  return path === undefined ? undefined : readPem(path, key);
}
