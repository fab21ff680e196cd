import type { Principal } from '../broker/acl.js';
import type { Authenticator } from '../broker/auth.js';
import { generateSecret, hashSecret, verifySecret } from '../core/secrets.js';
import type { MqttCredentialStore } from './mqtt-credentials.js';

export interface BrokerAuthenticator extends Authenticator {
  /**
   * Credentials that live only in this process, for the parts `vigie up`
   * runs beside the broker (the ingest, the local agent): nothing to store,
   * nothing to leak, new at every start. Usernames are `local:<name>`.
   */
  addLocal(name: string, principal: Principal): { username: string; password: string };
  /** Tells the broker to re-check connected clients (after a change made through this process's own connection). */
  notifyChanged(): void;
  close(): void;
}

/**
 * The broker's authenticator: the credential store (accounts.db), plus the
 * in-process credentials of `vigie up`. Changes made by another process (the
 * `vigie credentials revoke` command) are noticed by polling SQLite's
 * `data_version`, which moves only when another connection commits.
 */
export function createBrokerAuthenticator(opts: { store?: MqttCredentialStore; pollMs?: number }): BrokerAuthenticator {
  const local = new Map<string, { hash: string; principal: Principal }>();
  const listeners = new Set<() => void>();
  let version = opts.store?.dataVersion();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  const timer = opts.store
    ? setInterval(() => {
        const now = opts.store!.dataVersion();
        if (now !== version) {
          version = now;
          notify();
        }
      }, opts.pollMs ?? 1000)
    : undefined;
  timer?.unref();

  return {
    authenticate(username, password) {
      const entry = local.get(username);
      if (entry) return verifySecret(password, entry.hash) ? entry.principal : null;
      return opts.store?.verify(username, password) ?? null;
    },
    stamp(username) {
      if (local.has(username)) return 'local';
      return opts.store?.stamp(username) ?? null;
    },
    inProcess: (username) => local.has(username),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    addLocal(name, principal) {
      const username = `local:${name}`;
      const password = generateSecret();
      local.set(username, { hash: hashSecret(password), principal });
      return { username, password };
    },
    notifyChanged: notify,
    close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
