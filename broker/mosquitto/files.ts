import { join } from 'node:path';
import type { CredentialInfo } from '../../accounts/mqtt-credentials.js';
import { SERVER_LEVEL, createTopics } from '../../protocol/topics.js';
import { DEVICE_TOPIC_KINDS, haStatusTopic } from '../acl.js';
import { isMosquittoHash } from './password-hash.js';

/**
 * The three files that make a Mosquitto 2.0 enforce Vigie's rules
 * (broker/acl.ts is THE rule set; this is its translation, line for line):
 * `mosquitto.conf`, the password file and the ACL file. Pure functions of the
 * credentials, the device pollers and the config: same input, same bytes, so
 * the server rewrites and reloads only when something changed.
 *
 * What Mosquitto's ACL file cannot say, and where it differs (docs/mosquitto.md, "Limits"):
 * - a refused PUBLISH is dropped, the connection stays (Aedes closes it);
 * - `+` matches any level, so the ingest's `<prefix>/+/status` also matches
 *   levels that are not host ids (the ingest is trusted; Aedes refuses them);
 * - client ids are not bound to identities (broker/client-id.ts), nor are
 *   retained quotas or login back-off enforced;
 * - a poller loses a device's rights at the reload, with no grace period
 *   (broker/device-pollers.ts RECENT_MS): a late poll is dropped.
 */

export const CONF_FILE = 'mosquitto.conf';
export const PASSWORD_FILE = 'passwd';
export const ACL_FILE = 'acl';
/** Mosquitto's persistence directory, under the files' directory. */
export const PERSISTENCE_DIR = 'data';

export interface MosquittoSettings {
  /** Absolute directory the files live in (the conf names the others by absolute path). */
  dir: string;
  host: string;
  port: number;
  maxInflightMessages: number;
  /** broker.sessionQueue: the same bounds as the embedded broker's persistent sessions. */
  sessionQueue: { maxMessages: number; maxBytes: number };
  /** broker.maxPacketSize. */
  maxPacketSize: number;
  user: string | null;
}

