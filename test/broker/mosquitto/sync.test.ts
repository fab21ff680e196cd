/**
 * The server's Mosquitto keeper (broker/mosquitto/sync.ts) on real files:
 * written at start, rewritten on a credential or device change, reloaded
 * only when passwd or acl changed, and never for nothing.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CredentialInfo } from '../../../accounts/mqtt-credentials.js';
import { startMosquittoSync } from '../../../broker/mosquitto/sync.js';
import { mosquittoHash } from '../../../broker/mosquitto/password-hash.js';
import { createLogger } from '../../../core/logger.js';
import { tempDir, waitFor } from '../../helpers/env.js';

test('files follow credentials and devices; a reload only when passwd or acl changed', async () => {
  const dir = tempDir();
  const marker = join(dir.path, 'reloaded');
  const credentials: CredentialInfo[] = [{ username: 'service-ingest', principal: { kind: 'service', role: 'ingest' }, createdAt: 1, revokedAt: null, mosquittoHash: mosquittoHash('p') }];
  const devices: { id: string; poller: string }[] = [];
  let devicesListener: (() => void) | undefined;
  let version = 1;
  const mdir = join(dir.path, 'mosquitto');
  const sync = startMosquittoSync({
    mosquitto: { dir: mdir, host: '127.0.0.1', port: 1883, maxInflightMessages: 1000, user: null, group: null, pidFile: null, reloadCommand: ['sh', '-c', `echo x >> ${marker}`] },
    broker: { sessionQueue: { maxMessages: 50_000, maxBytes: 33_554_432 }, maxPacketSize: 65_536 },
    prefix: 'vigie',
    haPrefix: 'homeassistant',
    credentials: { list: () => credentials },
    devices: { list: () => devices },
    dataVersion: () => version,
    onDevicesChange: (listener) => {
      devicesListener = listener;
      return () => (devicesListener = undefined);
    },
    log: createLogger('test'),
    pollMs: 20,
  });
  const reloadsOnDisk = (): number => { try { return readFileSync(marker, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
  try {
    await sync.idle();
    assert.match(readFileSync(join(mdir, 'passwd'), 'utf8'), /^service-ingest:\$7\$/);
    assert.is(statSync(join(mdir, 'acl')).mode & 0o777, 0o600);
    assert.is(sync.reloads(), 1, 'the first write reloads too');
    assert.is(reloadsOnDisk(), 1, 'the reload command ran');

    sync.changed();
    await sync.idle();
    assert.is(sync.reloads(), 1, 'nothing changed: no reload');

    credentials.push({ username: 'agent-web1', principal: { kind: 'agent', host: 'web1' }, createdAt: 2, revokedAt: null, mosquittoHash: mosquittoHash('q') });
    version += 1; // another process wrote accounts.db
    await waitFor('data_version seen', () => readFileSync(join(mdir, 'passwd'), 'utf8').includes('agent-web1:'));
    await sync.idle();
    assert.match(readFileSync(join(mdir, 'passwd'), 'utf8'), /^agent-web1:/m, 'found by data_version');
    assert.is(sync.reloads(), 2);

    devices.push({ id: 'sw1', poller: 'web1' });
    devicesListener!();
    await sync.idle();
    assert.match(readFileSync(join(mdir, 'acl'), 'utf8'), /^topic write vigie\/sw1\/metrics$/m, 'a device change');
    assert.is(sync.reloads(), 3);

    credentials[1] = { ...credentials[1]!, revokedAt: 3 };
    sync.changed();
    await sync.idle();
    assert.not.match(readFileSync(join(mdir, 'passwd'), 'utf8'), /agent-web1/, 'a revocation');
    assert.is(sync.reloads(), 4);
    assert.is(reloadsOnDisk(), 4);
  } finally {
    await sync.close();
    dir.remove();
  }
});

test('a failed reload is owed: once reloading works again it happens, even when no file changes any more', async () => {
  const dir = tempDir();
  const marker = join(dir.path, 'reloaded');
  const allowed = join(dir.path, 'mosquitto-up');
  const credentials: CredentialInfo[] = [{ username: 'agent-web1', principal: { kind: 'agent', host: 'web1' }, createdAt: 1, revokedAt: null, mosquittoHash: mosquittoHash('q') }];
  const mdir = join(dir.path, 'mosquitto');
  const sync = startMosquittoSync({
    // Fails (exit 1) until `allowed` exists: Mosquitto down, a pid file gone stale.
    mosquitto: { dir: mdir, host: '127.0.0.1', port: 1883, maxInflightMessages: 1000, user: null, group: null, pidFile: null, reloadCommand: ['sh', '-c', `test -e ${allowed} && echo x >> ${marker}`] },
    broker: { sessionQueue: { maxMessages: 50_000, maxBytes: 33_554_432 }, maxPacketSize: 65_536 },
    prefix: 'vigie',
    haPrefix: 'homeassistant',
    credentials: { list: () => credentials },
    devices: { list: () => [] },
    dataVersion: () => 1,
    log: createLogger('test'),
  });
  try {
    await sync.idle();
    assert.is(sync.reloads(), 0, 'the reload failed');
    credentials[0] = { ...credentials[0]!, revokedAt: 2 }; // revoked while Mosquitto cannot be told
    sync.changed();
    await sync.idle();
    assert.not.match(readFileSync(join(mdir, 'passwd'), 'utf8'), /agent-web1/, 'the file no longer has it');
    assert.is(sync.reloads(), 0);
    writeFileSync(allowed, '');
    sync.changed(); // nothing to rewrite now: the reload is still owed
    await sync.idle();
    assert.is(sync.reloads(), 1, 'the owed reload happened');
    assert.is(readFileSync(marker, 'utf8').trim(), 'x');
  } finally {
    await sync.close();
    dir.remove();
  }
});

test.run();
