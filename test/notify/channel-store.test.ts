import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tempDir } from '../helpers/env.js';
import { VigieError } from '../../core/errors.js';
import { ChannelStore, DELIVERIES_KEPT, NOTIFY_FILE } from '../../notify/channel-store.js';

test('create, list, get, update, delete; settings survive a reopen; the file is private', () => {
  const dir = tempDir();
  try {
    let store = ChannelStore.open(dir.path);
    const a = store.create({ type: 'webhook', name: 'hook', url: 'https://example.com/in', secret: 's' });
    const b = store.create({ type: 'ntfy', name: 'phone', url: 'https://ntfy.sh/t', minSeverity: 'critical' });
    assert.equal([a.id, b.id], [1, 2]);
    const updated = store.update(a.id, { name: 'renamed', secret: '********', groups: ['web'] });
    assert.equal(updated.type === 'webhook' && [updated.name, updated.secret, updated.groups], ['renamed', 's', ['web']]);
    store.close();
    store = ChannelStore.open(dir.path);
    assert.equal(store.list().map((c) => [c.id, c.name, c.type]), [[1, 'renamed', 'webhook'], [2, 'phone', 'ntfy']]);
    assert.is(store.get(2)?.minSeverity, 'critical');
    store.delete(1);
    assert.is(store.get(1), null);
    assert.is(statSync(join(dir.path, NOTIFY_FILE)).mode & 0o777, 0o600);
    store.close();
  } finally {
    dir.remove();
  }
});

test('bad input throws VIGIE_ERR_BAD_REQUEST naming the field; unknown ids are VIGIE_ERR_NOT_FOUND', () => {
  const dir = tempDir();
  const store = ChannelStore.open(dir.path);
  try {
    const thrown = (fn: () => unknown): VigieError => {
      try {
        fn();
      } catch (error) {
        return error as VigieError;
      }
      throw new Error('did not throw');
    };
    const bad = thrown(() => store.create({ type: 'email', name: 'm', host: 'h', from: 'nobody', to: ['x@y.z'] }));
    assert.equal([bad.code, bad.message.split(':')[0]], ['VIGIE_ERR_BAD_REQUEST', 'from']);
    assert.is(thrown(() => store.update(99, { name: 'x' })).code, 'VIGIE_ERR_NOT_FOUND');
    assert.is(thrown(() => store.delete(99)).code, 'VIGIE_ERR_NOT_FOUND');
    assert.equal(store.list(), []);
  } finally {
    store.close();
    dir.remove();
  }
});

test('delivery log: newest first, bounded per channel, removed with its channel', () => {
  const dir = tempDir();
  let now = 1_000;
  const store = ChannelStore.open(dir.path, { now: () => now });
  try {
    const c = store.create({ type: 'slack', name: 's', webhookUrl: 'https://hooks.slack.com/services/x' });
    for (let i = 0; i < DELIVERIES_KEPT + 15; i += 1) {
      now += 1;
      store.recordDelivery({ channelId: c.id, ok: i % 2 === 0, attempts: 1, error: i % 2 ? 'HTTP 500' : null, keys: [`h/${i}`], test: false });
    }
    const recent = store.recentDeliveries(c.id, 3);
    assert.equal(recent.map((r) => [r.ts, r.ok, r.error, r.keys]), [
      [now, true, null, [`h/${DELIVERIES_KEPT + 14}`]],
      [now - 1, false, 'HTTP 500', [`h/${DELIVERIES_KEPT + 13}`]],
      [now - 2, true, null, [`h/${DELIVERIES_KEPT + 12}`]],
    ]);
    assert.is(store.recentDeliveries(c.id, 10_000).length, DELIVERIES_KEPT);
    store.delete(c.id);
    assert.equal(store.recentDeliveries(c.id), []);
  } finally {
    store.close();
    dir.remove();
  }
});

test.run();
