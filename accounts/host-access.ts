import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { checkName } from './rules.js';
import type { User } from './users.js';
import { valid } from './users.js';

/** Who may see one host, and its display label. */
export interface HostAccessEntry {
  host: string;
  label: string | null;
  /** User id of the owner, or null (then only admins and shared groups see it). */
  owner: number | null;
  /** Group ids the host is shared with. */
  groups: number[];
}

/**
 * Host ownership and sharing, and the one question everything asks: may this
 * user see this host? Admins see every host; others see the hosts they own
 * and those shared with one of their groups.
 *
 * Answers are cached per user and dropped whenever accounts.db changes, in
 * this process (total_changes) or another (data_version), so the per-sample
 * Socket.IO path costs two pragmas and a Set lookup.
 */
export class HostAccessStore {
  private cache = new Map<number, Set<string>>();
  private stamp = '';
  private readonly changes;
  private readonly visibleQuery;
  private readonly labelQuery;
  // Asked on every host request (history, alerts): prepared once.
  private readonly accessQuery;
  private readonly groupsQuery;

  constructor(private readonly db: Database) {
    this.accessQuery = db.prepare<[string], { owner_id: number | null; label: string | null }>('SELECT owner_id, label FROM host_access WHERE host = ?');
    this.groupsQuery = db.prepare<[string], number>('SELECT group_id FROM host_groups WHERE host = ? ORDER BY group_id').pluck();
    this.labelQuery = db.prepare('SELECT label FROM host_access WHERE host = ?').pluck();
    this.changes = db.prepare('SELECT total_changes() AS n').pluck();
    this.visibleQuery = db
      .prepare(
        `SELECT host FROM host_access WHERE owner_id = ?
         UNION SELECT hg.host FROM host_groups hg JOIN group_members gm ON gm.group_id = hg.group_id WHERE gm.user_id = ?`,
      )
      .pluck();
  }

  get(host: string): HostAccessEntry {
    const row = this.accessQuery.get(host);
    const groups = this.groupsQuery.all(host);
    return { host, label: row?.label ?? null, owner: row?.owner_id ?? null, groups };
  }

  /** Every host with an owner, a label or a group. */
  list(): HostAccessEntry[] {
    const hosts = this.db.prepare('SELECT host FROM host_access UNION SELECT host FROM host_groups ORDER BY host').all() as { host: string }[];
    return hosts.map((r) => this.get(r.host));
  }

  labelOf(host: string): string | null {
    return (this.labelQuery.get(host) as string | undefined) ?? null;
  }

  /** Labels of every labelled host (for lists). */
  labels(): Map<string, string> {
    const rows = this.db.prepare('SELECT host, label FROM host_access WHERE label IS NOT NULL').all() as { host: string; label: string }[];
    return new Map(rows.map((r) => [r.host, r.label]));
  }

  setAccess(host: string, access: { owner: number | null; groups: number[] }): HostAccessEntry {
    this.db.transaction(() => {
      if (access.owner !== null && !this.db.prepare('SELECT 1 FROM users WHERE id = ?').get(access.owner)) {
        throw new VigieError('VIGIE_ERR_BAD_REQUEST', `owner: no user with id ${access.owner}`);
      }
      for (const g of access.groups) {
        if (!this.db.prepare('SELECT 1 FROM groups WHERE id = ?').get(g)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `groups: no group with id ${g}`);
      }
      this.db.prepare('INSERT INTO host_access (host, owner_id) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET owner_id = excluded.owner_id').run(host, access.owner);
      this.db.prepare('DELETE FROM host_groups WHERE host = ?').run(host);
      const add = this.db.prepare('INSERT INTO host_groups (host, group_id) VALUES (?, ?)');
      for (const g of new Set(access.groups)) add.run(host, g);
    })();
    return this.get(host);
  }

  setLabel(host: string, label: string | null): HostAccessEntry {
    const value = label === null || label.trim() === '' ? null : valid(checkName('label', label));
    this.db.prepare('INSERT INTO host_access (host, label) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET label = excluded.label').run(host, value);
    return this.get(host);
  }

  /** Forgets a host's access rules (the host was removed). */
  remove(host: string): void {
    this.db.prepare('DELETE FROM host_access WHERE host = ?').run(host);
    this.db.prepare('DELETE FROM host_groups WHERE host = ?').run(host);
  }

  canSee(user: Pick<User, 'id' | 'role'>, host: string): boolean {
    return user.role === 'admin' || this.visible(user.id).has(host);
  }

  /** The same question for many hosts (a list, a sweep): the user's hosts are looked up once. */
  visibilityOf(user: Pick<User, 'id' | 'role'>): (host: string) => boolean {
    if (user.role === 'admin') return () => true;
    const hosts = this.visible(user.id);
    return (host) => hosts.has(host);
  }

  /** The hosts a non-admin user sees (admins see all: check the role first). */
  visible(userId: number): ReadonlySet<string> {
    const stamp = `${this.db.pragma('data_version', { simple: true })}:${this.changes.get()}`;
    if (stamp !== this.stamp) {
      this.cache = new Map();
      this.stamp = stamp;
    }
    let hosts = this.cache.get(userId);
    if (!hosts) {
      hosts = new Set(this.visibleQuery.all(userId, userId) as string[]);
      this.cache.set(userId, hosts);
    }
    return hosts;
  }
}
