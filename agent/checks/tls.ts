import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { CheckResultPayload, CheckSpec } from '../../protocol/payloads.js';
import { DAY_MS } from '../../core/time.js';
import { resolveAllowed } from './network-policy.js';
import { connectFirst } from './tcp.js';
import { isHostTarget } from './target.js';
import { clip, describeNetError, down, seconds, type ProbeContext, type ProbeResult } from './types.js';

export type CertInfo = NonNullable<CheckResultPayload['cert']>;
type TlsModule = typeof import('node:tls');

/**
 * node:tls, loaded by the first TLS or HTTPS check rather than at start: it
 * weighs on the agent's memory and most agents run no such check
 * (docs/agent.md, Memory). Probes load it before their clocks start.
 */
export const loadTls = (): Promise<TlsModule> => import('node:tls');

/**
 * The TLS handshake over an open socket to `hostname` (sent as SNI when it
 * is a name, RFC 6066 §3), never refusing the certificate itself
 * (rejectUnauthorized: false) so that its expiry, chain and name can be
 * reported: the caller decides what a bad certificate means, before
 * anything is sent over the connection. `ca` (`agent.checks.ca`, see
 * checkCas) is trusted beside the system's CAs. `tls` is node:tls, from loadTls.
 */
export async function handshake(tls: TlsModule, socket: Socket, hostname: string, ca: string[] | undefined, signal: AbortSignal): Promise<{ secure: TLSSocket; cert: CertInfo | null }> {
  const servername = isIP(hostname) ? undefined : hostname;
  const secure = await new Promise<TLSSocket>((resolve, reject) => {
    if (signal.aborted) {
      socket.destroy();
      return reject(new Error('aborted'));
    }
    // The name is judged apart (certInfo): `authorized` then speaks of the chain alone.
    const secure = tls.connect({
      socket, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...(servername ? { servername } : {}), ...(ca ? { ca: [...tls.rootCertificates, ...ca] } : {}),
    });
    const onAbort = (): void => {
      secure.destroy();
      socket.destroy();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    secure.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      secure.removeAllListeners('error');
      secure.on('error', () => undefined);
      resolve(secure);
    });
    secure.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      secure.destroy();
      socket.destroy();
      reject(error);
    });
  });
  return { secure, cert: certInfo(secure, hostname, tls.checkServerIdentity) };
}

const dn = (fields: PeerCertificate['subject'] | undefined): string => {
  if (!fields) return '';
  return clip(Object.entries(fields).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', '), 512);
};

/** The leaf certificate of a finished handshake, judged for `hostname`. */
function certInfo(secure: TLSSocket, hostname: string, checkServerIdentity: TlsModule['checkServerIdentity']): CertInfo | null {
  const cert = secure.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  const notAfter = Date.parse(cert.valid_to);
  const identity = checkServerIdentity(hostname, cert);
  const info: CertInfo = {
    notAfter: Number.isFinite(notAfter) ? notAfter : 0,
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    chainValid: secure.authorized,
    hostnameMatch: identity === undefined,
  };
  const error = secure.authorizationError ? String(secure.authorizationError) : identity?.message;
  if (error) info.error = clip(error, 256);
  return info;
}

/** Why this certificate makes the check down, or null when it is fine: expired, chain, then name. */
export function certProblem(cert: CertInfo, hostname: string, nowMs: number): string | null {
  if (cert.notAfter <= nowMs) return `certificate expired on ${new Date(cert.notAfter).toISOString().slice(0, 10)}`;
  if (!cert.chainValid) return `certificate chain invalid: ${cert.error ?? 'not trusted'}`;
  if (!cert.hostnameMatch) return `certificate does not match host name ${hostname}`;
  return null;
}

export const daysLeft = (cert: CertInfo, nowMs: number): number => Math.floor((cert.notAfter - nowMs) / DAY_MS);

/** TLS on any port (default 443): the leaf's expiry, chain and host name; latency = connect + handshake. */
export async function probeTls(spec: CheckSpec, ctx: ProbeContext, wallNow: () => number = Date.now): Promise<ProbeResult> {
  if (!isHostTarget(spec.target)) return down(`target "${spec.target}" is not a host name or IP address`);
  const port = spec.port ?? 443;
  const resolved = await resolveAllowed(spec.target, ctx.policy, ctx.signal, ctx.now);
  if (!resolved.ok) return down(resolved.message);
  let address = resolved.addresses[0]!;
  const hostname = spec.target.replace(/\.$/, '');
  const tls = await loadTls();
  const started = ctx.now();
  let secure: TLSSocket | undefined;
  try {
    const connected = await connectFirst(resolved.addresses, port, ctx.signal);
    address = connected.address;
    const socket = connected.socket;
    const done = await handshake(tls, socket, hostname, ctx.ca, ctx.signal);
    secure = done.secure;
    const latency = seconds(ctx.now() - started);
    const { cert } = done;
    if (!cert) return down('no certificate presented', { latency, address });
    const problem = certProblem(cert, hostname, wallNow());
    if (problem) return down(problem, { latency, cert, address });
    return { state: 'up', latency, cert, address, message: `certificate valid for ${daysLeft(cert, wallNow())} days` };
  } catch (error) {
    return down(describeNetError(error, ctx.signal, spec.timeout), { address });
  } finally {
    secure?.destroy();
  }
}
