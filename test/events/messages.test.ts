/**
 * Event lines in the reader's language (issue 11 item 7) and paging through
 * the whole log with cursors, on a real events.db with a fake clock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventLog, type VigieEvent } from '../../events/event-log.js';
import { eventMessage, TEMPLATED_TYPES } from '../../events/messages.js';
import { tempDir } from '../helpers/env.js';

const T0 = 1_765_000_000_000;
const line = (e: Partial<VigieEvent> & Pick<VigieEvent, 'type' | 'message'>) => ({ host: null, user: null, data: null, ...e });

test('each templated type renders from its data in English and French', () => {
  const offline = line({ type: 'host.offline', host: 'vps-a', message: 'vps-a went offline (lost)', data: { reason: 'lost' } });
  assert.is(eventMessage(offline, 'en'), 'vps-a went offline (connection lost)');
  assert.is(eventMessage(offline, 'fr'), 'vps-a est hors ligne (connexion perdue)');
  const created = line({ type: 'user.created', message: 'User zoe created (viewer)', data: { id: 3, after: { name: 'zoe', role: 'viewer', groups: [] } } });
  assert.is(eventMessage(created, 'fr'), 'Utilisateur zoe créé (lecteur)');
  const failed = line({ type: 'notify.failed', message: 'Test message to "ops" failed: 500', data: { channel: 1, name: 'ops', type: 'webhook', error: 'HTTP 500', test: true } });
  assert.is(eventMessage(failed, 'en'), 'Test message to "ops" failed: HTTP 500');
  assert.is(eventMessage(failed, 'fr'), 'Échec du message de test vers « ops » : HTTP 500');
  for (const type of ['auth.login', 'alert.firing', 'host.first_seen', 'maintenance.created', 'events.purged']) assert.ok(TEMPLATED_TYPES.includes(type), type);
  const refused = line({ type: 'host.enroll_refused', host: 'vps-b', message: 'Enrollment refused (used token) for vps-b', data: { reason: 'used', failures: 1 } });
  assert.is(eventMessage(refused, 'fr'), 'Inscription refusée pour vps-b (jeton déjà utilisé)');
  assert.is(eventMessage({ ...refused, host: null, data: { reason: 'unknown' } }, 'en'), 'Enrollment refused (unknown token)');
  assert.is(eventMessage(line({ type: 'host.enroll_token', host: 'vps-b', message: '' }), 'fr'), 'Commande d’installation créée pour vps-b');
});

test('alert events are titled from the alert kept in their data, in the reader\'s language', () => {
  const alert = {
    host: 'web-1', rule: 'disk:/var', severity: 'warning', state: 'firing', value: 91, threshold: 85, unit: 'percent',
    metric: { metric: 'disk.usedPercent', key: '/var' }, since: T0, firedAt: T0, resolvedAt: null,
  };
  const fired = line({ type: 'alert.firing', host: 'web-1', message: 'Disk /var at 91 % on web-1', data: { id: 4, rule: 'disk:/var', alert } });
  assert.is(eventMessage(fired, 'en'), 'Disk /var at 91 % on web-1');
  assert.is(eventMessage(fired, 'fr'), 'Disque /var à 91 % sur web-1');
  const acked = line({ type: 'alert.acknowledged', host: 'web-1', message: '… — acknowledged', data: { id: 4, comment: '', alert } });
  assert.is(eventMessage(acked, 'fr'), 'Disque /var à 91 % sur web-1 — acquittée');
  const silenced = line({ type: 'alert.silenced', host: 'web-1', message: '… — silenced', data: { id: 4, minutes: 60, alert } });
  assert.is(eventMessage(silenced, 'fr'), 'Disque /var à 91 % sur web-1 — mise en sourdine pour 60 min');
});

test('an unknown type, or an old row without the parameters, keeps its stored message', () => {
  assert.is(eventMessage(line({ type: 'agent.upgraded', message: 'web-1 upgraded to 0.2.0' }), 'fr'), 'web-1 upgraded to 0.2.0');
  // Written before alert events kept the alert: English, as stored.
  assert.is(eventMessage(line({ type: 'alert.firing', host: 'web-1', message: 'CPU at 97 % on web-1', data: { id: 1, rule: 'cpu' } }), 'fr'), 'CPU at 97 % on web-1');
  assert.is(eventMessage(line({ type: 'auth.locked', user: 'eve', message: 'Account "eve" locked after 5 failed logins', data: { until: T0 } }), 'fr'), 'Account "eve" locked after 5 failed logins');
  // One shape, two stories (the account page, `vigie user`): the stored line says which.
  assert.is(eventMessage(line({ type: 'user.updated', user: 'command line', message: 'Password of eve reset from the command line', data: { id: 2, password: true } }), 'fr'), 'Password of eve reset from the command line');
  assert.is(eventMessage(line({ type: 'user.updated', user: 'eve', message: '', data: { id: 2, before: { name: 'eve' }, after: { name: 'eva' }, password: false } }), 'fr'), 'eve a changé son nom');
  // A hostile value is text, never a template.
  assert.is(eventMessage(line({ type: 'auth.login', user: '{user} <b>', message: '' }), 'en'), '{user} <b> signed in');
});

test('beforeId and afterId page through the whole log, also across rows of the same millisecond, keeping filters', () => {
  const dir = tempDir();
  let t = T0;
  const log = EventLog.open(dir.path, { now: () => t });
  try {
    // 23 events, three per millisecond, two types.
    for (let i = 0; i < 23; i++) {
      if (i % 3 === 0) t += 1;
      log.append({ type: i % 2 === 0 ? 'host.online' : 'auth.login', user: `u${i}`, message: `event ${i}` });
    }
    const all = log.query({ limit: 1000 });
    assert.is(all.length, 23);
    const pages: number[][] = [];
    let cursor: number | undefined;
    for (;;) {
      const page = log.query({ limit: 5, ...(cursor === undefined ? {} : { beforeId: cursor }) });
      if (page.length === 0) break;
      pages.push(page.map((e) => e.id));
      cursor = page.at(-1)!.id;
    }
    assert.is(pages.length, 5, '23 events in pages of 5');
    assert.equal(pages.flat(), all.map((e) => e.id), 'every event once, in order');
    // Back towards the newest from the third page.
    const back = log.query({ limit: 5, afterId: pages[2]![0]! });
    assert.equal(back.map((e) => e.id), pages[1], 'the page before, newest first');
    // A filter holds across pages: the `host.*` family only.
    const hosts: VigieEvent[] = [];
    cursor = undefined;
    for (;;) {
      const page = log.query({ type: 'host.*', limit: 4, ...(cursor === undefined ? {} : { beforeId: cursor }) });
      if (page.length === 0) break;
      hosts.push(...page);
      cursor = page.at(-1)!.id;
    }
    assert.is(hosts.length, 12);
    assert.ok(hosts.every((e) => e.type === 'host.online'));
  } finally {
    log.close();
    dir.remove();
  }
});

test.run();
