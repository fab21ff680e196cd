/**
 * Container rules (issue 15): stopped after being seen running, unhealthy,
 * restart loop; ignore list and per-host overrides; words in both languages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeAlert } from '../../alerts/advice.js';
import type { ContainerMetrics } from '../../protocol/payloads.js';
import { defaultAlertSettings } from '../../alerts/rules.js';
import { harness, settingsOf } from './harness.js';

const ID = '0123456789ab';
const c = (name: string, over: Partial<ContainerMetrics> = {}): ContainerMetrics => ({ id: ID, name, image: 'nginx:1.25', state: 'running', health: 'none', restarts: 0, ...over });

function feed(h: ReturnType<typeof harness>, containers: ContainerMetrics[]): void {
  h.engine.sample('h', { v: 1, ts: h.now, containers });
}

test('a container seen running that exits non-zero fires critical after `for` (30 s default); running again resolves it', () => {
  const h = harness();
  feed(h, [c('web')]);
  assert.equal(h.kinds('container:web'), []);
  h.advance(5);
  feed(h, [c('web', { state: 'exited', exitCode: 1 })]);
  assert.equal(h.kinds('container:web'), ['pending:critical']);
  h.advance(25);
  feed(h, [c('web', { state: 'exited', exitCode: 1 })]);
  assert.equal(h.kinds('container:web'), ['pending:critical'], 'not before 30 s');
  h.advance(5);
  feed(h, [c('web', { state: 'exited', exitCode: 1 })]);
  assert.equal(h.kinds('container:web'), ['pending:critical', 'firing:critical']);
  const a = h.activeOf('container:web')!;
  assert.equal(a.container, { name: 'web', image: 'nginx:1.25', state: 'exited', health: 'none', restarts: 0, exitCode: 1 });
  assert.is(a.metric.metric, 'container.up');
  const en = describeAlert(a, 'en', 'box', h.now);
  assert.is(en.title, 'Container web stopped, exit code 1 — box');
  assert.match(en.advice, /docker logs --tail 50 web/);
  assert.match(en.advice, /docker inspect web/);
  const fr = describeAlert(a, 'fr', 'box', h.now);
  assert.is(fr.title, 'Conteneur web arrêté, code de sortie 1 — box');
  h.advance(5);
  feed(h, [c('web', { startedAt: h.now })]);
  assert.equal(h.kinds('container:web').at(-1), 'resolved:critical');
});

test('a clean exit (code 0) is a warning; one never seen running, an ignored one and a removed one do not alert', () => {
  const h = harness(settingsOf({ defaults: { containers: { for: 0, ignore: ['backup'] } } }));
  feed(h, [c('web'), c('job', { state: 'exited', exitCode: 2 }), c('backup')]);
  h.advance(5);
  feed(h, [c('web', { state: 'exited', exitCode: 0 }), c('job', { state: 'exited', exitCode: 2 }), c('backup', { state: 'exited', exitCode: 1 })]);
  assert.equal(h.kinds('container:web'), ['firing:warning']);
  assert.equal(h.kinds('container:job'), []);
  assert.equal(h.kinds('container:backup'), []);
  h.advance(5);
  feed(h, []); // web removed (docker rm): its alert ends
  assert.equal(h.kinds('container:web').at(-1), 'resolved:warning');
  assert.is(h.events.at(-1)?.cause, 'gone');
});

test('a sample without the containers group keeps container alerts as they are', () => {
  const h = harness(settingsOf({ defaults: { containers: { for: 0 } } }));
  feed(h, [c('web')]);
  feed(h, [c('web', { state: 'dead' })]);
  h.advance(1);
  feed(h, [c('web', { state: 'dead' })]);
  assert.is(h.activeOf('container:web')?.state, 'firing');
  h.advance(1);
  h.feed('h', { cpu: 5 });
  assert.is(h.activeOf('container:web')?.state, 'firing');
});

test('unhealthy fires a warning after `for`; healthy again resolves it', () => {
  const h = harness(settingsOf({ hosts: { h: { containers: { for: 10 } } } }));
  feed(h, [c('db', { health: 'starting' })]);
  h.advance(5);
  feed(h, [c('db', { health: 'unhealthy' })]);
  h.advance(10);
  feed(h, [c('db', { health: 'unhealthy' })]);
  assert.equal(h.kinds('container_health:db'), ['pending:warning', 'firing:warning']);
  assert.match(describeAlert(h.activeOf('container_health:db')!, 'en', 'box', h.now).advice, /\.State\.Health/);
  assert.match(describeAlert(h.activeOf('container_health:db')!, 'fr', 'box', h.now).title, /mauvaise santé/);
  h.advance(5);
  feed(h, [c('db', { health: 'healthy' })]);
  assert.equal(h.kinds('container_health:db').at(-1), 'resolved:warning');
});

test('restart loop: N restarts within the window fire critical; it resolves once the window holds fewer; a recreated container starts afresh', () => {
  const h = harness(settingsOf({ defaults: { containers: { restarts: 3, restartMinutes: 2 } } }));
  let n = 0;
  for (let i = 0; i < 3; i++) {
    feed(h, [c('loop', { restarts: n })]);
    h.advance(20);
    n++;
  }
  assert.equal(h.kinds('container_restarts:loop'), [], 'two restarts in the window are not a loop');
  feed(h, [c('loop', { restarts: n })]);
  assert.equal(h.kinds('container_restarts:loop'), ['firing:critical']);
  const a = h.activeOf('container_restarts:loop')!;
  assert.is(a.container?.recentRestarts, 3);
  assert.match(describeAlert(a, 'en', 'box', h.now).detail, /^3 restarts in 2 min \(3 in all\)/);
  assert.match(describeAlert(a, 'fr', 'box', h.now).detail, /^3 redémarrages en 2 min/);
  // No restart for more than the window: resolved.
  for (let i = 0; i < 8; i++) {
    h.advance(20);
    feed(h, [c('loop', { restarts: n })]);
  }
  assert.equal(h.kinds('container_restarts:loop'), ['firing:critical', 'resolved:critical']);
  // Recreated under the same name: its count starts again from 0, not a negative or bogus loop.
  h.advance(20);
  feed(h, [c('loop', { restarts: 0 })]);
  h.advance(20);
  feed(h, [c('loop', { restarts: 1 })]);
  assert.equal(h.kinds('container_restarts:loop'), ['firing:critical', 'resolved:critical']);
});

test('rules are configurable like the others: disabled per host; bad ignore names refused naming the field', () => {
  const h = harness(settingsOf({ hosts: { h: { containers: { enabled: false } } } }));
  feed(h, [c('web')]);
  feed(h, [c('web', { state: 'exited', exitCode: 1 })]);
  h.advance(60);
  feed(h, [c('web', { state: 'exited', exitCode: 1 })]);
  assert.equal(h.kinds('container:web'), []);
  assert.equal(defaultAlertSettings().defaults.containers, { enabled: true, for: 30, restarts: 3, restartMinutes: 10, ignore: [] });
  assert.throws(() => settingsOf({ defaults: { containers: { ignore: ['bad name/../'] } } }), /defaults\.containers\.ignore\.0/);
});

test.run();
