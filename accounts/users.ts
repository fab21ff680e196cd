import type { Database, Statement } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { hashPassword, verifyPassword } from '../core/secrets.js';
import { systemClock, type Clock } from '../core/time.js';
import { checkName, checkPassword, isRole, ROLES, type Role } from './rules.js';

/** A dashboard user as the API shows it: never the password hash. */
export interface User {
  id: number;
  name: string;
  role: Role;
  /** Ids of the groups the user belongs to. */
  groups: number[];
  createdAt: number;
  lastLoginAt: number | null;
  /** While in the future, logins are refused (see login-throttle.ts). */
  lockedUntil: number | null;
}

interface Row {
  id: number;
  name: string;
  role: Role;
  password_hash: string;
  created_at: number;
  last_login_at: number | null;
  failed_logins: number;
  locked_until: number | null;
}

// A real hash to compare against when the name is unknown, so a login for a
// missing account costs as much as one for an existing account.
let decoyHash: Promise<string> | undefined;

/**
 * Users in accounts.db. Validation lives here, so the API and the CLI refuse
 * the same things with the same messages (VigieError, code BAD_REQUEST or
 * CONFLICT).
 */
export class UserStore {
  private readonly stmt: {
    insert: Statement<[string, Role, string, number]>;
    byId: Statement<[number], Row>;
    byName: Statement<[string], Row>;
    all: Statement<[], Row>;
    groupsOf: Statement<[number], { group_id: number }>;
    allMemberships: Statement<[], { group_id: number; user_id: number }>;
    count: Statement<[], { n: number }>;
    admins: Statement<[], { n: number }>;
  };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.stmt = {
      insert: db.prepare('INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)'),
      byId: db.prepare('SELECT * FROM users WHERE id = ?'),
      byName: db.prepare('SELECT * FROM users WHERE name = ?'),
      all: db.prepare('SELECT * FROM users ORDER BY name COLLATE NOCASE'),
      groupsOf: db.prepare('SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id'),
      allMemberships: db.prepare('SELECT group_id, user_id FROM group_members ORDER BY group_id'),
      count: db.prepare('SELECT count(*) AS n FROM users'),
      admins: db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'"),
    };
  }

  count(): number {
    return this.stmt.count.get()!.n;
  }

  async create(input: { name: string; password: string; role: Role }): Promise<User> {
    const name = valid(checkName('name', input.name));
    valid(checkPassword('password', input.password));
    if (!isRole(input.role)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `role: expected one of ${ROLES.join(', ')}`);
    const hash = await hashPassword(input.password);
    this.assertNameFree(name);
    const id = Number(this.stmt.insert.run(name, input.role, hash, this.clock.now()).lastInsertRowid);
    return this.get(id)!;
  }

  get(id: number): User | null {
    const row = this.stmt.byId.get(id);
    return row ? this.toUser(row, this.stmt.groupsOf.all(row.id).map((g) => g.group_id)) : null;
  }

  findByName(name: string): User | null {
    const row = this.stmt.byName.get(name.normalize('NFC').trim());
    return row ? this.get(row.id) : null;
  }

  list(): User[] {
    const groups = new Map<number, number[]>();
    for (const m of this.stmt.allMemberships.all()) groups.set(m.user_id, [...(groups.get(m.user_id) ?? []), m.group_id]);
    return this.stmt.all.all().map((row) => this.toUser(row, groups.get(row.id) ?? []));
  }

  /**
   * Checks a name and password. Returns the user or null; the caller decides
   * about locks (login-throttle.ts). Unknown names cost one hash too.
   */
  async verify(name: string, password: string): Promise<User | null> {
    const row = this.stmt.byName.get(name.normalize('NFC').trim());
    if (!row) {
      decoyHash ??= hashPassword('decoy password, never matches');
      await verifyPassword(password, await decoyHash);
      return null;
    }
    return (await verifyPassword(password, row.password_hash)) ? this.get(row.id) : null;
  }

  /** Checks the password of a known user (changing one's own settings asks for it). */
  async checkPassword(id: number, password: string): Promise<boolean> {
    const row = this.stmt.byId.get(id);
    return row ? verifyPassword(password, row.password_hash) : false;
  }

  async update(id: number, changes: { name?: string; role?: Role; password?: string }): Promise<User> {
    const user = this.require(id);
    const name = changes.name !== undefined ? valid(checkName('name', changes.name)) : undefined;
    if (changes.password !== undefined) valid(checkPassword('password', changes.password));
    if (changes.role !== undefined && !isRole(changes.role)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `role: expected one of ${ROLES.join(', ')}`);
    if (changes.role !== undefined && changes.role !== 'admin' && user.role === 'admin') this.assertAnotherAdmin();
    const hash = changes.password !== undefined ? await hashPassword(changes.password) : undefined;
    this.db.transaction(() => {
      if (name !== undefined && name.toLowerCase() !== user.name.toLowerCase()) this.assertNameFree(name);
      if (name !== undefined) this.db.prepare('UPDATE users SET name = ? WHERE id = ?').run(name, id);
      if (changes.role !== undefined) this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(changes.role, id);
      if (hash !== undefined) this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id);
    })();
    return this.get(id)!;
  }

  /** Deletes a user; their sessions, tokens and memberships go with them (foreign keys). */
  delete(id: number): void {
    const user = this.require(id);
    if (user.role === 'admin') this.assertAnotherAdmin();
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }

  /** A failed login: returns the number of consecutive failures. */
  recordFailure(id: number): number {
    return (this.db.prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins').get(id) as { failed_logins: number } | undefined)?.failed_logins ?? 0;
  }

  failures(id: number): number {
    return this.stmt.byId.get(id)?.failed_logins ?? 0;
  }

  recordSuccess(id: number): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?').run(this.clock.now(), id);
  }

  lock(id: number, until: number): void {
    this.db.prepare('UPDATE users SET locked_until = ? WHERE id = ?').run(until, id);
  }

  unlock(id: number): User {
    this.require(id);
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(id);
    return this.get(id)!;
  }

  require(id: number): User {
    const user = this.get(id);
    if (!user) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No user with id ${id}`);
    return user;
  }

  private assertNameFree(name: string): void {
    if (this.stmt.byName.get(name)) throw new VigieError('VIGIE_ERR_CONFLICT', `name: "${name}" is already taken`);
  }

  private assertAnotherAdmin(): void {
    if (this.stmt.admins.get()!.n <= 1) throw new VigieError('VIGIE_ERR_CONFLICT', 'role: this is the last admin; make another user admin first');
  }

  private toUser(row: Row, groups: number[]): User {
    const locked = row.locked_until !== null && row.locked_until > this.clock.now() ? row.locked_until : null;
    return { id: row.id, name: row.name, role: row.role, groups, createdAt: row.created_at, lastLoginAt: row.last_login_at, lockedUntil: locked };
  }
}

/** The value of a Result, or a 400 VigieError with its message. */
export function valid<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new VigieError('VIGIE_ERR_BAD_REQUEST', result.error);
  return result.value;
}
