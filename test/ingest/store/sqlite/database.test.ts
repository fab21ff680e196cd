import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../../../helpers/env.js';
import { openDatabase } from '../../../../ingest/store/sqlite/database.js';
import { openSqlite, SQLITE_CACHE_BYTES } from '../../../../core/sqlite.js';
import { IngestConfig } from '../../../../ingest/config.js';
import { Value } from '@sinclair/typebox/value';
import { loadConfig } from '../../../../cli/config.js';
import { createLogger } from '../../../../core/logger.js';
import { HostRepo } from '../../../../ingest/store/sqlite/host-repo.js';
import { metrics, services } from '../../fixtures.js';
import { MIGRATIONS } from '../../../../ingest/store/sqlite/migrations.js';

test('a new database is created in WAL mode with every migration applied; reopening runs none again', () => {
  const dir = tempDir();
  let db = openDatabase(`${dir.path}/nested`);
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.prepare("INSERT INTO meta (key, value) VALUES ('marker', 1)").run();
  db.close();
  db = openDatabase(`${dir.path}/nested`);
  assert.is((db.prepare("SELECT value FROM meta WHERE key = 'marker'").get() as { value: number }).value, 1);
  db.close();
  dir.remove();
});

test('migration 3 moves each host\'s last seen, presence and latest sample to host_hot; the registry loads them as before', () => {
  const dir = tempDir();
  const old = openSqlite(`${dir.path}/vigie.db`, MIGRATIONS.slice(0, 2));
  const latest = metrics(1_700_000_000_000);
  old.prepare(`INSERT INTO hosts (id, first_seen, last_seen, presence, reason, info, status, services, latest)
    VALUES ('web1', 1, 1700000000000, 'online', 'status', NULL, NULL, ?, ?)`).run(JSON.stringify(services()), JSON.stringify(latest));
  old.close();
  const db = openDatabase(dir.path);
  assert.is(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  const [host] = new HostRepo(db, createLogger('test')).loadAll();
  assert.is(host?.lastSeen, 1_700_000_000_000);
  assert.is(host?.presence, 'online');
  assert.equal(host?.latest, latest);
  assert.is(host?.services?.services.length, services().services.length);
  assert.is((db.prepare("SELECT latest FROM hosts WHERE id = 'web1'").get() as { latest: string | null }).latest, null, 'not kept twice');
  db.close();
  dir.remove();
});

test('a database written by a newer Vigie is refused with a message naming the file', () => {
  const dir = tempDir();
  const db = openDatabase(dir.path);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => openDatabase(dir.path), /vigie\.db: schema version \d+ is newer/);
  dir.remove();
});

test('connections keep a 2 MiB page cache, not better-sqlite3\'s 16 MB; ingest.sqliteCache sets vigie.db\'s', () => {
  const dir = tempDir();
  const cacheKiB = (db: { pragma(sql: string, o: { simple: true }): unknown }): number => -Number(db.pragma('cache_size', { simple: true }));
  // The ingest's default comes from its config schema, like a user's empty vigie.json.
  const defaults = Value.Default(IngestConfig, {}) as { sqliteCache: number };
  assert.is(defaults.sqliteCache, SQLITE_CACHE_BYTES);
  assert.is(SQLITE_CACHE_BYTES, 2 * 1024 * 1024);
  let db = openDatabase(dir.path, { cacheBytes: defaults.sqliteCache });
  assert.is(cacheKiB(db), 2048);
  assert.is(db.pragma('synchronous', { simple: true }), 2, 'vigie.db stays synchronous = FULL');
  db.close();
  db = openDatabase(dir.path, { cacheBytes: 64 * 1024 * 1024 });
  assert.is(cacheKiB(db), 65536);
  db.close();
  // The other databases (accounts, events, alerts…) get the same bound, and NORMAL.
  const other = openSqlite(`${dir.path}/other.db`, ['CREATE TABLE t (x)']);
  assert.is(cacheKiB(other), 2048);
  assert.is(other.pragma('synchronous', { simple: true }), 1);
  other.close();
  dir.remove();
});

test('ingest.sqliteCache is read from the environment in bytes; a size below 64 KiB or in words is refused by key', () => {
  const dir = tempDir();
  const ok = loadConfig({ env: { VIGIE_INGEST_SQLITE_CACHE: String(8 * 1024 * 1024) }, cwd: dir.path });
  assert.ok(ok.ok && ok.value.ingest.sqliteCache === 8 * 1024 * 1024);
  for (const bad of ['1024', '2MB']) {
    const r = loadConfig({ env: { VIGIE_INGEST_SQLITE_CACHE: bad }, cwd: dir.path });
    assert.is(r.ok, false, bad);
    if (!r.ok) assert.match(r.error, /^ingest\.sqliteCache: /m);
  }
  dir.remove();
});

test.run();
