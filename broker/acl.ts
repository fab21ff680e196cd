import { SERVER_LEVEL, type Topics } from '../protocol/topics.js';
import type { DevicePollers } from './device-pollers.js';

/**
 * Who an MQTT connection is, once authenticated:
 * - an agent may publish only under its own `<prefix>/<host>/` (status, info,
 *   metrics, services, command results, run events, check results) and subscribe only to
 *   its own command and run requests, its own `stored` acknowledgements, its own
 *   `config` and the server summary;
 * - the ingest service reads everything under the prefix (also through a
 *   shared subscription, for several workers) and publishes alerts, command
 *   and run requests, `stored` acknowledgements, agents' `config` and the server summary, and clears
 *   the retained status, info and services of a host an admin removed;
 * - a reader service (the OLED, Home Assistant, Telegraf…) reads everything
 *   under the prefix and publishes nothing;
 * - anonymous exists only in the explicit lab mode, where anything goes;
 * - an agent's `config` (what it runs, where it probes) and its signed run
 *   requests reach only that agent and the ingest, even through a wildcard,
 *   and a run's output only the ingest (canReceive, issue 14);
 * - an agent that polls SNMP devices (issue 13) may also publish `status`,
 *   `info` and `metrics` for the devices its configuration names, and
 *   nothing else for them (broker/device-pollers.ts); a device's id is its
 *   poller's to publish, even to an agent enrolled under the same name;
 * - Home Assistant's discovery prefix (`homeassistant` by default, issue 15)
 *   lives outside ours: the ingest publishes device configs under it and
 *   listens for Home Assistant's birth message; a reader (Home Assistant
 *   itself connects as one) may read it and publish only that birth
 *   message (`<haPrefix>/status`), without which Home Assistant's MQTT
 *   integration would be disconnected at its first publish.
 */
export type Principal =
  | { kind: 'agent'; host: string }
  | { kind: 'service'; role: 'ingest' | 'reader' }
  | { kind: 'anonymous' };