/** A tuned mosquitto.conf (Mosquitto 2.0 option names; `man mosquitto.conf`). */
export function mosquittoConf(s: MosquittoSettings): string {
  const lines = [
    '# Written by `vigie mosquitto` (docs/mosquitto.md); rewritten by the Vigie server when mosquitto.dir is set.',
    '# Edit Vigie\'s `mosquitto` config block instead: changes made here are lost.',
    'per_listener_settings false',
    `listener ${s.port} ${s.host}`,
    // No anonymous client: every client is an agent, the ingest or a reader with its own rights.
    'allow_anonymous false',
    `password_file ${join(s.dir, PASSWORD_FILE)}`,
    `acl_file ${join(s.dir, ACL_FILE)}`,
    // Mosquitto's defaults (20 in flight, 1,000 queued) drop QoS 1 messages under load (DESIGN, measured facts).
    `max_inflight_messages ${s.maxInflightMessages}`,
    `max_queued_messages ${s.sessionQueue.maxMessages}`,
    `max_queued_bytes ${s.sessionQueue.maxBytes}`,
    `max_packet_size ${s.maxPacketSize}`,
    // Binds client ids to identities, as broker/client-id.ts does on the embedded broker:
    // without it, any credentialed client could connect as `vigie-ingest` and cut the ingest off.
    // Each client's id becomes its username, so one identity holds one session (and several
    // ingest workers need one credential each).
    'use_username_as_clientid true',
    // Nagle's algorithm adds 30–40 ms tails; the embedded broker sets noDelay too.
    'set_tcp_nodelay true',
    // The ingest's persistent session and retained status/info/config survive a restart.
    'persistence true',
    `persistence_location ${join(s.dir, PERSISTENCE_DIR)}/`,
    ...(s.user ? [`user ${s.user}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** What the password file could not include: credentials made before Vigie kept Mosquitto hashes. */
export interface PasswordFile {
  text: string;
  /** Active credentials without a Mosquitto hash: rotate them (docs/mosquitto.md). */
  missing: string[];
}

/** `username:$7$…` lines for the active credentials that have a Mosquitto hash. */
export function passwordFile(credentials: readonly CredentialInfo[]): PasswordFile {
  const lines: string[] = [];
  const missing: string[] = [];
  for (const c of credentials) {
    if (c.revokedAt !== null || c.principal.kind === 'anonymous') continue;
    // usernameFor never makes a ':' or a newline; a row that has one (hand-edited) cannot be a line of this file.
    if (/[:\s]/.test(c.username)) continue;
    if (c.mosquittoHash === null || !isMosquittoHash(c.mosquittoHash)) {
      missing.push(c.username);
      continue;
    }
    lines.push(`${c.username}:${c.mosquittoHash}`);
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', missing };
}

export interface AclInput {
  prefix: string;
  /** ha.prefix: Home Assistant's discovery prefix. */
  haPrefix: string;
  credentials: readonly CredentialInfo[];
  /** Each SNMP device and the agent that polls it (devices.db). */
  devices: readonly { id: string; poller: string }[];
}

/**
 * The ACL file: one `user` block per active credential. Read rights cover
 * both subscribing and receiving in Mosquitto (it checks `read` at delivery
 * too), which is how broker/acl.ts's canReceive is kept: `topic deny` lines
 * are checked before any grant (verified with Mosquitto 2.0.11), so a
 * reader's `vigie/#` never carries an agent's config or a run.
 */
export function aclFile(input: AclInput): string {
  const topics = createTopics(input.prefix);
  const p = input.prefix;
  const ha = input.haPrefix;
  const pollerOf = new Map(input.devices.map((d) => [d.id, d.poller]));
  const devicesOf = new Map<string, string[]>();
  for (const d of input.devices) devicesOf.set(d.poller, [...(devicesOf.get(d.poller) ?? []), d.id]);
  const out: string[] = [
    '# Written by Vigie from its credentials and devices (docs/mosquitto.md): the rules of broker/acl.ts.',
    '# Clients without a block below have no rights.',
  ];
  const active = input.credentials.filter((c) => c.revokedAt === null && !/[:\s]/.test(c.username)).sort((a, b) => a.username.localeCompare(b.username));
  for (const c of active) {
    const who = c.principal;
    if (who.kind === 'anonymous') continue;
    out.push('', `user ${c.username}`);
    if (who.kind === 'agent') {
      const h = who.host;
      // A device's id is its poller's to publish, even to an agent enrolled under the same name (acl.ts publishVerdict).
      const other = pollerOf.get(h);
      if (other === undefined || other === h) {
        for (const kind of ['status', 'info', 'metrics', 'services']) out.push(`topic write ${p}/${h}/${kind}`);
        out.push(`topic write ${p}/${h}/cmd/res/+`, `topic write ${p}/${h}/run/res/+`, `topic write ${p}/${h}/checks/+`);
      }
      for (const device of (devicesOf.get(h) ?? []).filter((d) => d !== h).sort()) {
        for (const kind of DEVICE_TOPIC_KINDS) out.push(`topic write ${p}/${device}/${kind}`);
      }
      out.push(`topic read ${p}/${h}/cmd/req/+`, `topic read ${topics.runRequestsFor(h)}`, `topic read ${topics.stored(h)}`, `topic read ${topics.agentConfig(h)}`, `topic read ${topics.serverSummary()}`);
      continue;
    }
    if (who.role === 'ingest') {
      // Everything under the prefix, shared subscriptions included (Mosquitto checks the filter inside `$share/<group>/`).
      out.push(`topic read ${p}/#`);
      // acl.ts canPublish: alerts, requests, acknowledgements, configs, check results, and clearing a removed host's retained topics.
      for (const f of ['+/alerts/+', '+/cmd/req/+', '+/run/req/+', '+/stored', '+/status', '+/info', '+/services', '+/config', '+/checks/+', `${SERVER_LEVEL}/summary`]) out.push(`topic write ${p}/${f}`);
      out.push(`topic readwrite ${ha}/#`);
      continue;
    }
    // A reader: everything under the prefix but the agents' configs and runs; Home Assistant's prefix, and its birth message.
    out.push(`topic deny ${p}/+/config`, `topic deny ${p}/+/run/#`, `topic read ${p}/#`, `topic read ${ha}/#`, `topic write ${haStatusTopic(ha)}`);
  }
  return `${out.join('\n')}\n`;
}
