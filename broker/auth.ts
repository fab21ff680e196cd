import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { LoginThrottlePolicy } from '../accounts/login-throttle.js';
import { systemClock, type Clock } from '../core/time.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import { mayRetain } from '../protocol/retain.js';
import type { Topics } from '../protocol/topics.js';
import { canReceive, canSubscribe, publishVerdict, type ForeignPrefixes, type Principal } from './acl.js';
import { createDevicePollers } from './device-pollers.js';
import { checkClientId } from './client-id.js';
import { MqttLoginGuard } from './login-guard.js';
import { RetainedQuota, type RetainedLimits } from './retained-quota.js';
import { SessionOwners } from './session-owners.js';
import { suppressWill } from './wills.js';

/**
 * Who may connect. The broker asks it at every CONNECT and, whenever it says
 * credentials changed, re-checks the connected clients: a revoked or rotated
 * credential disconnects its clients at once.
 */
export interface Authenticator {
  /** The principal for these credentials; null when unknown, revoked or wrong. */
  authenticate(username: string, password: string): Principal | null;
  /** A value that changes when the credentials behind `username` are replaced; null once they are no longer valid. */
  stamp(username: string): string | null;
  /** Calls `listener` when credentials may have changed (revocation, rotation). */
  onChange(listener: () => void): () => void;
  /**
   * True for credentials made by this process for its own parts (`vigie up`):
   * a random secret that is never typed nor stored. They skip the login
   * back-off when right, so nobody can lock the box's own ingest out.
   */
  inProcess?(username: string): boolean;
}

interface Session {
  principal: Principal;
  username: string | undefined;
  stamp: string | null;
}

export interface BrokerAuthOptions {
  topics: Topics;
  /** Lab mode: clients without a username connect as anonymous, with every right. */
  allowAnonymous: boolean;
  authenticator?: Authenticator;
  /** Back-off of failed logins, per username and per address. */
  loginPolicy: LoginThrottlePolicy;
  /** Retained-store quota of each agent. */
  retainedPerAgent: RetainedLimits;
  log: Logger;
  /** Dates the end of a poller's right to a device (tests inject one). */
  clock?: Clock;
  /** Rights outside our prefix: Home Assistant's discovery prefix (broker/acl.ts). */
  foreign?: ForeignPrefixes;
}

/** Counters of what the broker refused, by cause. */
export interface AuthStats {
  /** CONNECTs, publishes and subscriptions refused by authentication or the topic ACL. */
  refused: number;
  /** CONNECTs refused unchecked by the login back-off. */
  throttledLogins: number;
  /** CONNECTs refused for their client id (malformed, reserved or held by another identity). */
  clientIdRefused: number;
  /** Retained publishes stored without their retain flag: the contract says the topic is not retained. */
  retainRefused: number;
  /** Retained publishes not stored: the agent's retained quota was full. */
  retainOverQuota: number;
  /** Topics and filters refused as not UTF-8 (or holding NUL). */
  invalidTopics: number;
}

/** `[MQTT-3.2.2-3]` CONNACK 2: identifier rejected; 4: bad user name or password; 5: not authorized. */
function refusal(code: 2 | 4 | 5, message: string): AuthenticateError {
  const error = new Error(message) as AuthenticateError;
  error.returnCode = code;
  return error;
}

/**
 * mqtt-packet decodes strings with Buffer#toString('utf8'), which turns bytes
 * that are not UTF-8 into U+FFFD: finding one is the only trace left of
 * ill-formed input [MQTT-1.5.3-1]. NUL is forbidden outright [MQTT-1.5.3-2].
 */
const NOT_TEXT = /[\uFFFD\u0000]/;

/**
 * Installs Aedes's preConnect / authenticate / authorizePublish / authorizeForward /
 * authorizeSubscribe hooks: credentials checked against the authenticator
 * (behind the login back-off), client ids against their owners, topics
 * against the principal's ACL (broker/acl.ts) and retained publishes against
 * the contract and the agent's quota. Refusals are counted and logged (rate
 * limited) with the client id and address. Disconnects clients whose
 * credentials are no longer valid, without their Last Will.
 */
