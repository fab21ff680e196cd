import type { Database, Statement } from 'better-sqlite3';
import type { Principal } from '../broker/acl.js';
import { mosquittoHash } from '../broker/mosquitto/password-hash.js';
import { generateSecret, hashSecret, verifySecret } from '../core/secrets.js';
import type { Clock } from '../core/time.js';
import { systemClock } from '../core/time.js';
import { isHostId } from '../protocol/host-id.js';
import { agentUsername, legacyAlias, serviceUsername } from '../protocol/usernames.js';

export type ServiceRole = 'ingest' | 'reader';

/** What an admin asks for: credentials for one host's agent, or for a service. */
export type CredentialSubject = { kind: 'agent'; host: string } | { kind: 'service'; role: ServiceRole; name?: string };

export interface CredentialInfo {
  username: string;
  principal: Principal;
  createdAt: number;
  revokedAt: number | null;
  /** Mosquitto's `$7$` hash of the secret; null for credentials made before Vigie kept one (rotate them). */
  mosquittoHash: string | null;
}

interface Row {
  username: string;
  kind: 'agent' | 'service';
  host: string | null;
  role: ServiceRole | null;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  mosquitto_hash: string | null;
}

/** `agent-<host>` or `service-<name>` (protocol/usernames.ts says why no `:`). */
export function usernameFor(subject: CredentialSubject): string {
  return subject.kind === 'agent' ? agentUsername(subject.host) : serviceUsername(subject.name ?? subject.role);
}

export { legacyAlias };

/** The stored username that `username` (current or legacy form) stands for. */
export function canonicalUsername(username: string): string {
  return legacyAlias(username) ?? username;
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function principalOf(row: Row): Principal {
  return row.kind === 'agent' ? { kind: 'agent', host: row.host! } : { kind: 'service', role: row.role! };
}

/**
 * MQTT credentials, stored hashed (a generated 256-bit secret and its
 * SHA-256, see core/secrets.ts). The password is shown once, when created.
 * Adding credentials for a subject that has some replaces them (rotation).
 */
export class MqttCredentialStore {
  private readonly insert: Statement<[string, string, string | null, string | null, string, number, string]>;
  private readonly byName: Statement<[string], Row>;
  private readonly all: Statement<[], Row>;
  private readonly revokeStmt: Statement<[number, string]>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.insert = db.prepare(
      'INSERT OR REPLACE INTO mqtt_credentials (username, kind, host, role, secret_hash, created_at, revoked_at, mosquitto_hash) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)',
    );
    this.byName = db.prepare('SELECT * FROM mqtt_credentials WHERE username = ?');
    this.all = db.prepare('SELECT * FROM mqtt_credentials ORDER BY username');
    this.revokeStmt = db.prepare('UPDATE mqtt_credentials SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL');
  }

  /**
   * Creates (or replaces) credentials; returns the password, which is not
   * kept anywhere: only its SHA-256 (for the embedded broker) and its
   * Mosquitto `$7$` hash (for `vigie mosquitto`'s password file).
   */
  add(subject: CredentialSubject): { username: string; password: string } {
    if (subject.kind === 'agent' && !isHostId(subject.host)) {
      throw new TypeError(`host: "${subject.host}" is not a host id (expected [a-z0-9][a-z0-9._-]{0,62})`);
    }
    if (subject.kind === 'service' && subject.name !== undefined && !SERVICE_NAME.test(subject.name)) {
      throw new TypeError(`name: "${subject.name}" is not a service name (expected [a-z0-9][a-z0-9._-]{0,62})`);
    }
    const username = usernameFor(subject);
    const password = generateSecret();
    this.insert.run(
      username,
      subject.kind,
      subject.kind === 'agent' ? subject.host : null,
      subject.kind === 'service' ? subject.role : null,
      hashSecret(password),
      this.clock.now(),
      mosquittoHash(password),
    );
    return { username, password };
  }

  /** The principal these credentials stand for; null when unknown, revoked or wrong. */
  verify(username: string, password: string): Principal | null {
    const row = this.byName.get(canonicalUsername(username));
    if (!row || row.revoked_at !== null) return null;
    return verifySecret(password, row.secret_hash) ? principalOf(row) : null;
  }

  /** Changes when the credentials of `username` are replaced; null when unknown or revoked. */
  stamp(username: string): string | null {
    const row = this.byName.get(canonicalUsername(username));
    return row && row.revoked_at === null ? String(row.created_at) + row.secret_hash.slice(-8) : null;
  }

  /** Revokes (the current or the legacy name); true if something was revoked. */
  revoke(username: string): boolean {
    return this.revokeStmt.run(this.clock.now(), canonicalUsername(username)).changes > 0;
  }

  /** Deletes the record, revoked or not (the host is removed: nothing of it stays listed); true if one existed. */
  forget(username: string): boolean {
    return this.db.prepare('DELETE FROM mqtt_credentials WHERE username = ?').run(canonicalUsername(username)).changes > 0;
  }

  list(): CredentialInfo[] {
    return this.all.all().map((row) => ({ username: row.username, principal: principalOf(row), createdAt: row.created_at, revokedAt: row.revoked_at, mosquittoHash: row.mosquitto_hash }));
  }

  /** Changes whenever another connection (another process) commits to the file: cheap to poll. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