/** `$share/<group>/<filter>` (MQTT 5 §4.8.2): the filter behind a shared subscription. */
function unshare(filter: string): string | null {
  if (!filter.startsWith('$share/')) return filter;
  const rest = filter.slice('$share/'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  return rest.slice(slash + 1) || null;
}

/** True when `filter` can only match topics under the prefix: its first levels are the prefix itself, not wildcards. */
function underPrefix(topics: Topics, filter: string): boolean {
  return filter.startsWith(`${topics.prefix}/`);
}

/** The rights outside our prefix, when Home Assistant's discovery prefix is known (see Principal). */
export interface ForeignPrefixes {
  /** Home Assistant's discovery prefix (config `ha.prefix`); absent: no rights outside our prefix. */
  haPrefix?: string;
}

/** Whether `topic` (or a filter) is under Home Assistant's discovery prefix. */
function underHa(foreign: ForeignPrefixes | undefined, topic: string): boolean {
  return foreign?.haPrefix !== undefined && topic.startsWith(`${foreign.haPrefix}/`);
}

/** Home Assistant's birth and last-will topic (`online` / `offline`). */
export function haStatusTopic(haPrefix: string): string {
  return `${haPrefix}/status`;
}

/** What an agent publishes under its own `<prefix>/<host>/`. */
const AGENT_OWN_KINDS: readonly string[] = ['status', 'info', 'metrics', 'services', 'cmd/res', 'run/res', 'check'];

/** The per-host topics a poller publishes for a device, as an agent does for itself. */
export const DEVICE_TOPIC_KINDS: readonly string[] = ['status', 'info', 'metrics'];

/**
 * - `allow`: publish as sent;
 * - `unretained`: deliver without the retain flag (a poller's late publish
 *   for a device it was just relieved of, see device-pollers.ts);
 * - `deny`: refuse (the connection is closed: MQTT 3.1.1 cannot refuse one PUBLISH).
 */
export type PublishVerdict = 'allow' | 'unretained' | 'deny';

export function publishVerdict(
  topics: Topics,
  who: Principal,
  topic: string,
  pollers?: Pick<DevicePollers, 'rightOf' | 'pollerOf'>,
  foreign?: ForeignPrefixes,
): PublishVerdict {
  if (who.kind === 'anonymous') return 'allow';
  if (underHa(foreign, topic)) return canPublish(topics, who, topic, foreign) ? 'allow' : 'deny';
  const parsed = topics.parse(topic);
  if (!parsed) return 'deny';
  if (who.kind === 'agent') {
    if (parsed.host === SERVER_LEVEL) return 'deny';
    const device = pollers?.pollerOf(parsed.host);
    if (parsed.host === who.host && (device === undefined || device === who.host)) {
      return AGENT_OWN_KINDS.includes(parsed.kind) ? 'allow' : 'deny';
    }
    if (!pollers || !DEVICE_TOPIC_KINDS.includes(parsed.kind)) return 'deny';
    const right = pollers.rightOf(who.host, parsed.host);
    return right === 'assigned' ? 'allow' : right === 'recent' ? 'unretained' : 'deny';
  }
  return canPublish(topics, who, topic, foreign) ? 'allow' : 'deny';
}

/** Whether `who` may publish on `topic`, devices aside (see publishVerdict). */
export function canPublish(topics: Topics, who: Principal, topic: string, foreign?: ForeignPrefixes): boolean {
  if (who.kind === 'anonymous') return true;
  if (underHa(foreign, topic)) {
    if (who.kind !== 'service') return false;
    return who.role === 'ingest' || topic === haStatusTopic(foreign!.haPrefix!);
  }
  const parsed = topics.parse(topic);
  if (!parsed) return false;
  if (who.kind === 'agent') {
    if (parsed.host !== who.host) return false;
    return AGENT_OWN_KINDS.includes(parsed.kind);
  }
  if (who.role === 'ingest') {
    // status/info/services: to clear the retained topics of a host an admin removed.
    // check: to clear the retained result of a check removed or moved to other runners.
    return ['alert', 'cmd/req', 'run/req', 'stored', 'status', 'info', 'services', 'config', 'check'].includes(parsed.kind) || (parsed.host === SERVER_LEVEL && parsed.kind === 'summary');
  }
  return false;
}

export function canSubscribe(topics: Topics, who: Principal, filter: string, foreign?: ForeignPrefixes): boolean {
  if (who.kind === 'anonymous') return true;
  if (who.kind === 'agent') {
    return filter === topics.serverSummary() || filter === topics.stored(who.host) || filter === `${topics.prefix}/${who.host}/cmd/req/+`
      || filter === topics.agentConfig(who.host) || filter === topics.runRequestsFor(who.host);
  }
  const inner = unshare(filter);
  if (inner === null) return false;
  if (inner !== filter && who.role !== 'ingest') return false; // shared subscriptions are for ingest workers
  return underPrefix(topics, inner) || underHa(foreign, inner);
}

/**
 * Whether a message on `topic` may be delivered to `who` (Aedes'
 * authorizeForward, which also covers retained messages): a reader's
 * `vigie/#` must not carry an agent's `config`, which says where it probes.
 */
export function canReceive(topics: Topics, who: Principal, topic: string): boolean {
  if (who.kind === 'anonymous' || (who.kind === 'service' && who.role === 'ingest')) return true;
  // Cheap test first: this runs for every delivery.
  if (!topic.endsWith('/config') && !topic.includes('/run/')) return true;
  const parsed = topics.parse(topic);
  if (parsed?.kind === 'config' || parsed?.kind === 'run/req') return who.kind === 'agent' && who.host === parsed.host;
  // A run's output may hold anything the script printed: the ingest relays it to the users allowed to see it.
  if (parsed?.kind === 'run/res') return false;
  return true;
}
