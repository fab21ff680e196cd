/**
 * Mosquitto's `$7$` hash against Debian's `mosquitto_passwd` (2.0): a line it
 * writes verifies with our code, and ours has the very same shape.
 * (test/integration/mosquitto.test.ts shows a real mosquitto accepting ours.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isMosquittoHash, mosquittoHash, verifyMosquittoHash } from '../../../broker/mosquitto/password-hash.js';
import { requireProgram, tempDir } from '../../helpers/env.js';

const PASSWD = '/usr/bin/mosquitto_passwd';

test('our hash: $7$101$<12-byte salt>$<64-byte key>, salted afresh, verifying only its password', () => {
  const a = mosquittoHash('s3cret');
  const b = mosquittoHash('s3cret');
  assert.is.not(a, b, 'a fresh salt each time');
  const [empty, seven, iterations, salt, key] = a.split('$');
  assert.equal([empty, seven, iterations], ['', '7', '101']);
  assert.is(Buffer.from(salt!, 'base64').length, 12);
  assert.is(Buffer.from(key!, 'base64').length, 64);
  assert.ok(verifyMosquittoHash('s3cret', a));
  assert.not.ok(verifyMosquittoHash('s3cret!', a));
  for (const bad of ['', '$6$101$a$b', '$7$0$AAAA$AAAA', '$7$101$AAAA', '$7$99999999$AAAA$AAAA', `$7$101$${salt}$${key}\nx`]) {
    assert.not.ok(isMosquittoHash(bad) && verifyMosquittoHash('s3cret', bad), JSON.stringify(bad));
  }
});

test('mosquitto_passwd agrees: its hash verifies here, and it writes the same shape', () => {
  if (!requireProgram(`mosquitto_passwd (${PASSWD})`, existsSync(PASSWD))) return;
  const dir = tempDir();
  try {
    const file = join(dir.path, 'passwd');
    execFileSync(PASSWD, ['-c', '-b', file, 'agent-web1', 'correct horse']);
    const [user, hash] = readFileSync(file, 'utf8').trim().split(/:(.*)/s);
    assert.is(user, 'agent-web1');
    assert.ok(isMosquittoHash(hash!), hash);
    assert.ok(verifyMosquittoHash('correct horse', hash!));
    assert.not.ok(verifyMosquittoHash('correct horse ', hash!));
    assert.is(mosquittoHash('x').split('$').length, hash!.split('$').length);
    assert.is(mosquittoHash('x').length, hash!.length, 'same field lengths');
    // And the reason for the rename: mosquitto_passwd refuses the old names.
    let refused = '';
    try {
      execFileSync(PASSWD, ['-b', file, 'agent:web1', 'x'], { stdio: 'pipe' });
    } catch (error) {
      refused = String((error as { stderr?: Buffer }).stderr ?? error);
    }
    assert.match(refused, /must not contain the ':' character/);
  } finally {
    dir.remove();
  }
});

test.run();
