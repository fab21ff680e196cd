/**
 * `vigie mosquitto` (issue 15): writes the three files from a data
 * directory, lists the credentials it could not write (made before Vigie
 * kept Mosquitto hashes) with the command that rotates each, and explains
 * what it needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAccounts } from '../../accounts/index.js';
import { credentialsMain } from '../../cli/credentials-command.js';
import { mosquittoMain } from '../../cli/mosquitto-command.js';
import { tempDir } from '../helpers/env.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await mosquittoMain(argv, { write: (s: string) => (out += s) } as unknown as NodeJS.WritableStream, { write: (s: string) => (err += s) } as unknown as NodeJS.WritableStream);
  return { code, out, err };
}

test('writes conf, passwd and acl; lists old credentials with their rotation; a second run changes nothing', async () => {
  const data = tempDir();
  try {
    const a = openAccounts(data.path);
    a.credentials.add({ kind: 'service', role: 'ingest' });
    a.credentials.add({ kind: 'agent', host: 'web1' });
    const old = a.credentials.add({ kind: 'agent', host: 'old-pc' });
    a.db.prepare('UPDATE mqtt_credentials SET mosquitto_hash = NULL WHERE username = ?').run(old.username); // as made before issue 15
    a.close();
    const dir = join(data.path, 'mq');
    const first = await run('--data-dir', data.path, '--dir', dir, '--port', '18883');
    assert.is(first.code, 0, first.err);
    assert.match(first.out, /wrote mosquitto\.conf, passwd, acl in /);
    assert.match(first.out, /old-pc: vigie credentials add --host old-pc/);
    assert.match(readFileSync(join(dir, 'mosquitto.conf'), 'utf8'), /^listener 18883 0\.0\.0\.0$/m);
    assert.equal(readFileSync(join(dir, 'passwd'), 'utf8').trim().split('\n').map((l) => l.split(':')[0]), ['agent-web1', 'service-ingest']);
    assert.match(readFileSync(join(dir, 'acl'), 'utf8'), /^user agent-web1\ntopic write vigie\/web1\/status$/m);
    let listed = '';
    const out = { write: (t: string) => (listed += t) } as unknown as NodeJS.WritableStream;
    assert.is(credentialsMain(['list', '--data-dir', data.path], out, out), 0);
    assert.match(listed, /agent-old-pc +host old-pc .* active \(not on Mosquitto: rotate/);
    assert.match(listed, /agent-web1 +host web1 .* active\n/);
    const second = await run('--data-dir', data.path, '--dir', dir, '--port', '18883');
    assert.match(second.out, /^unchanged in /);
  } finally {
    data.remove();
  }
});

test('errors name what is expected', async () => {
  const data = tempDir();
  try {
    const none = await run('--data-dir', data.path);
    assert.is(none.code, 2);
    assert.match(none.err, /give --dir DIR or set mosquitto\.dir/);
    const port = await run('--data-dir', data.path, '--dir', join(data.path, 'x'), '--port', 'many');
    assert.match(port.err, /--port: "many" is not a port \(expected 1 to 65535\)/);
    const reload = await run('--data-dir', data.path, '--dir', join(data.path, 'x'), '--reload');
    assert.match(reload.err, /--reload needs mosquitto\.pidFile or mosquitto\.reloadCommand/);
    assert.match((await run('frob')).err, /unknown action "frob"/);
  } finally {
    data.remove();
  }
});

test.run();
