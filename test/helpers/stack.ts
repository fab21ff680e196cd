import { openAccountsDatabase } from '../../accounts/database.js';
import { openAccounts } from '../../accounts/index.js';
import type { Role as UserRole } from '../../accounts/rules.js';
import { MqttCredentialStore, type CredentialSubject } from '../../accounts/mqtt-credentials.js';
import { loadConfig, type VigieConfig } from '../../cli/config.js';
import { startStack, type Role, type Stack } from '../../cli/stack.js';
import { ApiClient } from './api-client.js';
import { tempDir } from './env.js';

export interface TestStack {
  stack: Stack;
  config: VigieConfig;
  /** http://127.0.0.1:<port> of the dashboard / WebSocket server, when the role has one. */
  httpUrl: string;
  /** mqtt://127.0.0.1:<port> of the embedded broker, when the role has one. */
  mqttUrl: string;
  dataDir: string;
  /** Closes the stack and removes the temporary data dir unless it was given. */
  close(): Promise<void>;
}

/**
 * Starts a role of the real `vigie` wiring (cli/stack.ts) on free loopback
 * ports with a temporary data dir. `set` overrides config keys by dotted path.
 */
export async function startTestStack(role: Role, opts: { dataDir?: string; set?: Record<string, string> } = {}): Promise<TestStack> {
  const dir = opts.dataDir ? undefined : tempDir();
  const dataDir = opts.dataDir ?? dir!.path;
  const loaded = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'http.host': '127.0.0.1',
      'http.port': '0',
      'broker.host': '127.0.0.1',
      'broker.port': '0',
      'agent.interval': '1',
      'ingest.flushInterval': '0.1',
      // VIGIE_TEST_LOG=debug shows the stack's log when a suite needs looking into.
      'log.level': process.env.VIGIE_TEST_LOG ?? 'silent',
      ...opts.set,
    },
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const stack = await startStack(role, loaded.value);
  return {
    stack,
    config: loaded.value,
    httpUrl: stack.http?.url ?? '',
    mqttUrl: stack.broker ? `mqtt://127.0.0.1:${stack.broker.port}` : '',
    dataDir,
    close: async () => {
      await stack.close();
      dir?.remove();
    },
  };
}

/** GET a JSON endpoint, signed in as `as` when given; returns the HTTP status and the parsed body. */
export async function getJson<T = unknown>(url: string, as?: ApiClient): Promise<{ status: number; body: T }> {
  const res = await fetch(url, as ? { headers: { cookie: as.cookieHeader() } } : {});
  return { status: res.status, body: (await res.json()) as T };
}

/** Creates MQTT credentials in a data dir's accounts.db, as `vigie credentials add` does. */
export function addCredentials(dataDir: string, subject: CredentialSubject): { username: string; password: string } {
  const db = openAccountsDatabase(dataDir);
  try {
    return new MqttCredentialStore(db).add(subject);
  } finally {
    db.close();
  }
}

/** Creates a dashboard user in a data dir's accounts.db, as `vigie user add` does; the password is `<name>-password-1`. */
export async function addUser(dataDir: string, name: string, role: UserRole = 'viewer'): Promise<{ id: number; name: string; password: string }> {
  const accounts = openAccounts(dataDir);
  try {
    const password = `${name}-password-1`;
    const user = await accounts.users.create({ name, password, role });
    return { id: user.id, name: user.name, password };
  } finally {
    accounts.close();
  }
}

/** Signs in as a new admin of the stack in `dataDir`. */
export async function adminClient(url: string, dataDir: string, name = 'admin'): Promise<ApiClient> {
  const admin = await addUser(dataDir, name, 'admin');
  return ApiClient.signIn(url, admin.name, admin.password);
}
