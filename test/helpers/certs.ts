import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './env.js';

export interface TestCertificates {
  /** The CA an agent pins. */
  ca: string;
  /** Server certificate for 127.0.0.1 and localhost, signed by that CA, and its key. */
  cert: string;
  key: string;
  remove(): void;
}

/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, made with
 * Debian's openssl as a user following docs/security.md would.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = tempDir('vigie-certs-');
  const p = (name: string): string => join(dir.path, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=Vigie test CA');
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('san.ext'));
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key'), remove: dir.remove };
}
