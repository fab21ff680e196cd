import { isIPv6 } from 'node:net';
import type snmp from 'net-snmp';
import type { DeviceOfflineReason, DeviceSpec } from '../../protocol/payloads.js';
import type { Varbind } from './values.js';

/**
 * One net-snmp session per device, promise-shaped: v2c with a community, or
 * v3 USM with authNoPriv / authPriv (net-snmp's protocol names are the
 * contract's: sha, sha224…sha512, md5; aes, aes256b, aes256r, des).
 */
export interface SnmpSession {
  /** GET: one varbind per OID, in order; NoSuchObject/NoSuchInstance come back as varbinds, not errors. */
  get(oids: readonly string[]): Promise<Varbind[]>;
  /** GETBULK with no non-repeaters: for each requested OID, the varbinds that followed it. */
  getBulk(oids: readonly string[], maxRepetitions: number): Promise<Varbind[][]>;
  /** Closes the socket; requests in flight fail at once. Idempotent. */
  close(): void;
}

/** What requests on a closed session reject with (the poll was aborted): ends the poll, never skipped as a missing group. */
export class SessionClosedError extends Error {
  override name = 'SessionClosedError';
  constructor() {
    super('session closed');
  }
}

type NetSnmp = typeof snmp;
let loaded: NetSnmp | undefined;

/**
 * net-snmp, loaded when the first device is polled: most agents poll none,
 * and evaluating it (with its ASN.1 and crypto tables) at start costs every
 * agent process memory for nothing (docs/agent.md, Memory).
 */
export async function loadNetSnmp(): Promise<NetSnmp> {
  if (loaded) return loaded;
  const m = (await import('net-snmp')) as { default?: NetSnmp };
  const snmp: NetSnmp = m.default ?? (m as NetSnmp);
  loaded = snmp;
  return snmp;
}

/** Opens a session for a device; `onError` hears what net-snmp emits outside a request (an undecodable datagram). */
export async function openSession(spec: DeviceSpec, onError: (error: Error) => void = () => undefined): Promise<SnmpSession> {
  const snmp = await loadNetSnmp();
  const options = {
    port: spec.port,
    retries: spec.retries,
    timeout: spec.timeout * 1000,
    transport: isIPv6(spec.address) ? ('udp6' as const) : ('udp4' as const),
    // Check that each answer's OIDs follow the request's, so a looping or lying agent ends a walk (walk.ts checks too).
    backwardsGetNexts: false,
    idBitsSize: 32,
  };
  let session: snmp.Session;
  if (spec.snmp.version === '2c') {
    session = snmp.createSession(spec.address, spec.snmp.community, { ...options, version: snmp.Version2c });
  } else {
    const v3 = spec.snmp;
    const user: snmp.User = {
      name: v3.user,
      level: v3.level === 'authPriv' ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv,
      authProtocol: snmp.AuthProtocols[v3.authProtocol],
      authKey: v3.authKey,
    };
    if (v3.level === 'authPriv') {
      user.privProtocol = snmp.PrivProtocols[v3.privProtocol ?? 'aes'];
      user.privKey = v3.privKey ?? '';
    }
    session = snmp.createV3Session(spec.address, user, { ...options, version: snmp.Version3 });
  }
  // An undecodable datagram is emitted as 'error' on the session: unhandled, it would kill the process.
  session.on('error', onError);
  let closed = false;
  return {
    get: (oids) => new Promise((resolve, reject) => {
      if (closed) return reject(new SessionClosedError());
      try {
        session.get([...oids], (error, varbinds) => (error ? reject(error) : resolve((varbinds ?? []) as Varbind[])));
      } catch (error) {
        reject(error as Error);
      }
    }),
    getBulk: (oids, maxRepetitions) => new Promise((resolve, reject) => {
      if (closed) return reject(new SessionClosedError());
      try {
        session.getBulk([...oids], 0, maxRepetitions, (error, varbinds) => {
          if (error) return reject(error);
          resolve((varbinds ?? []).map((v) => (Array.isArray(v) ? v : [v])) as Varbind[][]);
        });
      } catch (error) {
        reject(error as Error);
      }
    }),
    close() {
      if (closed) return;
      closed = true;
      try {
        session.cancelRequests(new SessionClosedError());
        session.close();
      } catch {
        // already closed by net-snmp (socket error)
      }
    },
  };
}

/** The ResponseInvalidCode values that mean "your credentials were refused" (net-snmp). */
const authCodes = (snmp: NetSnmp): number[] => [snmp.ResponseInvalidCode.EAuthFailure, snmp.ResponseInvalidCode.ECouldNotDecrypt];

/**
 * The offline reason for a failed poll (docs/snmp.md):
 * - snmp-timeout: no answer. A v2c agent stays silent to a wrong community, so this is also what one looks like;
 * - snmp-auth: an SNMPv3 report (wrong digest, unknown user, unsupported level) or an answer that does not decrypt;
 * - snmp-error: anything else (an error status, a malformed answer, an unresolvable address).
 */
export function classifySnmpError(error: unknown): { reason: Exclude<DeviceOfflineReason, 'poller-offline'>; error: string } {
  const e = error as { name?: string; code?: unknown; message?: string } | undefined;
  const message = (e?.message ?? String(error)).slice(0, 256) || 'unknown error';
  if (e?.name === 'RequestTimedOutError') return { reason: 'snmp-timeout', error: message };
  // An error from a session means net-snmp is loaded: its classes and codes are at hand.
  const snmp = loaded;
  if (snmp && (error instanceof snmp.ResponseInvalidError || e?.name === 'ResponseInvalidError') && typeof e?.code === 'number' && authCodes(snmp).includes(e.code)) {
    return { reason: 'snmp-auth', error: message };
  }
  return { reason: 'snmp-error', error: message };
}
