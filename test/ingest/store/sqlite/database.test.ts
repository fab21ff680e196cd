import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../../../helpers/env.js';
import { openDatabase } from '../../../../ingest/store/sqlite/database.js';
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

test('a database written by a newer Vigie is refused with a message naming the file', () => {
  const dir = tempDir();
  const db = openDatabase(dir.path);
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(() => openDatabase(dir.path), /vigie\.db: schema version \d+ is newer/);
  dir.remove();
});

test.run();
