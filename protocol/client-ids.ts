import { isHostId } from './host-id.js';

/**
 * MQTT client ids are part of the contract: an id names a session, and the
 * broker binds the reserved ones to identities (broker/client-id.ts).
 * - `vigie-agent-<host>`: the agent of that host, and nobody else;
 * - `vigie-ingest`, `vigie-ingest-<worker>`: ingest services;
 * - any other `vigie-…` id: Vigie's other services (the OLED).
 */
export const RESERVED_CLIENT_PREFIX = 'vigie-';
export const AGENT_CLIENT_PREFIX = 'vigie-agent-';
export const INGEST_CLIENT_ID = 'vigie-ingest';

/** The client id the agent of `host` connects with. */
export function agentClientId(host: string): string {
  if (!isHostId(host)) throw new TypeError(`host: "${host}" is not a host id (expected [a-z0-9][a-z0-9._-]{0,62})`);
  return `${AGENT_CLIENT_PREFIX}${host}`;
}

/** True for the ingest's own ids (`vigie-ingest`, `vigie-ingest-<worker>`). */
export function isIngestClientId(id: string): boolean {
  return id === INGEST_CLIENT_ID || id.startsWith(`${INGEST_CLIENT_ID}-`);
}
