import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { openSqlite } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';
import { CHECK_LIMITS, type CheckSpec } from '../protocol/schemas/check.js';
import { SqliteChanges } from '../core/sqlite-changes.js';
import type { CheckDefinition } from './definition.js';
import type { CheckCatalog } from './types.js';
import type { CheckFields } from './validate.js';

/** Check definitions live in their own file, apart from metrics and accounts. */
export const CHECKS_FILE = 'checks.db';

/** How often a server looks for changes written by another process (`vigie checks import`), ms. */
export const WATCH_INTERVAL_MS = 2_000;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE checks (
    id          TEXT PRIMARY KEY,
    group_id    INTEGER,
    runners     TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    created_by  TEXT
  );
  CREATE INDEX checks_group ON checks (group_id);
  -- What the config publisher last told each runner: after a restart it still
  -- knows which runners to empty and which retained results to clear.
  CREATE TABLE runner_configs (
    runner  TEXT PRIMARY KEY,
    checks  TEXT NOT NULL
  );
  `,
];

interface Row { id: string; definition: string; created_at: number; updated_at: number; created_by: string | null }

/** One change of an import, applied with the others in one transaction. */
export interface CheckPlan {
  put: CheckFields[];
  delete: string[];
}

/**
 * The check definitions in `<dataDir>/checks.db`. Each definition is kept as
 * the validated JSON (checks/validate.ts fills every default) plus the
 * columns queries need. Writers here call the listeners at once; writes from
 * another process (the CLI) are seen by a PRAGMA data_version poll when
 * `watch` is on (the server).
 */
export class CheckStore implements CheckCatalog {
  private cache: CheckDefinition[] | null = null;
  /** `cache` by id, rebuilt when the cache is. */
  private index: { all: CheckDefinition[]; map: Map<string, CheckDefinition> } | null = null;
  private readonly changes: SqliteChanges;

  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.changes = new SqliteChanges(db, () => {
      this.cache = null;
    });
  }

  static open(dataDir: string, opts: { clock?: Clock; watch?: boolean; watchIntervalMs?: number } = {}): CheckStore {
    const store = new CheckStore(openSqlite(join(dataDir, CHECKS_FILE), MIGRATIONS), opts.clock);
    if (opts.watch) store.changes.watch(opts.watchIntervalMs ?? WATCH_INTERVAL_MS);
    return store;
  }

  list(): CheckDefinition[] {
    this.changes.sync();
    return this.definitions().map((d) => structuredClone(d));
  }

  get(id: string): CheckDefinition | null {
    this.changes.sync();
    const found = this.byId().get(id);
    return found ? structuredClone(found) : null;
  }

  /**
   * Whether `runner` runs `check`: asked by the ingest for every result, so it reads the cache
   * only (no copy, no query). Writes of this process reset the cache at once; another process's
   * (the CLI) are seen by the `watch` poll, as everywhere else in the server.
   */
  runs(runner: string, check: string): boolean {
    return this.byId().get(check)?.runners.includes(runner) ?? false;
  }

  /** The definitions, loaded once per change (shared, never handed out). */
  private definitions(): CheckDefinition[] {
    this.cache ??= (this.db.prepare('SELECT id, definition, created_at, updated_at, created_by FROM checks ORDER BY id').all() as Row[]).map(toDefinition);
    return this.cache;
  }

  private byId(): Map<string, CheckDefinition> {
    const all = this.definitions();
    if (this.index?.all !== all) this.index = { all, map: new Map(all.map((d) => [d.id, d])) };
    return this.index.map;
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** Adds a check; 409 when the id is taken. */
  create(fields: CheckFields, by: string | null): CheckDefinition {
    this.applyPlan({ put: [fields], delete: [] }, by, { createOnly: true });
    return this.get(fields.id)!;
  }

  /** Replaces a check's fields (its creation stays); 404 when it does not exist. */
  replace(fields: CheckFields, by: string | null): CheckDefinition {
    if (!this.exists(fields.id)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No check with id ${fields.id}`);
    this.applyPlan({ put: [fields], delete: [] }, by);
    return this.get(fields.id)!;
  }

  /** Removes a check; false when there was none. */
  delete(id: string): boolean {
    if (!this.exists(id)) return false;
    this.applyPlan({ put: [], delete: [id] }, null);
    return true;
  }

  /** Applies creates, replacements and deletions at once: all or nothing (an import). */
  apply(plan: CheckPlan, by: string | null): void {
    if (plan.put.length === 0 && plan.delete.length === 0) return;
    this.applyPlan(plan, by);
  }

  /** What the config publisher last sent each runner. */
  publishedConfigs(): Map<string, CheckSpec[]> {
    const rows = this.db.prepare('SELECT runner, checks FROM runner_configs').all() as { runner: string; checks: string }[];
    return new Map(rows.map((r) => [r.runner, JSON.parse(r.checks) as CheckSpec[]]));
  }

  /** Remembers what a runner was sent; an empty list forgets the runner. */
  savePublished(runner: string, checks: CheckSpec[]): void {
    if (this.changes.isClosed) return;
    if (checks.length === 0) this.db.prepare('DELETE FROM runner_configs WHERE runner = ?').run(runner);
    else this.db.prepare('INSERT INTO runner_configs (runner, checks) VALUES (?, ?) ON CONFLICT (runner) DO UPDATE SET checks = excluded.checks').run(runner, JSON.stringify(checks));
  }

  close(): void {
    if (this.changes.isClosed) return;
    this.changes.close();
    this.db.close();
  }

  private applyPlan(plan: CheckPlan, by: string | null, opts: { createOnly?: boolean } = {}): void {
    const now = this.clock.now();
    this.db.transaction(() => {
      const existing = this.db.prepare('SELECT created_at, created_by FROM checks WHERE id = ?');
      const upsert = this.db.prepare(
        `INSERT INTO checks (id, group_id, runners, definition, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id, runners = excluded.runners, definition = excluded.definition, updated_at = excluded.updated_at`,
      );
      const del = this.db.prepare('DELETE FROM checks WHERE id = ?');
      for (const id of plan.delete) del.run(id);
      for (const fields of plan.put) {
        if (opts.createOnly && existing.get(fields.id)) throw new VigieError('VIGIE_ERR_CONFLICT', `id: a check with id ${fields.id} already exists`, [{ field: 'id', message: `already used by another check (${fields.id})` }]);
        upsert.run(fields.id, fields.groupId, JSON.stringify(fields.runners), JSON.stringify(fields), now, now, by);
      }
      this.checkRunnerLoad(new Set(plan.put.flatMap((f) => f.runners)));
    })();
    this.changes.changed();
  }

  /** A runner takes at most CHECK_LIMITS.perRunner checks (its config payload's bound). */
  private checkRunnerLoad(runners: Set<string>): void {
    const count = this.db.prepare('SELECT COUNT(*) FROM checks, json_each(checks.runners) WHERE json_each.value = ?').pluck();
    for (const runner of runners) {
      const n = count.get(runner) as number;
      if (n > CHECK_LIMITS.perRunner) {
        throw new VigieError('VIGIE_ERR_BAD_REQUEST', `runners: ${runner} would run ${n} checks; one runner runs at most ${CHECK_LIMITS.perRunner}`, [{ field: 'runners', message: `${runner} would run ${n} checks; one runner runs at most ${CHECK_LIMITS.perRunner}` }]);
      }
    }
  }

  private exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM checks WHERE id = ?').get(id) !== undefined;
  }
}

function toDefinition(row: Row): CheckDefinition {
  const fields = JSON.parse(row.definition) as CheckFields;
  // The row's bookkeeping wins: an upsert keeps created_* and the JSON carries none.
  return { ...fields, createdAt: row.created_at, updatedAt: row.updated_at, createdBy: row.created_by };
}
