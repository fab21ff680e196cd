/**
 * devices/store.ts on a real SQLite file: secrets sealed (never in clear in
 * the file), opened in memory; a damaged row is marked, not fatal; the
 * rules the store owns (one poller per device, a poller is not a device, at
 * most DEVICE_LIMITS.perPoller per poller); deletions queue their host's
 * removal; a write from another connection is seen (data_version).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeviceFields } from '../../devices/definition.js';
import { DeviceStore } from '../../devices/store.js';
import { isDeviceIn } from '../../devices/ids.js';
import { DEVICE_LIMITS } from '../../protocol/schemas/device.js';
import { tempDir, waitFor } from '../helpers/env.js';

const fields = (id: string, extra: Partial<DeviceFields> = {}): DeviceFields => ({
  id, address: '192.0.2.1', port: 161, snmp: { version: '2c', community: `community-of-${id}` }, interval: 60, timeout: 5, retries: 1, custom: [], poller: 'agent-1', enabled: true, ...extra,
});

const fileBytes = (dir: string): Buffer => Buffer.concat(['devices.db', 'devices.db-wal'].map((f) => join(dir, f)).filter(existsSync).map((p) => readFileSync(p)));

test('secrets are sealed in the file and open in memory; the definition column has none', () => {
  const dir = tempDir();
  const store = DeviceStore.open(dir.path);
  try {
    store.create(fields('sw-1'), 'admin');
    store.create(fields('fw-1', { snmp: { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-456', privProtocol: 'aes', privKey: 'priv-pass-789' } }), null);
    const bytes = fileBytes(dir.path);
    for (const secret of ['community-of-sw-1', 'auth-pass-456', 'priv-pass-789']) assert.is(bytes.indexOf(secret), -1, `${secret} in clear`);
    assert.ok(bytes.includes('vigie'), 'the user name is not a secret: it is there');
    const fw = store.get('fw-1')!;
    assert.equal(fw.snmp, { version: '3', user: 'vigie', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-456', privProtocol: 'aes', privKey: 'priv-pass-789' });
    assert.is(store.get('sw-1')!.snmp.version === '2c' && (store.get('sw-1')!.snmp as { community: string }).community, 'community-of-sw-1');
    const row = store.db.prepare('SELECT definition FROM devices WHERE id = ?').pluck().get('fw-1') as string;
    assert.not.ok(/authKey|privKey|community/.test(row), row);
    assert.is(store.get('sw-1')!.createdBy, 'admin');
  } finally {
    store.close();
    dir.remove();
  }
});

test('a tampered or swapped secret: the device is marked with a clear error, the others still read', () => {
  const dir = tempDir();
  const store = DeviceStore.open(dir.path);
  try {
    store.create(fields('a'), null);
    store.create(fields('b'), null);
    const sealed = store.db.prepare('SELECT secrets FROM devices WHERE id = ?').pluck().get('a') as string;
    // b's row gets a's sealed secrets: bound to a, they do not open as b's.
    const other = DeviceStore.open(dir.path);
    other.db.prepare('UPDATE devices SET secrets = ? WHERE id = ?').run(sealed, 'b');
    other.close();
    const list = store.list();
    assert.equal(list.map((d) => [d.id, d.sealError === undefined]), [['a', true], ['b', false]]);
    assert.match(list[1]!.sealError!, /device b: sealed secret does not open/);
  } finally {
    store.close();
    dir.remove();
  }
});

test('store rules: duplicate id 409; a poller is not a device and a device does not poll; per-poller limit', () => {
  const dir = tempDir();
  const store = DeviceStore.open(dir.path);
  try {
    store.create(fields('sw-1'), null);
    assert.throws(() => store.create(fields('sw-1'), null), /already exists/);
    assert.throws(() => store.create(fields('x', { poller: 'sw-1' }), null), /poller: sw-1 is a device/);
    assert.throws(() => store.create(fields('agent-1', { poller: 'agent-2' }), null), /agent-1 polls devices/);
    for (let i = 1; i < DEVICE_LIMITS.perPoller; i += 1) store.create(fields(`d${i}`), null);
    assert.throws(() => store.create(fields('one-too-many'), null), /would poll 101 devices; one agent polls at most 100/);
    assert.is(store.get('one-too-many'), null, 'rolled back');
    assert.throws(() => store.replace(fields('nope'), null), /No device/);
  } finally {
    store.close();
    dir.remove();
  }
});

test('delete queues the host removal; a re-created id leaves the queue; isDeviceIn reads the file', () => {
  const dir = tempDir();
  const store = DeviceStore.open(dir.path);
  try {
    assert.not.ok(isDeviceIn(dir.path, 'sw-1'));
    store.create(fields('sw-1'), null);
    store.create(fields('sw-2'), null);
    assert.ok(isDeviceIn(dir.path, 'sw-1'));
    assert.ok(store.delete('sw-1'));
    assert.ok(store.delete('sw-2'));
    assert.not.ok(store.delete('sw-2'));
    assert.not.ok(isDeviceIn(dir.path, 'sw-1'));
    assert.equal(store.pendingRemovals(), ['sw-1', 'sw-2']);
    store.create(fields('sw-2'), null);
    assert.equal(store.pendingRemovals(), ['sw-1']);
    store.removalDone('sw-1');
    assert.equal(store.pendingRemovals(), []);
  } finally {
    store.close();
    dir.remove();
  }
});

test('a write from another process is seen: at once by list(), and by onChange through the watch', async () => {
  const dir = tempDir();
  const server = DeviceStore.open(dir.path, { watch: true, watchIntervalMs: 20 });
  let changes = 0;
  server.onChange(() => (changes += 1));
  try {
    assert.equal(server.list(), []);
    const cli = DeviceStore.open(dir.path);
    cli.create(fields('sw-1'), null);
    cli.close();
    assert.equal(server.list().map((d) => d.id), ['sw-1']);
    assert.ok(server.has('sw-1'));
    await waitFor('the watch calls the listeners', () => changes > 0 || null);
  } finally {
    server.close();
    dir.remove();
  }
});

test('a bookkeeping write of the server right after another process\'s write does not hide it from the watch', async () => {
  const dir = tempDir();
  const server = DeviceStore.open(dir.path, { watch: true, watchIntervalMs: 50 });
  let changes = 0;
  server.onChange(() => (changes += 1));
  try {
    const cli = DeviceStore.open(dir.path);
    cli.create(fields('sw-2'), null);
    cli.close();
    // What the config publisher does after each publish, before the watch's next tick.
    server.savePublishedDevices('the-box', ['sw-9']);
    await waitFor('the watch hears the other process\'s write', () => changes > 0 || null);
    assert.equal(server.list().map((d) => d.id), ['sw-2']);
  } finally {
    server.close();
    dir.remove();
  }
});

test.run();
