import { AGENT_CLIENT_PREFIX, INGEST_CLIENT_ID, RESERVED_CLIENT_PREFIX, agentClientId, isIngestClientId } from '../protocol/client-ids.js';
import type { Principal } from './acl.js';

/**
 * Which MQTT client ids an identity may use. A client id names a session:
 * whoever connects with it takes over the live connection [MQTT-3.1.4-2]
 * and, with clean=false, the persistent session and its queued messages.
 * So ids are not free-for-all (issue 10, item 1; Mosquitto's
 * `use_username_as_clientid` and EMQX's client-id binding are the models).
 * The reserved namespaces are named in protocol/client-ids.ts.
 * Other ids are open (Home Assistant, Telegraf, scripts choose their own),
 * but an agent's credentials get a persistent session only under their own
 * id, so they cannot park a session on a name another tool will need.
 * Anonymous clients (lab mode, every right anyway) are not restricted here.
 * Whoever holds an id, another identity cannot take it (broker/session-owners.ts).
 */

/** Longest id accepted, in characters. MQTT 3.1.1 guarantees 23 [MQTT-3.1.3-5]; `vigie-agent-` plus a 63-character host id needs 75. */
export const MAX_CLIENT_ID_LENGTH = 128;


/**
 * Printable ASCII without space. `+`, `#` and `/` are refused too: ids end
 * up in topics and log lines (`$SYS/<broker>/new/clients`, tools that build
 * per-client topics), where they would act as wildcards or levels. Anything
 * else (controls, NUL, non-ASCII, U+FFFD standing for bytes that were not
 * UTF-8) has no business in an id.
 */
const ID_CHARS = /^[!-~]+$/;
const FORBIDDEN = /[+#/]/;

/** Why `id` is not acceptable as a client id at all; null when it is. Empty ids are handled by the caller (see `checkClientId`). */
export function clientIdFormatError(id: string): string | null {
  if (id.length > MAX_CLIENT_ID_LENGTH) return `client id longer than ${MAX_CLIENT_ID_LENGTH} characters`;
  if (!ID_CHARS.test(id)) return 'client id must be printable ASCII without spaces';
  if (FORBIDDEN.test(id)) return 'client id must not contain "+", "#" or "/"';
  return null;
}

/** Why `principal` may not use `id` (with a persistent session when `clean` is false); null when it may. */
export function clientIdOwnershipError(principal: Principal, id: string, clean: boolean): string | null {
  if (principal.kind === 'anonymous') return null;
  if (principal.kind === 'agent') {
    const own = agentClientId(principal.host);
    if (id === own) return null;
    if (id.startsWith(RESERVED_CLIENT_PREFIX)) return `"${RESERVED_CLIENT_PREFIX}…" ids are reserved; the agent of ${principal.host} connects as "${own}"`;
    return clean ? null : `agent credentials get a persistent session only as "${own}"`;
  }
  if (id.startsWith(AGENT_CLIENT_PREFIX)) return `"${AGENT_CLIENT_PREFIX}<host>" ids belong to agents`;
  if (isIngestClientId(id) && principal.role !== 'ingest') return `"${INGEST_CLIENT_ID}" ids belong to ingest services`;
  return null;
}

/**
 * The verdict on a CONNECT's client id, before any session state is touched.
 * An empty id asks the broker to make one up [MQTT-3.1.3-6]: accepted with a
 * clean session (the made-up id is
 * unique, so nothing can be taken over); refused with clean=false
 * [MQTT-3.1.3-8]: Aedes would otherwise create a persistent session nobody
 * can ever resume, whose queue would grow for good.
 */
export function checkClientId(principal: Principal, id: string, clean: boolean): string | null {
  if (id === '') return clean ? null : 'an empty client id needs a clean session [MQTT-3.1.3-8]';
  return clientIdFormatError(id) ?? clientIdOwnershipError(principal, id, clean);
}
