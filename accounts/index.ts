import type { Database } from 'better-sqlite3';
import type { Clock } from '../core/time.js';
import { ApiTokenStore } from './api-tokens.js';
import { openAccountsDatabase } from './database.js';
import { EnrollmentTokenStore } from './enrollment-tokens.js';
import { GroupStore } from './groups.js';
import { HostAccessStore } from './host-access.js';
import { MqttCredentialStore } from './mqtt-credentials.js';
import { SessionStore, type SessionPolicy } from './sessions.js';
import { UserStore } from './users.js';

/** Everything in accounts.db, on one connection: users, sessions, groups, host access, API tokens, MQTT credentials, enrollment tokens. */
export interface Accounts {
  db: Database;
  users: UserStore;
  sessions: SessionStore;
  groups: GroupStore;
  hostAccess: HostAccessStore;
  tokens: ApiTokenStore;
  credentials: MqttCredentialStore;
  enrollmentTokens: EnrollmentTokenStore;
  close(): void;
}

export function openAccounts(dataDir: string, opts: { clock?: Clock; sessions?: SessionPolicy } = {}): Accounts {
  const db = openAccountsDatabase(dataDir);
  const hostAccess = new HostAccessStore(db);
  const credentials = new MqttCredentialStore(db, opts.clock);
  return {
    db,
    users: new UserStore(db, opts.clock),
    sessions: new SessionStore(db, opts.sessions, opts.clock),
    groups: new GroupStore(db, opts.clock),
    hostAccess,
    tokens: new ApiTokenStore(db, opts.clock),
    credentials,
    enrollmentTokens: new EnrollmentTokenStore(db, credentials, hostAccess, opts.clock),
    close: () => db.close(),
  };
}
