import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateSecret, hashPassword, hashSecret, verifyPassword, verifySecret } from '../../core/secrets.js';

test('a password hash is salted scrypt and verifies only the right password', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.is.not(a, b, 'a fresh salt each time');
  assert.not.match(a, /horse/);
  assert.ok(await verifyPassword('correct horse battery staple', a));
  assert.not.ok(await verifyPassword('correct horse battery stapler', a));
  assert.not.ok(await verifyPassword('', a));
});

test('Unicode passwords are normalised: the same text typed two ways verifies', async () => {
  const composed = await hashPassword('Élève-2026');
  assert.ok(await verifyPassword('E\u0301le\u0300ve-2026'.normalize('NFD'), composed));
});

test('malformed or tampered hashes never verify and never ask for absurd memory', async () => {
  for (const stored of ['', 'plain', 'scrypt$x$8$1$AAAA$BBBB', 'scrypt$1048576$32$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', 'sha256$abc']) {
    assert.not.ok(await verifyPassword('anything', stored), stored);
  }
});

test('generated secrets are 256-bit base64url and unique', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => generateSecret()));
  assert.is(seen.size, 1000);
  for (const s of seen) assert.match(s, /^[A-Za-z0-9_-]{43}$/);
});

test('a secret hash verifies only its secret', () => {
  const secret = generateSecret();
  const stored = hashSecret(secret);
  assert.match(stored, /^sha256\$[0-9a-f]{64}$/);
  assert.not.ok(stored.includes(secret));
  assert.ok(verifySecret(secret, stored));
  assert.not.ok(verifySecret(generateSecret(), stored));
  assert.not.ok(verifySecret(secret, 'sha256$00'));
});

test.run();
