import type { Database } from 'better-sqlite3';
import type { Clock } from '../core/time.js';
import { ApiTokenStore } from './api-tokens.js';
import { openAccountsDatabase } from './database.js';
import { GroupStore } from './groups.js';
import { HostAccessStore } from './host-access.js';
import { MqttCredentialStore } from './mqtt-credentials.js';
import { SessionStore, type SessionPolicy } from './sessions.js';
import { UserStore } from './users.js';

/** Everything in accounts.db, on one connection: users, sessions, groups, host access, API tokens, MQTT credentials. */
export interface Accounts {
  db: Database;
  users: UserStore;
  sessions: SessionStore;
  groups: GroupStore;
  hostAccess: HostAccessStore;
  tokens: ApiTokenStore;
  credentials: MqttCredentialStore;
  close(): void;
}

export function openAccounts(dataDir: string, opts: { clock?: Clock; sessions?: SessionPolicy } = {}): Accounts {
  const db = openAccountsDatabase(dataDir);
  return {
    db,
    users: new UserStore(db, opts.clock),
    sessions: new SessionStore(db, opts.sessions, opts.clock),
    groups: new GroupStore(db, opts.clock),
    hostAccess: new HostAccessStore(db),
    tokens: new ApiTokenStore(db, opts.clock),
    credentials: new MqttCredentialStore(db, opts.clock),
    close: () => db.close(),
  };
}
