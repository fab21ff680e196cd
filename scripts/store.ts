import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { openSqlite } from '../core/sqlite.js';
import { SqliteChanges } from '../core/sqlite-changes.js';
import { systemClock, type Clock } from '../core/time.js';
import type { ScriptParam } from '../protocol/schemas/script.js';
import { RunStore } from './run-store.js';
import type { ScriptFields, ScriptRecord, ScriptVersion } from './types.js';

/** The script library and its runs, in their own file. */
export const SCRIPTS_FILE = 'scripts.db';

/** How often a server looks for changes written by another process, ms (as checks.db and devices.db). */
export const WATCH_INTERVAL_MS = 2_000;

/** Who a built-in's own update is recorded as. */
export const BUILTIN_AUTHOR = 'vigie';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE scripts (
    id          TEXT PRIMARY KEY,
    -- name, description, kind, interpreter, body, params, timeout, interval, hosts, groups (JSON)
    definition  TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    builtin     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT
  );
  -- Every version a script had: what ran is always known (a run names its version).
  CREATE TABLE script_versions (
    script      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    by          TEXT,
    sha256      TEXT NOT NULL,
    interpreter TEXT NOT NULL,
    body        TEXT NOT NULL,
    params      TEXT NOT NULL,
    timeout     INTEGER NOT NULL,
    PRIMARY KEY (script, version)
  );
  CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    script      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    host        TEXT NOT NULL,
    args        TEXT NOT NULL,
    by          TEXT NOT NULL,
    trigger     TEXT NOT NULL,
    rule        TEXT,
    state       TEXT NOT NULL,
    exit        INTEGER,
    signal      TEXT,
    timed_out   INTEGER NOT NULL,
    duration    REAL,
    output      TEXT NOT NULL,
    dropped     INTEGER NOT NULL,
    refusal     TEXT,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX runs_started ON runs (started_at);
  CREATE INDEX runs_host_started ON runs (host, started_at);
  CREATE INDEX runs_script_started ON runs (script, started_at);
  `,
];

/** sha256 (hex) of a body's UTF-8 bytes: what bundles and run grants name. */
export const bodySha256 = (body: string): string => createHash('sha256').update(body, 'utf8').digest('hex');

interface Row {
  id: string;
  definition: string;
  enabled: number;
  builtin: number;
  version: number;
  sha256: string;
  created_at: number;
  updated_at: number;
  updated_by: string | null;
}

type Definition = Omit<ScriptFields, 'id' | 'enabled'>;

/** Whether a change makes a new version: what runs changed (not the name, the hosts or the description). */
export function changesVersion(a: Pick<ScriptFields, 'body' | 'params' | 'interpreter' | 'timeout'>, b: Pick<ScriptFields, 'body' | 'params' | 'interpreter' | 'timeout'>): boolean {
  return a.body !== b.body || a.interpreter !== b.interpreter || a.timeout !== b.timeout || JSON.stringify(a.params) !== JSON.stringify(b.params);
}

/**
 * The script library in `<dataDir>/scripts.db`: scripts, every version of
 * each, and the runs (scripts/run-store.ts). Writers here tell the listeners
 * at once; a write from another process is seen through PRAGMA data_version
 * when `watch` is on (the server), as checks/store.ts does.
 */
export class ScriptStore {
  readonly runs: RunStore;
  private cache: ScriptRecord[] | null = null;
  private readonly changes: SqliteChanges;

  constructor(
    readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {
    this.changes = new SqliteChanges(db, () => {
      this.cache = null;
    });
    this.runs = new RunStore(db);
  }

  static open(dataDir: string, opts: { clock?: Clock; watch?: boolean; watchIntervalMs?: number } = {}): ScriptStore {
    const store = new ScriptStore(openSqlite(join(dataDir, SCRIPTS_FILE), MIGRATIONS), opts.clock);
    if (opts.watch) store.changes.watch(opts.watchIntervalMs ?? WATCH_INTERVAL_MS);
    return store;
  }

  list(): ScriptRecord[] {
    this.changes.sync();
    return this.records().map((r) => structuredClone(r));
  }

  get(id: string): ScriptRecord | null {
    this.changes.sync();
    const found = this.records().find((r) => r.id === id);
    return found ? structuredClone(found) : null;
  }

  /** Called after any change here, or (watched) in another process; returns the function that unsubscribes. */
  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** Adds a script at version 1; 409 when the id is taken. */
  create(fields: ScriptFields, by: string | null, opts: { builtin?: boolean } = {}): ScriptRecord {
    const now = this.clock.now();
    const sha256 = bodySha256(fields.body);
    this.db.transaction(() => {
      if (this.exists(fields.id)) throw new VigieError('VIGIE_ERR_CONFLICT', `id: a script with id ${fields.id} already exists`, [{ field: 'id', message: `already used by another script (${fields.id})` }]);
      this.db
        .prepare('INSERT INTO scripts (id, definition, enabled, builtin, version, sha256, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)')
        .run(fields.id, JSON.stringify(definitionOf(fields)), fields.enabled ? 1 : 0, opts.builtin ? 1 : 0, sha256, now, now, by);
      this.insertVersion(fields, 1, sha256, now, by);
    })();
    this.changes.changed();
    return this.get(fields.id)!;
  }

  /**
   * Replaces a script's fields; a new version when what runs changed
   * (changesVersion). 404 when it does not exist. `bumped` says whether the
   * version changed.
   */
  replace(fields: ScriptFields, by: string | null): { record: ScriptRecord; bumped: boolean } {
    const now = this.clock.now();
    let bumped = false;
    this.db.transaction(() => {
      const current = this.row(fields.id);
      if (!current) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No script with id ${fields.id}`);
      const before = toRecord(current);
      bumped = changesVersion(before, fields);
      const version = bumped ? before.version + 1 : before.version;
      const sha256 = bodySha256(fields.body);
      this.db
        .prepare('UPDATE scripts SET definition = ?, enabled = ?, version = ?, sha256 = ?, updated_at = ?, updated_by = ? WHERE id = ?')
        .run(JSON.stringify(definitionOf(fields)), fields.enabled ? 1 : 0, version, sha256, now, by, fields.id);
      if (bumped) this.insertVersion(fields, version, sha256, now, by);
    })();
    this.changes.changed();
    return { record: this.get(fields.id)!, bumped };
  }

  /** Enables or disables a script (built-ins too); 404 when it does not exist. */
  setEnabled(id: string, enabled: boolean, by: string | null): ScriptRecord {
    const changed = this.db.prepare('UPDATE scripts SET enabled = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(enabled ? 1 : 0, this.clock.now(), by, id).changes;
    if (changed === 0) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No script with id ${id}`);
    this.changes.changed();
    return this.get(id)!;
  }

  /** Deletes a script and its versions (its runs stay, naming it); false when there was none; 409 for a built-in. */
  delete(id: string): boolean {
    const row = this.row(id);
    if (!row) return false;
    if (row.builtin) throw new VigieError('VIGIE_ERR_CONFLICT', `${id} is built into Vigie: it can be disabled, not deleted`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scripts WHERE id = ?').run(id);
      this.db.prepare('DELETE FROM script_versions WHERE script = ?').run(id);
    })();
    this.changes.changed();
    return true;
  }

  /** Every version of a script, newest first (empty when there is no such script). */
  versions(id: string): ScriptVersion[] {
    const rows = this.db.prepare('SELECT version, at, by, sha256, interpreter, body, params, timeout FROM script_versions WHERE script = ? ORDER BY version DESC').all(id) as Array<Omit<ScriptVersion, 'params'> & { params: string }>;
    return rows.map((r) => ({ ...r, params: JSON.parse(r.params) as ScriptParam[] }));
  }

  /**
   * Brings the built-ins to what this Vigie ships: missing ones are added,
   * changed ones get a new version (by `vigie`); an admin's enabled/disabled
   * choice is kept. Returns the ids added or updated.
   */
  seedBuiltins(builtins: readonly ScriptFields[]): string[] {
    const touched: string[] = [];
    for (const shipped of builtins) {
      const current = this.get(shipped.id);
      if (!current) {
        this.create(shipped, BUILTIN_AUTHOR, { builtin: true });
        touched.push(shipped.id);
        continue;
      }
      const wanted: ScriptFields = { ...shipped, enabled: current.enabled };
      if (JSON.stringify(definitionOf(wanted)) === JSON.stringify(definitionOf(current)) && current.builtin) continue;
      if (!current.builtin) this.db.prepare('UPDATE scripts SET builtin = 1 WHERE id = ?').run(shipped.id);
      this.replace(wanted, BUILTIN_AUTHOR);
      touched.push(shipped.id);
    }
    return touched;
  }

  close(): void {
    if (this.changes.isClosed) return;
    this.changes.close();
    this.db.close();
  }

  private insertVersion(fields: ScriptFields, version: number, sha256: string, at: number, by: string | null): void {
    this.db
      .prepare('INSERT INTO script_versions (script, version, at, by, sha256, interpreter, body, params, timeout) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(fields.id, version, at, by, sha256, fields.interpreter, fields.body, JSON.stringify(fields.params), fields.timeout);
  }

  private records(): ScriptRecord[] {
    this.cache ??= (this.db.prepare('SELECT * FROM scripts ORDER BY id').all() as Row[]).map(toRecord);
    return this.cache;
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM scripts WHERE id = ?').get(id) as Row | undefined;
  }

  private exists(id: string): boolean {
    return this.row(id) !== undefined;
  }
}

function definitionOf(fields: ScriptFields): Definition {
  const { id: _id, enabled: _enabled, ...rest } = fields;
  return {
    name: rest.name, description: rest.description, kind: rest.kind, interpreter: rest.interpreter, body: rest.body,
    params: rest.params, timeout: rest.timeout, interval: rest.interval, hosts: rest.hosts, groups: rest.groups,
  };
}

function toRecord(row: Row): ScriptRecord {
  const def = JSON.parse(row.definition) as Definition;
  return {
    id: row.id, ...def, enabled: row.enabled === 1, version: row.version, sha256: row.sha256, builtin: row.builtin === 1,
    createdAt: row.created_at, updatedAt: row.updated_at, updatedBy: row.updated_by,
  };
}
