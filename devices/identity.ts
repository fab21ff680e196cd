import type { EnrollmentTokenStore } from '../accounts/enrollment-tokens.js';
import type { MqttCredentialStore } from '../accounts/mqtt-credentials.js';
import { VigieError } from '../core/errors.js';
import type { HostDetail } from '../ingest/types.js';
import type { DeviceCatalog } from './types.js';

/**
 * A host id is either an agent's or a device's, never both (issue 13): the
 * broker lets a device's poller publish for it and no one else, so a device
 * under an agent's id would silence that agent or speak in its name. Agents
 * are what hold MQTT credentials, wait for an enrollment token, or are heard
 * by the ingest without being a device; `vigie up`'s own agent is one too.
 */
export interface HostFacts {
  credentials: Pick<MqttCredentialStore, 'list' | 'stamp'>;
  enrollmentTokens: Pick<EnrollmentTokenStore, 'listPending'>;
  /** The ingest's registry entry of a host, or null. */
  hostOf(id: string): HostDetail | null;
  devices: Pick<DeviceCatalog, 'has'>;
  /** The box's own agent (`vigie up`), or null. */
  localAgent: string | null;
}

/** Why `id` is an agent's, or null when it is free for a device. */
export function agentClaim(facts: HostFacts, id: string): string | null {
  if (id === facts.localAgent) return 'it is this box\'s own agent';
  if (facts.credentials.list().some((c) => c.principal.kind === 'agent' && c.principal.host === id)) return 'an agent holds MQTT credentials under this id';
  if (facts.enrollmentTokens.listPending().some((t) => t.host === id)) return 'an enrollment token is pending for this id';
  const seen = facts.hostOf(id);
  if (seen && seen.info?.source?.kind !== 'snmp' && !facts.devices.has(id)) return 'the server already hears an agent under this id';
  return null;
}

/** 409 on `id` when it is an agent's. */
export function assertDeviceIdFree(facts: HostFacts, id: string): void {
  const claim = agentClaim(facts, id);
  if (claim) throw new VigieError('VIGIE_ERR_CONFLICT', `id: ${id} is an agent host (${claim}); give the device an id of its own`, [{ field: 'id', message: `${id} is an agent host (${claim}); give the device an id of its own` }]);
}

/** 400 on `poller` unless it names an agent. */
export function assertPollerIsAgent(facts: HostFacts, poller: string): void {
  const fail = (message: string): never => {
    throw new VigieError('VIGIE_ERR_BAD_REQUEST', `poller: ${message}`, [{ field: 'poller', message }]);
  };
  if (facts.devices.has(poller)) fail(`${poller} is an SNMP device; the poller is an agent that reaches it`);
  if (poller === facts.localAgent) return;
  const username = facts.credentials.list().find((c) => c.principal.kind === 'agent' && c.principal.host === poller)?.username;
  if (username && facts.credentials.stamp(username) !== null) return;
  const seen = facts.hostOf(poller);
  if (seen && seen.info?.source?.kind !== 'snmp') return;
  fail(`${poller} is not an agent this server knows: enroll it first (Hosts & agents), or name one that is`);
}
