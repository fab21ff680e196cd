import { isHostId } from './host-id.js';
import { isCheckId } from './schemas/check.js';

/**
 * Topics are owned here (STYLE §1): nobody else writes a topic string.
 *
 *   <prefix>/<host>/status | info | metrics | services
 *   <prefix>/<host>/stored                (ingest → that agent: samples committed)
 *   <prefix>/<host>/alerts/<rule>
 *   <prefix>/<host>/cmd/req/<id>, <prefix>/<host>/cmd/res/<id>
 *   <prefix>/<host>/run/req/<id>, <prefix>/<host>/run/res/<id>   (signed script runs, issue 14)
 *   <prefix>/<host>/config                (server → that agent only: checks it runs)
 *   <prefix>/<runner>/checks/<check id>    (runner → everyone: latest result)
 *   <prefix>/_server/summary
 */
export const DEFAULT_PREFIX = 'vigie';

/** The per-host topics whose payload an agent publishes. */
export const HOST_TOPIC_KINDS = ['status', 'info', 'metrics', 'services'] as const;
export type HostTopicKind = (typeof HOST_TOPIC_KINDS)[number];

/** The level under the prefix that carries server-wide topics; `_` cannot start a host id. */
export const SERVER_LEVEL = '_server';

/** `[MQTT-4.7.1-1]`: `+` and `#` are wildcards, `/` separates levels; NUL is forbidden in topics. */
const FORBIDDEN_IN_LEVEL = /[+#/\u0000]/;

/** Checks one topic level (a rule name, a command id): non-empty, no wildcard, no separator. */
export function isTopicLevel(level: string): boolean {
  return level.length > 0 && level.length <= 128 && !FORBIDDEN_IN_LEVEL.test(level);
}

/** A prefix is one or more levels without wildcards, e.g. `vigie` or `lab/vigie`. */
export function isPrefix(prefix: string): boolean {
  return prefix.length > 0 && prefix.split('/').every((level) => level.length > 0 && !/[+#\u0000]/.test(level));
}

/**
 * Alert rule ids may hold a mount path (`disk:/var/lib`): `%`, `/`, `+`, `#`
 * and NUL are %-encoded so the id fits one topic level and reads back unchanged.
 */
export function encodeRuleLevel(rule: string): string {
  return rule.replace(/[%/+#\u0000]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The rule id of an alert topic level; null when its %-escapes are malformed. */
export function decodeRuleLevel(level: string): string | null {
  try {
    return decodeURIComponent(level);
  } catch {
    return null;
  }
}

function assertLevel(what: string, value: string): void {
  if (!isTopicLevel(value)) throw new TypeError(`${what}: "${value}" is not a valid topic level (no "+", "#", "/")`);
}

function assertHost(host: string): void {
  if (!isHostId(host)) throw new TypeError(`host: "${host}" is not a host id (expected [a-z0-9][a-z0-9._-]{0,62})`);
}

/** Builds topics under one prefix; throws on a value that could escape its level (a programming error). */
export function createTopics(prefix: string = DEFAULT_PREFIX) {
  if (!isPrefix(prefix)) throw new TypeError(`mqtt.prefix: "${prefix}" must be topic levels without "+" or "#"`);
  return {
    prefix,
    host(host: string, kind: HostTopicKind): string {
      assertHost(host);
      return `${prefix}/${host}/${kind}`;
    },
    /** `<prefix>/<host>/alerts/<rule>`; characters a level cannot hold are %-encoded (`disk:/var` → `disk:%2Fvar`). */
    alert(host: string, rule: string): string {
      assertHost(host);
      const level = encodeRuleLevel(rule);
      assertLevel('rule', level);
      return `${prefix}/${host}/alerts/${level}`;
    },
    /** `<prefix>/<host>/stored`: the ingest's acknowledgement of committed samples (StoredPayload). */
    stored(host: string): string {
      assertHost(host);
      return `${prefix}/${host}/stored`;
    },
    /** Subscription filter for every alert of every host. */
    allAlerts(): string {
      return `${prefix}/+/alerts/+`;
    },
    commandRequest(host: string, id: string): string {
      assertHost(host);
      assertLevel('command id', id);
      return `${prefix}/${host}/cmd/req/${id}`;
    },
    commandResponse(host: string, id: string): string {
      assertHost(host);
      assertLevel('command id', id);
      return `${prefix}/${host}/cmd/res/${id}`;
    },
    /** `<prefix>/<host>/run/req/<id>`: a signed request to run one action (RunRequestPayload), ingest → that agent only. */
    runRequest(host: string, id: string): string {
      assertHost(host);
      assertLevel('run id', id);
      return `${prefix}/${host}/run/req/${id}`;
    },
    /** `<prefix>/<host>/run/res/<id>`: the events of that run (RunEventPayload), agent → ingest only. */
    runResponse(host: string, id: string): string {
      assertHost(host);
      assertLevel('run id', id);
      return `${prefix}/${host}/run/res/${id}`;
    },
    /** An agent's own run requests: `<prefix>/<host>/run/req/+`, the one run filter the broker's ACL lets it take. */
    runRequestsFor(host: string): string {
      assertHost(host);
      return `${prefix}/${host}/run/req/+`;
    },
    /** Every host's run events, for the ingest: `<prefix>/+/run/res/+`. */
    allRunResponses(): string {
      return `${prefix}/+/run/res/+`;
    },
    /** `<prefix>/<host>/config`: the server's desired configuration of that agent (AgentConfigPayload). */
    agentConfig(host: string): string {
      assertHost(host);
      return `${prefix}/${host}/config`;
    },
    /** `<prefix>/<runner>/checks/<check>`: the latest result of one check run by `runner` (CheckResultPayload). */
    checkResult(runner: string, check: string): string {
      assertHost(runner);
      if (!isCheckId(check)) throw new TypeError(`check: "${check}" is not a check id (expected [a-z0-9][a-z0-9._-]{0,62})`);
      return `${prefix}/${runner}/checks/${check}`;
    },
    /** Subscription filter for every check result of every runner. */
    allCheckResults(): string {
      return `${prefix}/+/checks/+`;
    },
    serverSummary(): string {
      return `${prefix}/${SERVER_LEVEL}/summary`;
    },
    /** Subscription filter for one kind on every host, e.g. `vigie/+/metrics`. */
    allHosts(kind: HostTopicKind): string {
      return `${prefix}/+/${kind}`;
    },
    /** Parses a per-host topic; null when it is not one of ours or the host is not a valid id. */
    parse(topic: string): ParsedTopic | null {
      return parseTopic(prefix, topic);
    },
  };
}

export type Topics = ReturnType<typeof createTopics>;

export type ParsedTopic =
  | { host: string; kind: HostTopicKind }
  | { host: string; kind: 'stored' }
  | { host: string; kind: 'alert'; rule: string }
  | { host: string; kind: 'cmd/req' | 'cmd/res'; id: string }
  | { host: string; kind: 'run/req' | 'run/res'; id: string }
  | { host: string; kind: 'config' }
  | { host: string; kind: 'check'; check: string }
  | { host: typeof SERVER_LEVEL; kind: 'summary' };

export function parseTopic(prefix: string, topic: string): ParsedTopic | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const levels = topic.slice(prefix.length + 1).split('/');
  const [host, kind, a, b] = levels;
  if (host === undefined || kind === undefined) return null;
  if (host === SERVER_LEVEL) return levels.length === 2 && kind === 'summary' ? { host: SERVER_LEVEL, kind: 'summary' } : null;
  if (!isHostId(host)) return null;
  if (levels.length === 2 && (HOST_TOPIC_KINDS as readonly string[]).includes(kind)) {
    return { host, kind: kind as HostTopicKind };
  }
  if (levels.length === 2 && kind === 'stored') return { host, kind: 'stored' };
  if (levels.length === 2 && kind === 'config') return { host, kind: 'config' };
  if (levels.length === 3 && kind === 'checks' && a && isCheckId(a)) return { host, kind: 'check', check: a };
  if (levels.length === 3 && kind === 'alerts' && a && isTopicLevel(a)) {
    const rule = decodeRuleLevel(a);
    return rule === null ? null : { host, kind: 'alert', rule };
  }
  if (levels.length === 4 && kind === 'cmd' && (a === 'req' || a === 'res') && b && isTopicLevel(b)) {
    return { host, kind: `cmd/${a}`, id: b };
  }
  if (levels.length === 4 && kind === 'run' && (a === 'req' || a === 'res') && b && isTopicLevel(b)) {
    return { host, kind: `run/${a}`, id: b };
  }
  return null;
}
