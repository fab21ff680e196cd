/**
 * The event log on a real events.db with a fake clock: append, query with
 * each filter, newest first, the limit and its cap, JSON details, purge.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventLog, EVENTS_FILE } from '../../events/event-log.js';
import { tempDir } from '../helpers/env.js';

const dir = tempDir();
const T0 = 1_700_000_000_000;
let t = T0;
let log: EventLog;

test.before(() => {
  log = EventLog.open(dir.path, { now: () => t });
  // 6 events, one second apart.
  const rows = [
    { type: 'auth.login', user: 'alice', address: '10.0.0.1', message: 'alice signed in' },
    { type: 'auth.login_failed', user: 'bob', address: '10.0.0.2', message: 'wrong password for bob' },
    { type: 'host.access', host: 'vps-a', user: 'alice', message: 'owner changed', data: { before: { owner: null }, after: { owner: 2, groups: [1, 3] }, note: 'é "quoted" <b>' } },
    { type: 'auth.login', user: 'bob', address: '10.0.0.2', message: 'bob signed in' },
    { type: 'host.access', host: 'lab-pc', user: 'alice', message: 'shared with class 1' },
    { type: 'auth.locked', user: 'carol', address: '10.0.0.3', message: 'carol locked' },
  ];
  for (const row of rows) {
    log.append(row);
    t += 1000;
  }
});
test.after(() => {
  log.close();
  dir.remove();
});

test('append writes events.db; query returns them newest first with every field', () => {
  assert.ok(existsSync(join(dir.path, EVENTS_FILE)));
  const all = log.query();
  assert.equal(all.map((e) => e.message), ['carol locked', 'shared with class 1', 'bob signed in', 'owner changed', 'wrong password for bob', 'alice signed in']);
  assert.equal(all.map((e) => e.ts), [5, 4, 3, 2, 1, 0].map((s) => T0 + s * 1000));
  assert.equal(all[5], { id: all[5]!.id, ts: T0, type: 'auth.login', host: null, user: 'alice', address: '10.0.0.1', message: 'alice signed in', data: null });
});

test('events at the same millisecond keep their insertion order (newest first)', () => {
  const same = tempDir();
  const l = EventLog.open(same.path, { now: () => T0 });
  try {
    for (const m of ['one', 'two', 'three']) l.append({ type: 'x', message: m });
    assert.equal(l.query().map((e) => e.message), ['three', 'two', 'one']);
  } finally {
    l.close();
    same.remove();
  }
});

test('data round-trips as JSON', () => {
  const [event] = log.query({ host: 'vps-a' });
  assert.equal(event!.data, { before: { owner: null }, after: { owner: 2, groups: [1, 3] }, note: 'é "quoted" <b>' });
  assert.is(typeof log.db.prepare('SELECT data FROM events WHERE host = ?').pluck().get('vps-a'), 'string', 'stored as JSON text');
});

test('filters: type, host, user, from (inclusive), to (exclusive), combined', () => {
  const msgs = (f: Parameters<EventLog['query']>[0]) => log.query(f).map((e) => e.message);
  assert.equal(msgs({ type: 'auth.login' }), ['bob signed in', 'alice signed in']);
  assert.equal(msgs({ host: 'lab-pc' }), ['shared with class 1']);
  assert.equal(msgs({ user: 'alice' }), ['shared with class 1', 'owner changed', 'alice signed in']);
  assert.equal(msgs({ from: T0 + 4000 }), ['carol locked', 'shared with class 1']);
  assert.equal(msgs({ to: T0 + 1000 }), ['alice signed in']);
  assert.equal(msgs({ from: T0 + 1000, to: T0 + 3000 }), ['owner changed', 'wrong password for bob']);
  assert.equal(msgs({ type: 'auth.login', user: 'bob' }), ['bob signed in']);
  assert.equal(msgs({ type: 'host.access', from: T0 + 3000 }), ['shared with class 1']);
  assert.equal(msgs({ user: 'nobody' }), []);
  assert.equal(msgs({ type: "auth.login' OR 1=1 --" }), [], 'values are bound, not spliced into SQL');
});

test('limit: newest first, at least 1, capped at 1000', () => {
  assert.equal(log.query({ limit: 2 }).map((e) => e.message), ['carol locked', 'shared with class 1']);
  assert.is(log.query({ limit: 0 }).length, 1);
  assert.is(log.query({ limit: -5 }).length, 1);
  const big = tempDir();
  let bt = T0;
  const l = EventLog.open(big.path, { now: () => bt++ });
  try {
    l.db.transaction(() => { for (let i = 0; i < 1100; i += 1) l.append({ type: 'flood', message: `event ${i}` }); })();
    assert.is(l.query().length, 100, 'default limit 100');
    const capped = l.query({ limit: 5000 });
    assert.is(capped.length, 1000);
    assert.is(capped[0]!.message, 'event 1099');
    assert.is(capped[999]!.message, 'event 100');
  } finally {
    l.close();
    big.remove();
  }
});

test('purgeBefore deletes only older events', () => {
  assert.is(log.purgeBefore(T0 + 2000), 2);
  assert.equal(log.query().map((e) => e.ts), [5, 4, 3, 2].map((s) => T0 + s * 1000), 'the event at the cut-off stays');
  assert.is(log.purgeBefore(T0 + 2000), 0);
  assert.is(log.purgeBefore(T0), 0);
  assert.is(log.query().length, 4);
});

test('reopening the file keeps the events', () => {
  const again = EventLog.open(dir.path);
  try {
    assert.is(again.query().length, 4);
  } finally {
    again.close();
  }
});

test.run();
