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

/**
 * Reads PEM files named by a config block; an unreadable one is an error
 * naming its key (`broker.tls.cert: cannot read …`), so a typo fails at start.
 */
export function readTlsFiles(files: TlsFiles, keyPrefix: string): TlsMaterial {
  const read = (name: keyof TlsFiles): Buffer | undefined => {
    const path = files[name];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${keyPrefix}.${name}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const ca = read('ca');
  return { cert: read('cert')!, key: read('key')!, ...(ca ? { ca } : {}) };
}

/** Reads the CA file an MQTT client pins, if any. */
export function readCaFile(path: string | undefined, key: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${key}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
