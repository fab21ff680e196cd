/**
 * MQTT credential names and hashes (issue 15) on a real accounts.db: usernames
 * lose their ':' (a database of the previous schema is migrated), the old
 * names keep working for verify/stamp/revoke/forget, and every new secret
 * also gets Mosquitto's `$7$` hash.
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCOUNTS_FILE } from '../../accounts/database.js';
import { openAccounts } from '../../accounts/index.js';
import { canonicalUsername, legacyAlias, usernameFor } from '../../accounts/mqtt-credentials.js';
import { verifyMosquittoHash } from '../../broker/mosquitto/password-hash.js';
import { hashSecret } from '../../core/secrets.js';
import { tempDir } from '../helpers/env.js';

test('usernames have no ":" and cannot collide; old names map to new ones, others are left alone', () => {
  assert.is(usernameFor({ kind: 'agent', host: 'web-1.lan' }), 'agent-web-1.lan');
  assert.is(usernameFor({ kind: 'service', role: 'ingest' }), 'service-ingest');
  assert.is(usernameFor({ kind: 'service', role: 'reader', name: 'ha' }), 'service-ha');
  assert.is(legacyAlias('agent:web-1.lan'), 'agent-web-1.lan');
  assert.is(legacyAlias('service:ingest'), 'service-ingest');
  for (const other of ['agent-web1', 'local:agent', 'agent:', 'agent:Web1', 'admin:x', 'agent:a/b', 'agent:+']) assert.is(legacyAlias(other), null, other);
  assert.is(canonicalUsername('local:agent'), 'local:agent');
});

test('a database of the previous schema is migrated: rows renamed, old names still verify, no Mosquitto hash until rotated', () => {
  const dir = tempDir();
  try {
    // The schema as it was before issue 15 (migrations 1–4), with two rows of the old form.
    const before = openAccounts(dir.path);
    before.close();
    const raw = new BetterSqlite3(join(dir.path, ACCOUNTS_FILE));
    raw.exec('UPDATE mqtt_credentials SET username = username'); // no-op: the table exists
    const version = raw.pragma('user_version', { simple: true }) as number;
    // Roll the last migration back by hand, as an old Vigie left it.
    raw.exec('ALTER TABLE mqtt_credentials DROP COLUMN mosquitto_hash');
    raw.pragma(`user_version = ${version - 1}`);
    const insert = raw.prepare('INSERT INTO mqtt_credentials (username, kind, host, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('agent:old-pc', 'agent', 'old-pc', null, hashSecret('agent-secret'), 1);
    insert.run('service:ingest', 'service', null, 'ingest', hashSecret('ingest-secret'), 2);
    raw.close();

    const a = openAccounts(dir.path);
    try {
      assert.equal(a.credentials.list().map((c) => [c.username, c.mosquittoHash]), [['agent-old-pc', null], ['service-ingest', null]]);
      assert.equal(a.credentials.verify('agent:old-pc', 'agent-secret'), { kind: 'agent', host: 'old-pc' }, 'the old name still works');
      assert.equal(a.credentials.verify('agent-old-pc', 'agent-secret'), { kind: 'agent', host: 'old-pc' });
      assert.is(a.credentials.verify('agent:old-pc', 'wrong'), null);
      assert.equal(a.credentials.verify('service:ingest', 'ingest-secret'), { kind: 'service', role: 'ingest' });
      assert.is(a.credentials.stamp('agent:old-pc'), a.credentials.stamp('agent-old-pc'));
      assert.ok(a.credentials.stamp('agent:old-pc'));
      // Rotation gives a Mosquitto hash that verifies the new password only.
      const rotated = a.credentials.add({ kind: 'agent', host: 'old-pc' });
      assert.is(rotated.username, 'agent-old-pc');
      const hash = a.credentials.list().find((c) => c.username === 'agent-old-pc')!.mosquittoHash!;
      assert.match(hash, /^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
      assert.ok(verifyMosquittoHash(rotated.password, hash));
      assert.not.ok(verifyMosquittoHash('agent-secret', hash));
      assert.is(a.credentials.verify('agent:old-pc', 'agent-secret'), null, 'the rotated secret replaced the old one');
      assert.ok(a.credentials.revoke('service:ingest'), 'revoking by the old name revokes the row');
      assert.is(a.credentials.verify('service-ingest', 'ingest-secret'), null);
      assert.ok(a.credentials.forget('agent:old-pc'));
      assert.equal(a.credentials.list().map((c) => c.username), ['service-ingest']);
    } finally {
      a.close();
    }
  } finally {
    dir.remove();
  }
});

test.run();
