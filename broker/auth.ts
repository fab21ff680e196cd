import type { Aedes, AuthenticateError, Client } from 'aedes';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Topics } from '../protocol/topics.js';
import { canPublish, canSubscribe, type Principal } from './acl.js';

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
  log: Logger;
}

/** `[MQTT-3.2.2-3]` CONNACK 4: bad user name or password; 5: not authorized. */
function refusal(code: 4 | 5, message: string): AuthenticateError {
  const error = new Error(message) as AuthenticateError;
  error.returnCode = code;
  return error;
}

/**
 * Installs Aedes's authenticate / authorizePublish / authorizeSubscribe
 * hooks: credentials checked against the authenticator, topics against the
 * principal's ACL (broker/acl.ts). A refused CONNECT or publish is logged
 * (rate limited) with the client id and address. Returns a function that
 * disconnects clients whose credentials are no longer valid.
 */
export function installBrokerAuth(aedes: Aedes, opts: BrokerAuthOptions): { stop(): void; stats(): { refused: number } } {
  const { topics, log } = opts;
  const warn = createRateLimitedLog(log);
  const sessions = new WeakMap<Client, Session>();
  const byUsername = new Map<string, Set<Client>>();
  let refused = 0;

  // Every connection reaches Aedes through the packet-size guard, which carries the peer's address.
  const remoteOf = (client: Client): string | undefined => (client.conn as unknown as { remoteAddress?: string }).remoteAddress;

  aedes.authenticate = (client, username, password, done) => {
    if (username === undefined || username === '') {
      if (opts.allowAnonymous) {
        sessions.set(client, { principal: { kind: 'anonymous' }, username: undefined, stamp: null });
        return done(null, true);
      }
      refused += 1;
      warn('auth:anonymous', 'MQTT connection refused: no credentials (anonymous access is off)', { clientId: client.id, remote: remoteOf(client) });
      return done(refusal(5, 'Not authorized'), false);
    }
    const principal = opts.authenticator?.authenticate(username, password?.toString('utf8') ?? '') ?? null;
    if (!principal) {
      refused += 1;
      warn(`auth:${username}`, 'MQTT connection refused: wrong or revoked credentials', { clientId: client.id, username, remote: remoteOf(client) });
      return done(refusal(4, 'Bad user name or password'), false);
    }
    sessions.set(client, { principal, username, stamp: opts.authenticator!.stamp(username) });
    let set = byUsername.get(username);
    if (!set) byUsername.set(username, (set = new Set()));
    set.add(client);
    done(null, true);
  };

  aedes.authorizePublish = (client, packet, done) => {
    const session = client ? sessions.get(client) : undefined;
    if (!client) return done(null); // the broker's own publications
    if (session && canPublish(topics, session.principal, packet.topic)) return done(null);
    refused += 1;
    warn(`publish:${client.id}`, 'MQTT publish refused: topic outside this client\'s rights; disconnecting', { clientId: client.id, topic: packet.topic.slice(0, 200) });
    // MQTT 3.1.1 has no way to refuse one PUBLISH: the connection is closed (Aedes's behaviour on error).
    done(new Error('publish not authorized'));
  };

  aedes.authorizeSubscribe = (client, sub, done) => {
    const session = sessions.get(client);
    if (session && canSubscribe(topics, session.principal, sub.topic)) return done(null, sub);
    refused += 1;
    warn(`subscribe:${client.id}`, 'MQTT subscription refused: filter outside this client\'s rights', { clientId: client.id, filter: sub.topic.slice(0, 200) });
    done(null, null); // SUBACK 0x80 for this filter [MQTT-3.9.3-2]; the connection stays
  };

  const forget = (client: Client): void => {
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
        log.info({ clientId: client.id, username }, 'credentials revoked or replaced: disconnecting');
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
    stats: () => ({ refused }),
  };
}