export function installBrokerAuth(aedes: Aedes, opts: BrokerAuthOptions): {
  stop(): void;
  stats(): AuthStats;
  isIngest(client: Client): boolean;
  /** A publish of the ingest in this process (broker/local-ingest.ts), which no authorizePublish sees: what the broker learns from it. */
  ingestPublished(packet: { topic: string; payload: Buffer | string }): void;
} {
  const { topics, log } = opts;
  const warn = createRateLimitedLog(log);
  const sessions = new WeakMap<Client, Session>();
  const byUsername = new Map<string, Set<Client>>();
  const requestedIds = new WeakMap<Client, string>();
  const owners = new SessionOwners();
  const guard = new MqttLoginGuard(opts.loginPolicy);
  const retained = new RetainedQuota();
  const pollers = createDevicePollers(opts.clock ?? systemClock);
  const stats: AuthStats = { refused: 0, throttledLogins: 0, clientIdRefused: 0, retainRefused: 0, retainOverQuota: 0, invalidTopics: 0 };

  // Every connection reaches Aedes through the packet-size guard, which carries the peer's address.
  const remoteOf = (client: Client): string | undefined => (client.conn as unknown as { remoteAddress?: string }).remoteAddress;

  // Aedes replaces an empty client id by a made-up one before `authenticate`: keep what was asked.
  aedes.preConnect = (client, packet, done) => {
    requestedIds.set(client, packet.clientId ?? '');
    done(null, true);
  };

  /**
   * A refused CONNECT must leave the session of the id it named alone. Aedes
   * closes the refused client, and closing a clean client wipes the QoS 2
   * state stored under its id — the owner's, when the id is someone else's.
   */
  const disarm = (client: Client): void => {
    (client as unknown as { clean: boolean }).clean = false;
  };

  const principalFor = (client: Client, username: string | undefined, password: Buffer | undefined): Principal | AuthenticateError => {
    const remote = remoteOf(client) ?? 'unknown';
    if (username === undefined || username === '') {
      if (opts.allowAnonymous) return { kind: 'anonymous' };
      stats.refused += 1;
      warn('auth:anonymous', 'MQTT connection refused: no credentials (anonymous access is off)', { clientId: client.id, remote });
      return refusal(5, 'Not authorized');
    }
    const secret = password?.toString('utf8') ?? '';
    const verdict = guard.check(username, remote);
    if (!verdict.allowed) {
      // Credentials of this process, when right, are never held back (see Authenticator.inProcess).
      const own = opts.authenticator?.inProcess?.(username) ? opts.authenticator.authenticate(username, secret) : null;
      if (own) return own;
      stats.throttledLogins += 1;
      warn(`throttled:${verdict.reason}:${verdict.reason === 'address' ? remote : username}`, 'MQTT connection refused unchecked: too many failed logins', {
        clientId: client.id, username, remote, reason: verdict.reason, retryAfterS: Math.ceil(verdict.retryAfterMs / 1000),
      });
      return refusal(5, 'Too many failed logins: retry later');
    }
    const principal = opts.authenticator?.authenticate(username, secret) ?? null;
    if (principal) {
      guard.success(username, secret);
      return principal;
    }
    stats.refused += 1;
    const failed = guard.failure(username, secret, remote);
    if (failed.stale) {
      warn(`stale:${username}`, 'MQTT connection refused: credentials revoked or replaced', { clientId: client.id, username, remote });
    } else {
      warn(`auth:${username}`, 'MQTT connection refused: wrong or revoked credentials', { clientId: client.id, username, remote, failures: failed.failures });
      if (failed.lockedUntil !== null) {
        warn(`locked:${username}`, 'MQTT username locked after repeated failed logins', { username, remote, failures: failed.failures, until: new Date(failed.lockedUntil).toISOString() });
      }
    }
    return refusal(4, 'Bad user name or password');
  };

  aedes.authenticate = (client, username, password, done) => {
    const found = principalFor(client, username, password);
    if (found instanceof Error) {
      disarm(client);
      return done(found, false);
    }
    const principal = found;
    const owner = username ?? '';
    const requested = requestedIds.get(client) ?? client.id;
    const idError = checkClientId(principal, requested, client.clean);
    const holder = idError === null ? owners.heldByOther(client.id, owner) : null;
    if (idError !== null || holder !== null) {
      stats.clientIdRefused += 1;
      warn(`client-id:${owner}:${requested.slice(0, 64)}`, 'MQTT connection refused: client id not allowed for these credentials', {
        clientId: requested.slice(0, 200), username, remote: remoteOf(client), reason: idError ?? `the id is held by another identity (${holder})`,
      });
      disarm(client);
      return done(refusal(2, 'Identifier rejected'), false);
    }
    owners.bind(client, owner);
    sessions.set(client, { principal, username, stamp: username ? (opts.authenticator?.stamp(username) ?? null) : null });
    if (username) {
      let set = byUsername.get(username);
      if (!set) byUsername.set(username, (set = new Set()));
      set.add(client);
    }
    done(null, true);
  };

  aedes.authorizePublish = (client, packet, done) => {
    if (!client) return done(null); // the broker's own publications
    const session = sessions.get(client);
    if (NOT_TEXT.test(packet.topic)) {
      stats.invalidTopics += 1;
      warn(`topic-text:${client.id}`, 'MQTT publish refused: topic is not valid UTF-8 or holds NUL; disconnecting', { clientId: client.id, remote: remoteOf(client) });
      return done(new Error('topic is not valid UTF-8'));
    }
    const verdict = session ? publishVerdict(topics, session.principal, packet.topic, pollers, opts.foreign) : 'deny';
    if (!session || verdict === 'deny') {
      stats.refused += 1;
      warn(`publish:${client.id}`, 'MQTT publish refused: topic outside this client\'s rights; disconnecting', { clientId: client.id, topic: packet.topic.slice(0, 200) });
      // MQTT 3.1.1 has no way to refuse one PUBLISH: the connection is closed (Aedes's behaviour on error).
      return done(new Error('publish not authorized'));
    }
    if (verdict === 'unretained') packet.retain = false;
    if (packet.retain) admitRetained(client, session, packet);
    if (session.principal.kind === 'service' && session.principal.role === 'ingest') ingestPublished(packet);
    done(null);
  };

  /** The ingest tells a poller which devices it polls: that is also what lets it publish for them. */
  const ingestPublished = (packet: { topic: string; payload: Buffer | string }): void => {
    if (!packet.topic.endsWith('/config')) return;
    const parsed = topics.parse(packet.topic);
    if (parsed?.kind === 'config') pollers.observe(parsed.host, packet.payload);
  };

  /**
   * The contract's retain column and the agent's quota. A retained publish
   * that may not be stored is delivered live without its retain flag rather
   * than refused: MQTT 3.1.1 can refuse a PUBLISH only by closing the
   * connection, which would cost a misbehaving agent its samples too.
   */
  const admitRetained = (client: Client, session: Session, packet: { topic: string; payload: Buffer | string; retain: boolean }): void => {
    if (!mayRetain(topics, packet.topic)) {
      packet.retain = false;
      stats.retainRefused += 1;
      warn(`retain:${client.id}`, 'MQTT retained publish on a topic the contract does not retain: delivered, not stored', { clientId: client.id, topic: packet.topic.slice(0, 200) });
      return;
    }
    const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    const limits = session.principal.kind === 'agent' ? opts.retainedPerAgent : null;
    if (retained.admit(session.username ?? '', packet.topic, size, limits)) return;
    packet.retain = false;
    stats.retainOverQuota += 1;
    warn(`retain-quota:${session.username}`, 'MQTT retained publish over the agent\'s quota (broker.retainedPerAgent): delivered, not stored', {
      clientId: client.id, username: session.username, topic: packet.topic.slice(0, 200), held: retained.held(session.username ?? ''),
    });
  };

  aedes.authorizeSubscribe = (client, sub, done) => {
    if (NOT_TEXT.test(sub.topic)) {
      stats.invalidTopics += 1;
      warn(`filter-text:${client.id}`, 'MQTT subscription refused: filter is not valid UTF-8 or holds NUL', { clientId: client.id, remote: remoteOf(client) });
      return done(null, null); // SUBACK 0x80 [MQTT-3.9.3-2]
    }
    const session = sessions.get(client);
    if (session && canSubscribe(topics, session.principal, sub.topic, opts.foreign)) return done(null, sub);
    stats.refused += 1;
    warn(`subscribe:${client.id}`, 'MQTT subscription refused: filter outside this client\'s rights', { clientId: client.id, filter: sub.topic.slice(0, 200) });
    done(null, null); // SUBACK 0x80 for this filter [MQTT-3.9.3-2]; the connection stays
  };

  aedes.authorizeForward = (client, packet) => {
    const session = sessions.get(client);
    if (!session) return packet;
    return canReceive(topics, session.principal, packet.topic) ? packet : null;
  };

  const forget = (client: Client): void => {
    owners.release(client);
    const username = sessions.get(client)?.username;
    const set = username === undefined ? undefined : byUsername.get(username);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) byUsername.delete(username!);
  };
  aedes.on('clientDisconnect', forget);

  const recheck = (): void => {
    for (const [username, clients] of byUsername) {
      const current = opts.authenticator?.stamp(username) ?? null;
      for (const client of clients) {
        if ((client as unknown as { closed?: boolean }).closed) {
          clients.delete(client);
          continue;
        }
        if (current !== null && sessions.get(client)?.stamp === current) continue;
        log.info({ clientId: client.id, username }, 'credentials revoked or replaced: disconnecting (Last Will not sent)');
        suppressWill(aedes, client);
        client.close();
      }
    }
  };
  const off = opts.authenticator?.onChange(recheck) ?? (() => {});
  return {
    stop: () => {
      off();
      aedes.off('clientDisconnect', forget);
    },
    stats: () => ({ ...stats }),
    ingestPublished,
    isIngest: (client) => {
      const principal = sessions.get(client)?.principal;
      return principal?.kind === 'service' && principal.role === 'ingest';
    },
  };
}
