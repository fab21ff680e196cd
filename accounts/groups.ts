import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { prepared } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';
import { checkName } from './rules.js';
import { valid } from './users.js';

/** A group of users (a class, a team) that hosts can be shared with. */
export interface Group {
  id: number;
  name: string;
  /** User ids. */
  members: number[];
  /** Host ids shared with the group. */
  hosts: string[];
}

/** Groups and their members in accounts.db. */
export class GroupStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  list(): Group[] {
    const rows = this.db.prepare('SELECT id, name FROM groups ORDER BY name COLLATE NOCASE').all() as { id: number; name: string }[];
    const members = this.multimap('SELECT group_id AS k, user_id AS v FROM group_members ORDER BY user_id');
    const hosts = this.multimap('SELECT group_id AS k, host AS v FROM host_groups ORDER BY host');
    return rows.map((r) => ({ id: r.id, name: r.name, members: (members.get(r.id) ?? []) as number[], hosts: (hosts.get(r.id) ?? []) as string[] }));
  }

  /** Names of the groups a host is shared with, by id order. */
  namesOfHost(host: string): string[] {
    return (prepared(this.db, 'SELECT g.name FROM host_groups hg JOIN groups g ON g.id = hg.group_id WHERE hg.host = ? ORDER BY g.id').all(host) as Array<{ name: string }>).map((r) => r.name);
  }

  get(id: number): Group | null {
    return this.list().find((g) => g.id === id) ?? null;
  }

  create(rawName: string): Group {
    const name = valid(checkName('name', rawName));
    this.assertNameFree(name);
    const id = Number(this.db.prepare('INSERT INTO groups (name, created_at) VALUES (?, ?)').run(name, this.clock.now()).lastInsertRowid);
    return this.get(id)!;
  }

  update(id: number, changes: { name?: string; members?: number[] }): Group {
    const group = this.require(id);
    const name = changes.name !== undefined ? valid(checkName('name', changes.name)) : undefined;
    this.db.transaction(() => {
      if (name !== undefined && name.toLowerCase() !== group.name.toLowerCase()) this.assertNameFree(name);
      if (name !== undefined) this.db.prepare('UPDATE groups SET name = ? WHERE id = ?').run(name, id);
      if (changes.members !== undefined) this.setMembers(id, changes.members);
    })();
    return this.get(id)!;
  }

  delete(id: number): void {
    this.require(id);
    this.db.prepare('DELETE FROM groups WHERE id = ?').run(id);
  }

  /** Puts a user in exactly these groups. */
  setGroupsOf(userId: number, groupIds: number[]): void {
    this.db.transaction(() => {
      for (const g of groupIds) this.require(g);
      this.db.prepare('DELETE FROM group_members WHERE user_id = ?').run(userId);
      const add = this.db.prepare('INSERT INTO group_members (group_id, user_id) VALUES (?, ?)');
      for (const g of new Set(groupIds)) add.run(g, userId);
    })();
  }

  require(id: number): Group {
    const group = this.get(id);
    if (!group) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `groups: no group with id ${id}`);
    return group;
  }

  private setMembers(groupId: number, userIds: number[]): void {
    const exists = this.db.prepare('SELECT 1 FROM users WHERE id = ?');
    for (const u of userIds) if (!exists.get(u)) throw new VigieError('VIGIE_ERR_BAD_REQUEST', `members: no user with id ${u}`);
    this.db.prepare('DELETE FROM group_members WHERE group_id = ?').run(groupId);
    const add = this.db.prepare('INSERT INTO group_members (group_id, user_id) VALUES (?, ?)');
    for (const u of new Set(userIds)) add.run(groupId, u);
  }

  private assertNameFree(name: string): void {
    if (this.db.prepare('SELECT 1 FROM groups WHERE name = ?').get(name)) throw new VigieError('VIGIE_ERR_CONFLICT', `name: a group named "${name}" exists`);
  }

  private multimap(sql: string): Map<number, Array<number | string>> {
    const out = new Map<number, Array<number | string>>();
    for (const { k, v } of this.db.prepare(sql).all() as { k: number; v: number | string }[]) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  }
}
