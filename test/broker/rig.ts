/** A real broker checking credentials in a real accounts.db, with its log lines captured. */
import { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { createBrokerAuthenticator, type BrokerAuthenticator } from '../../accounts/broker-authenticator.js';
import { openAccountsDatabase } from '../../accounts/database.js';
import { MqttCredentialStore } from '../../accounts/mqtt-credentials.js';
import type { BrokerConfig } from '../../broker/config.js';
import type { BrokerHandle } from '../../broker/index.js';
import { tempDir } from '../helpers/env.js';
import { connectClient, startTestBroker } from '../helpers/mqtt.js';

export interface AuthRig {
  broker: BrokerHandle;
  store: MqttCredentialStore;
  auth: BrokerAuthenticator;
  /** The broker's log lines (warn and above), parsed. */
  logged: Array<Record<string, unknown>>;
  /** Connects and resolves on CONNACK; the client is ended by close(). */
  connect(opts: IClientOptions): Promise<MqttClient>;
  /** The CONNACK refusal message, or 'connected'. */
  refusal(opts: IClientOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthRig(overrides: Partial<BrokerConfig> = {}): Promise<AuthRig> {
  const dir = tempDir();
  const db = openAccountsDatabase(dir.path);
  const store = new MqttCredentialStore(db);
  const auth = createBrokerAuthenticator({ store, pollMs: 50 });
  const logged: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'warn', base: undefined },
    new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }),
  );
  const broker = await startTestBroker({ allowAnonymous: false, ...overrides }, { authenticator: auth, log });
  const clients: MqttClient[] = [];
  return {
    broker,
    store,
    auth,
    logged,
    connect: async (opts) => {
      const client = await connectClient(broker.url, opts);
      clients.push(client);
      return client;
    },
    refusal: (opts) =>
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts }).then(
        (c) => (clients.push(c), c.end(true), 'connected'),
        (e: Error) => e.message,
      ),
    close: async () => {
      for (const c of clients) c.end(true);
      await broker.close();
      auth.close();
      db.close();
      dir.remove();
    },
  };
}

/** Resolves when `client` closes (at once if it is not connected). */
export const closed = (client: MqttClient): Promise<void> => new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
