import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultAlertSettings } from '../../alerts/rules.js';
import { harness, services, settingsOf, status } from './harness.js';

test('offline fires at once on a Last Will `lost` status and resolves when the agent is back online', () => {
  const h = harness();
  h.engine.status('h', status('online', 'connected'));
  h.feed('h', { cpu: 10 });
  h.advance(4);
  h.engine.status('h', status('offline', 'lost'));
  assert.equal(h.kinds('offline'), ['firing:critical']);
  const a = h.activeOf('offline');
  assert.is(a?.offlineReason, 'lost');
  assert.is(a?.since, h.now);
  assert.is(a?.value, 4, 'seconds since last heard');
  assert.equal(a?.metric, { metric: 'presence', key: '' });
  h.advance(10);
  h.feed('h', { cpu: 10 }); // a stray sample does not undo a Last Will: only `online` does
  assert.equal(h.kinds('offline'), ['firing:critical']);
  h.engine.status('h', status('online', 'connected'));
  assert.equal(h.kinds('offline'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'recovered');
});

test('offline fires after 3 missed intervals via tick(), and a new sample resolves it', () => {
  const h = harness();
  h.engine.status('h', status('online', 'connected', 10));
  h.feed('h', { cpu: 10 });
  h.advance(30);
  h.engine.tick();
  assert.equal(h.kinds('offline'), [], 'exactly 3 intervals: the sample may be on its way');
  h.advance(1);
  h.engine.tick();
  assert.equal(h.kinds('offline'), ['firing:critical']);
  const a = h.activeOf('offline');
  assert.is(a?.offlineReason, 'stale');
  assert.is(a?.threshold, 30);
  h.advance(60);
  h.engine.tick();
  assert.is(h.activeOf('offline')?.value, 91, 'value follows the silence');
  assert.equal(h.kinds('offline'), ['firing:critical'], 'fires once');
  h.feed('h', { cpu: 10 });
  assert.equal(h.kinds('offline'), ['firing:critical', 'resolved:critical']);
});

test('missedIntervals is per host, and the interval is estimated from samples when no status came', () => {
  const h = harness(settingsOf({ hosts: { slow: { offline: { missedIntervals: 10 } } } }));
  for (const host of ['fast', 'slow']) h.feed(host, { cpu: 10 });
  h.advance(5);
  for (const host of ['fast', 'slow']) h.feed(host, { cpu: 10 });
  h.advance(16);
  h.engine.tick();
  assert.equal(h.kinds('offline', 'fast'), ['firing:critical'], '3 × 5 s');
  assert.equal(h.kinds('offline', 'slow'), []);
  h.advance(35);
  h.engine.tick();
  assert.equal(h.kinds('offline', 'slow'), ['firing:critical'], '10 × 5 s');
});

test('going offline clears pending alerts (nothing can be confirmed) and keeps firing ones', () => {
  const h = harness(settingsOf({ defaults: { disk: { for: 0 } } }));
  h.engine.status('h', status('online', 'connected'));
  h.feed('h', { cpu: 90, disks: { '/': 99 } });
  assert.equal(h.kinds('cpu'), ['pending:warning']);
  h.engine.status('h', status('offline', 'stopped'));
  assert.equal(h.kinds('cpu'), ['pending:warning', 'cleared:warning']);
  assert.is(h.events.find((e) => e.kind === 'cleared')?.cause, 'offline');
  assert.is(h.activeOf('disk:/')?.state, 'firing');
  h.advance(600);
  h.engine.tick();
  assert.equal(h.kinds('cpu'), ['pending:warning', 'cleared:warning'], 'no pending restarted while offline');
});

test('the offline rule can be disabled per host', () => {
  const h = harness(settingsOf({ hosts: { laptop: { offline: { enabled: false } } } }));
  h.engine.status('laptop', status('offline', 'lost'));
  h.engine.status('server', status('offline', 'lost'));
  assert.equal(h.kinds('offline', 'laptop'), []);
  assert.equal(h.kinds('offline', 'server'), ['firing:critical']);
});

test('a watched service stopped fires (warning), failed escalates (critical), running resolves; an unwatched one never fires', () => {
  const h = harness(settingsOf({ defaults: { services: { watch: ['nginx.service', 'postgresql.service'] } } }));
  h.engine.services('h', services(h.now, { 'nginx.service': 'running', 'postgresql.service': 'running', 'cups.service': 'failed' }));
  assert.equal(h.engine.active(), []);
  h.advance(10);
  h.engine.services('h', services(h.now, { 'nginx.service': 'stopped', 'postgresql.service': 'running', 'cups.service': 'failed' }));
  assert.equal(h.kinds('service:nginx.service'), ['firing:warning']);
  const a = h.activeOf('service:nginx.service');
  assert.is(a?.serviceState, 'stopped');
  assert.is(a?.value, null);
  assert.equal(a?.metric, { metric: 'service', key: 'nginx.service' });
  h.advance(10);
  h.engine.services('h', services(h.now, { 'nginx.service': 'failed', 'postgresql.service': 'running', 'cups.service': 'failed' }));
  assert.equal(h.kinds('service:nginx.service'), ['firing:warning', 'escalated:critical']);
  assert.is(h.activeOf('service:nginx.service')?.serviceState, 'failed');
  h.advance(10);
  h.engine.services('h', services(h.now, { 'nginx.service': 'running', 'postgresql.service': 'running', 'cups.service': 'failed' }));
  assert.equal(h.kinds('service:nginx.service'), ['firing:warning', 'escalated:critical', 'resolved:critical']);
  assert.equal(h.kinds('service:cups.service'), []);
  assert.equal(h.engine.active(), []);
});

test('per-host watched services replace the default list; unwatching ends the alert', () => {
  const watchNginx = settingsOf({ defaults: { services: { watch: ['nginx'] } }, hosts: { db: { services: { watch: ['postgresql'] } } } });
  const h = harness(watchNginx);
  for (const host of ['web', 'db']) h.engine.services(host, services(h.now, { nginx: 'stopped', postgresql: 'failed' }));
  assert.equal(h.kinds('service:nginx', 'web'), ['firing:warning']);
  assert.equal(h.kinds('service:postgresql', 'web'), []);
  assert.equal(h.kinds('service:nginx', 'db'), []);
  assert.equal(h.kinds('service:postgresql', 'db'), ['firing:critical']);
  h.setSettings(settingsOf({ defaults: { services: { watch: ['nginx'] } }, hosts: { db: { services: { watch: [] } } } }));
  h.engine.tick();
  assert.equal(h.kinds('service:postgresql', 'db'), ['firing:critical', 'resolved:critical']);
  assert.is(h.events.at(-1)?.cause, 'disabled');
  assert.equal(h.kinds('service:nginx', 'web'), ['firing:warning'], 'web untouched');
});

test('a service `for` delay lets a quick restart pass, and tick() fires a stop that lasts', () => {
  const h = harness(settingsOf({ defaults: { services: { watch: ['app'], for: 30 } } }));
  h.engine.services('h', services(h.now, { app: 'stopped' }));
  assert.equal(h.kinds('service:app'), ['pending:warning']);
  h.advance(5);
  h.engine.services('h', services(h.now, { app: 'running' }));
  assert.equal(h.kinds('service:app'), ['pending:warning', 'cleared:warning']);
  h.advance(5);
  h.engine.services('h', services(h.now, { app: 'stopped' }));
  h.advance(30);
  h.engine.tick();
  assert.equal(h.kinds('service:app'), ['pending:warning', 'cleared:warning', 'pending:warning', 'firing:warning']);
});

test('an older services payload is ignored', () => {
  const h = harness(settingsOf({ defaults: { services: { watch: ['app'] } } }));
  h.engine.services('h', services(h.now, { app: 'running' }));
  h.engine.services('h', services(h.now - 1000, { app: 'failed' }));
  assert.equal(h.engine.active(), []);
});

test('while offline is held (the server was away), neither a Last Will nor silence fires; a host still offline fires when the hold ends', () => {
  let heldUntil = Number.POSITIVE_INFINITY; // the ingest is not subscribed
  const h = harness(defaultAlertSettings(), { offlineHeldUntil: () => heldUntil });
  for (const host of ['back', 'gone', 'will']) {
    h.engine.status(host, status('online', 'connected', 1));
    h.feed(host, { cpu: 10 });
  }
  h.advance(10); // ten 1 s intervals of silence while the box is away
  h.engine.status('will', status('offline', 'lost'));
  h.engine.tick();
  assert.equal(h.events, [], 'nothing fires while the box sees nobody');
  heldUntil = h.now + 8000; // subscribed again: 8 s of grace
  h.advance(3);
  h.feed('back', { cpu: 10 });
  h.engine.status('will', status('online', 'connected', 1));
  h.engine.tick();
  assert.equal(h.events, [], 'those back within the grace never fire');
  for (let i = 0; i < 5; i++) {
    h.advance(1);
    h.feed('back', { cpu: 10 });
    h.feed('will', { cpu: 10 });
    h.engine.tick();
  }
  assert.equal(h.kinds('offline', 'gone'), ['firing:critical'], 'still silent when the grace ends: offline');
  assert.equal(h.events.filter((e) => e.alert.host !== 'gone'), []);
});

test.run();
