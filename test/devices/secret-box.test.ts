/**
 * core/secret-box.ts: AES-256-GCM sealing of small secrets with the data
 * directory's key file, made 0600 on first use; any alteration, another key
 * or another context is a clear error, never garbage.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSecretBox, openSecretBox, SECRET_KEY_FILE, SecretBoxError } from '../../core/secret-box.js';
import { tempDir } from '../helpers/env.js';

test('seal then open gives the secret back; two seals of one secret differ (random IV); no clear text in the sealed form', () => {
  const box = createSecretBox(randomBytes(32));
  const a = box.seal('public-community', 'device:sw-1');
  const b = box.seal('public-community', 'device:sw-1');
  assert.is.not(a, b);
  assert.match(a, /^v1:[\w-]+:[\w-]+:[\w-]+$/);
  assert.not.ok(a.includes('public'));
  assert.is(box.open(a, 'device:sw-1'), 'public-community');
  assert.is(box.open(box.seal('é ü ✓ 🔑'), undefined), 'é ü ✓ 🔑');
  assert.is(box.open(box.seal('')), '');
});

test('a flipped byte, a truncated text, another context or another key: SecretBoxError, with a clear message', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);
  const sealed = box.seal('auth-pass-456', 'device:fw');
  const [v, iv, tag, body] = sealed.split(':') as [string, string, string, string];
  const flip = (text: string): string => {
    const bytes = Buffer.from(text, 'base64url');
    bytes[0] = bytes[0]! ^ 1;
    return bytes.toString('base64url');
  };
  const bad: Array<[string, string | undefined, RegExp]> = [
    [[v, iv, tag, flip(body)].join(':'), 'device:fw', /does not open/],
    [[v, iv, flip(tag), body].join(':'), 'device:fw', /does not open/],
    [[v, flip(iv), tag, body].join(':'), 'device:fw', /does not open/],
    [[v, iv, tag].join(':'), 'device:fw', /expected v1/],
    [['v9', iv, tag, body].join(':'), 'device:fw', /expected v1/],
    [[v, iv.slice(2), tag, body].join(':'), 'device:fw', /IV or tag length/],
    [sealed, 'device:other', /does not open/],
    [sealed, undefined, /does not open/],
  ];
  for (const [text, context, message] of bad) {
    try {
      box.open(text, context);
      assert.unreachable(`${text} (${context}) opened`);
    } catch (error) {
      assert.instance(error, SecretBoxError);
      assert.match((error as Error).message, message);
    }
  }
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed, 'device:fw'), /another secret\.key/);
  assert.throws(() => createSecretBox(randomBytes(16)), /expected 32 bytes/);
});

test('openSecretBox makes <dataDir>/secret.key 0600 once, and the same key opens what another process sealed', () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, SECRET_KEY_FILE);
    assert.not.ok(existsSync(path));
    const first = openSecretBox(dir.path);
    assert.is(statSync(path).mode & 0o777, 0o600);
    assert.is(readFileSync(path).length, 32);
    const sealed = first.seal('vigie-ro', 'device:a');
    const again = openSecretBox(dir.path);
    assert.is(again.open(sealed, 'device:a'), 'vigie-ro');
    writeFileSync(path, 'short');
    assert.throws(() => openSecretBox(dir.path), /expected 32 bytes, found 5/);
  } finally {
    dir.remove();
  }
});

test.run();
