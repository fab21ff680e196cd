import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { VigieError } from '../core/errors.js';
import { openSecretBox, type SecretBox } from '../core/secret-box.js';
import { openSqlite } from '../core/sqlite.js';
import { systemClock, type Clock } from '../core/time.js';
import { SqliteChanges } from '../core/sqlite-changes.js';
import type { SnmpCredentials } from '../protocol/schemas/device.js';
import { DEVICE_LIMITS, MAX_DEVICES, secretsOf, type DeviceDefinition, type DeviceFields, type SecretField } from './definition.js';
import type { DeviceCatalog } from './types.js';

/** Device definitions live in their own file, apart from checks and accounts. */
export const DEVICES_FILE = 'devices.db';

/** How often a server looks for changes written by another process (`vigie devices add`), ms. */
export const WATCH_INTERVAL_MS = 2_000;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    poller      TEXT NOT NULL,
    -- The fields without the secrets: readable, never sensitive.
    definition  TEXT NOT NULL,
    -- The secrets as one sealed JSON object (core/secret-box.ts), bound to the id.
    secrets     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    created_by  TEXT
  );
  CREATE INDEX devices_poller ON devices (poller);
  -- Devices deleted whose host (history, retained topics, alerts) the server
  -- has not removed yet: a CLI removal while the server is down is done at its next start.
  CREATE TABLE pending_removals (
    id  TEXT PRIMARY KEY,
    at  INTEGER NOT NULL
  );
  -- Which devices the config publisher last told each poller to poll (ids
  -- only): after a restart it still knows which pollers to empty.
  CREATE TABLE poller_configs (
    poller   TEXT PRIMARY KEY,
    devices  TEXT NOT NULL
  );
  `,
];

interface Row { id: string; definition: string; secrets: string; created_at: number; updated_at: number; created_by: string | null }

/** The AAD of a device's sealed secrets: they open only as that device's. */
const sealContext = (id: string): string => `device:${id}`;

/**
 * The SNMP devices in `<dataDir>/devices.db`. Secrets are sealed with the
 * data directory's key (`secret.key`) and opened only in memory; the file
 * never holds them in clear. Writers here call the listeners at once; writes
 * from another process (the CLI) are seen by a PRAGMA data_version poll when
 * `watch` is on (the server), as checks/store.ts does.
 */
export class DeviceStore implements DeviceCatalog {
  private cache: DeviceDefinition[] | null = null;
  private index: { all: DeviceDefinition[]; map: Map<string, DeviceDefinition> } | null = null;
  private readonly changes: SqliteChanges;

  constructor(
    readonly db: Database,
    private readonly box: SecretBox,
    private readonly clock: Clock = systemClock,
  ) {
    this.changes = new SqliteChanges(db, () => {
      this.cache = null;
    });
  }

  static open(dataDir: string, opts: { clock?: Clock; watch?: boolean; watchIntervalMs?: number; box?: SecretBox } = {}): DeviceStore {
    const box = opts.box ?? openSecretBox(dataDir);
    const store = new DeviceStore(openSqlite(join(dataDir, DEVICES_FILE), MIGRATIONS), box, opts.clock);
    if (opts.watch) store.changes.watch(opts.watchIntervalMs ?? WATCH_INTERVAL_MS);
    return store;
  }

  list(): DeviceDefinition[] {
    this.changes.sync();
    return this.definitions().map((d) => structuredClone(d));
  }

  get(id: string): DeviceDefinition | null {
    this.changes.sync();
    const found = this.byId().get(id);
    return found ? structuredClone(found) : null;
  }

  /** Whether `id` is a device (no copy: asked by the enrollment and the poller checks). */
  has(id: string): boolean {
    this.changes.sync();
    return this.byId().has(id);
  }

  onChange(listener: () => void): () => void {
    return this.changes.onChange(listener);
  }

  /** Adds a device; 409 when the id is taken. */
  create(fields: DeviceFields, by: string | null): DeviceDefinition {
    this.write(fields, by, { createOnly: true });
    return this.get(fields.id)!;
  }

  /** Replaces a device's fields (its creation stays); 404 when it does not exist. */
  replace(fields: DeviceFields, by: string | null): DeviceDefinition {
    if (!this.exists(fields.id)) throw new VigieError('VIGIE_ERR_NOT_FOUND', `No device with id ${fields.id}`);
    this.write(fields, by);
    return this.get(fields.id)!;
  }

  /**
   * Removes a device; false when there was none. Its host is queued for
   * removal in the same transaction (pendingRemovals): whoever removes it
   * (the API at once, the server for the CLI) calls removalDone.
   */
  delete(id: string): boolean {
    if (!this.exists(id)) return false;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM devices WHERE id = ?').run(id);
      this.db.prepare('INSERT INTO pending_removals (id, at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(id, this.clock.now());
    })();
    this.changes.changed();
    return true;
  }

  /** Hosts of deleted devices still to remove (oldest first). */
  pendingRemovals(): string[] {
    if (this.changes.isClosed) return [];
    return this.db.prepare('SELECT id FROM pending_removals ORDER BY at, id').pluck().all() as string[];
  }

  /** The host of a deleted device was removed. */
  removalDone(id: string): void {
    if (this.changes.isClosed) return;
    this.db.prepare('DELETE FROM pending_removals WHERE id = ?').run(id);
  }

  /** The device ids the config publisher last sent each poller. */
  publishedDevices(): Map<string, string[]> {
    const rows = this.db.prepare('SELECT poller, devices FROM poller_configs').all() as { poller: string; devices: string }[];
    return new Map(rows.map((r) => [r.poller, JSON.parse(r.devices) as string[]]));
  }

  /** Remembers what a poller was sent; an empty list forgets the poller. */
  savePublishedDevices(poller: string, ids: readonly string[]): void {
    if (this.changes.isClosed) return;
    if (ids.length === 0) this.db.prepare('DELETE FROM poller_configs WHERE poller = ?').run(poller);
    else this.db.prepare('INSERT INTO poller_configs (poller, devices) VALUES (?, ?) ON CONFLICT (poller) DO UPDATE SET devices = excluded.devices').run(poller, JSON.stringify(ids));
  }

  close(): void {
    if (this.changes.isClosed) return;
    this.changes.close();
    this.db.close();
  }

  private write(fields: DeviceFields, by: string | null, opts: { createOnly?: boolean } = {}): void {
    const now = this.clock.now();
    const { snmp, ...rest } = fields;
    const secrets = secretsOf(snmp);
    const definition = JSON.stringify({ ...rest, snmp: withoutSecrets(snmp) });
    const sealed = this.box.seal(JSON.stringify(secrets), sealContext(fields.id));
    this.db.transaction(() => {
      if (opts.createOnly && this.exists(fields.id)) {
        throw new VigieError('VIGIE_ERR_CONFLICT', `id: a device with id ${fields.id} already exists`, [{ field: 'id', message: `already used by another device (${fields.id})` }]);
      }
      if (opts.createOnly && (this.db.prepare('SELECT COUNT(*) FROM devices').pluck().get() as number) >= MAX_DEVICES) {
        throw new VigieError('VIGIE_ERR_BAD_REQUEST', `id: this server keeps at most ${MAX_DEVICES} devices`, [{ field: 'id', message: `this server keeps at most ${MAX_DEVICES} devices` }]);
      }
      if (this.exists(fields.poller)) {
        throw new VigieError('VIGIE_ERR_BAD_REQUEST', `poller: ${fields.poller} is a device; the poller is an agent`, [{ field: 'poller', message: `${fields.poller} is a device; the poller is an agent` }]);
      }
      if (this.db.prepare('SELECT 1 FROM devices WHERE poller = ?').get(fields.id)) {
        throw new VigieError('VIGIE_ERR_CONFLICT', `id: ${fields.id} polls devices: it is an agent`, [{ field: 'id', message: `${fields.id} polls devices: it is an agent, not a device` }]);
      }
      this.db
        .prepare(
          `INSERT INTO devices (id, poller, definition, secrets, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET poller = excluded.poller, definition = excluded.definition, secrets = excluded.secrets, updated_at = excluded.updated_at`,
        )
        .run(fields.id, fields.poller, definition, sealed, now, now, by);
      // A device re-created under the id of one just deleted is not to be removed.
      this.db.prepare('DELETE FROM pending_removals WHERE id = ?').run(fields.id);
      const load = this.db.prepare('SELECT COUNT(*) FROM devices WHERE poller = ?').pluck().get(fields.poller) as number;
      if (load > DEVICE_LIMITS.perPoller) {
        throw new VigieError('VIGIE_ERR_BAD_REQUEST', `poller: ${fields.poller} would poll ${load} devices; one agent polls at most ${DEVICE_LIMITS.perPoller}`, [{ field: 'poller', message: `${fields.poller} would poll ${load} devices; one agent polls at most ${DEVICE_LIMITS.perPoller}` }]);
      }
    })();
    this.changes.changed();
  }

  private definitions(): DeviceDefinition[] {
    this.cache ??= (this.db.prepare('SELECT id, definition, secrets, created_at, updated_at, created_by FROM devices ORDER BY id').all() as Row[]).map((row) => this.toDefinition(row));
    return this.cache;
  }

  private byId(): Map<string, DeviceDefinition> {
    const all = this.definitions();
    if (this.index?.all !== all) this.index = { all, map: new Map(all.map((d) => [d.id, d])) };
    return this.index.map;
  }

  private toDefinition(row: Row): DeviceDefinition {
    const stored = JSON.parse(row.definition) as DeviceFields;
    let secrets: Partial<Record<SecretField, string>> = {};
    let sealError: string | undefined;
    try {
      secrets = JSON.parse(this.box.open(row.secrets, sealContext(row.id))) as Partial<Record<SecretField, string>>;
    } catch (error) {
      // One damaged row must not take the others down: the device is kept, marked, and not polled.
      sealError = `device ${row.id}: ${(error as Error).message}`;
    }
    const snmp = { ...stored.snmp, ...secrets } as SnmpCredentials;
    return { ...stored, snmp, createdAt: row.created_at, updatedAt: row.updated_at, createdBy: row.created_by, ...(sealError ? { sealError } : {}) };
  }

  private exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM devices WHERE id = ?').get(id) !== undefined;
  }
}

/** The credentials with their secret fields left out (what the definition column holds). */
function withoutSecrets(snmp: SnmpCredentials): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...snmp };
  for (const name of ['community', 'authKey', 'privKey']) delete copy[name];
  return copy;
}
