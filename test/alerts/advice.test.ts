/**
 * Alert words (issue 11 item 7): the "for X" of a detail and the dashboard's
 * "Lasted X" measure one span; the forecast says when in human words with a
 * date and its rate in a readable unit; both languages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alertSpan, describeAlert } from '../../alerts/advice.js';
import type { Alert } from '../../alerts/types.js';
import { spokenAhead, spokenDuration, spokenGrowth, spokenMoment, spokenPercentRate } from '../../alerts/words.js';
import { MINUTE_MS } from '../../core/time.js';

// Thu 10 Dec 2026, 14:22 UTC.
const T0 = Date.UTC(2026, 11, 10, 14, 22);

const cpu = (over: Partial<Alert> = {}): Alert => ({
  host: 'web-1', rule: 'cpu', severity: 'critical', state: 'firing', value: 97, threshold: 95, unit: 'percent',
  metric: { metric: 'cpu.usage', key: '' }, since: T0, firedAt: T0 + 2 * MINUTE_MS, resolvedAt: null, ...over,
} as Alert);

test('a resolved alert: the "for X" of its detail is its start to its end, not to now, and equals its lasted time', () => {
  const resolved = cpu({ state: 'resolved', resolvedAt: T0 + 4 * MINUTE_MS });
  // Looked at 14 minutes after it started: the old text said "for 14 min" next to "Lasted 4 min".
  const now = T0 + 14 * MINUTE_MS;
  const en = describeAlert(resolved, 'en', 'web-1', now);
  assert.is(en.detail, 'Above the critical threshold of 95 % for 4 min.');
  assert.is(spokenDuration(alertSpan(resolved, now).ms, 'en'), '4 min', 'the dashboard\'s "Lasted" reads the same span');
  assert.ok(en.detail.includes(spokenDuration(alertSpan(resolved, now).ms, 'en')));
  assert.is(en.title, 'Resolved: CPU at 97 % on web-1');
  assert.is(en.advice, '', 'no advice once over');
  const fr = describeAlert(resolved, 'fr', 'web-1', now);
  assert.is(fr.detail, 'Au-dessus du seuil critique de 95 % pendant 4 min.');
  assert.is(fr.title, 'Résolue : Processeur à 97 % sur web-1');
});

test('a firing alert: "for X" runs to now, from when the condition started', () => {
  const firing = cpu();
  assert.is(describeAlert(firing, 'en', 'web-1', T0 + 74 * MINUTE_MS).detail, 'Above the critical threshold of 95 % for 1 h 14 min.');
  assert.is(describeAlert(firing, 'fr', 'web-1', T0 + 26 * 60 * MINUTE_MS).detail, 'Au-dessus du seuil critique de 95 % depuis 1 j 2 h.');
  assert.match(describeAlert(firing, 'fr', 'web-1', T0).advice, /processus/);
});

test('an offline alert says why in words, in the reader\'s language', () => {
  const offline = cpu({ rule: 'offline', unit: 'seconds', value: null, threshold: 120, metric: { metric: 'presence', key: '' }, offlineReason: 'lost' });
  assert.is(describeAlert(offline, 'fr', 'web-1', T0 + 5 * MINUTE_MS).detail, 'Aucune nouvelle de l’agent depuis 5 min (connexion perdue).');
  assert.is(describeAlert(offline, 'fr', 'web-1', T0).title, 'Machine hors ligne : web-1');
  assert.is(describeAlert(offline, 'en', 'web-1', T0 + 5 * MINUTE_MS).detail, 'No word from the agent for 5 min (connection lost).');
});

test('durations ahead and moments in words, minutes to days, with a date', () => {
  assert.is(spokenAhead(10 * MINUTE_MS, 'en'), 'about 10 minutes');
  assert.is(spokenAhead(1 * MINUTE_MS, 'en'), 'about 1 minute');
  assert.is(spokenAhead(20 * 1000, 'fr'), 'moins d’une minute');
  assert.is(spokenAhead(5 * 60 * MINUTE_MS, 'fr'), 'environ 5 heures');
  assert.is(spokenAhead(3 * 24 * 60 * MINUTE_MS, 'en'), 'about 3 days');
  assert.is(spokenMoment(T0 + 10 * MINUTE_MS, T0, 'en', 'UTC'), '14:32', 'later today: the time');
  assert.is(spokenMoment(T0 + 12 * 60 * MINUTE_MS, T0, 'en', 'UTC'), 'Fri 02:22', 'within two days: day and time');
  assert.is(spokenMoment(T0 + 3 * 24 * 60 * MINUTE_MS, T0, 'en', 'UTC'), 'Sun 13 Dec', 'further: the date');
  assert.is(spokenMoment(T0 + 12 * 60 * MINUTE_MS, T0, 'fr', 'UTC'), 'ven. 02:22');
  assert.is(spokenMoment(T0 + 9 * 24 * 60 * MINUTE_MS, T0, 'en', 'UTC'), 'Sat 19 Dec', 'further: the date');
  assert.is(spokenMoment(T0 + 9 * 24 * 60 * MINUTE_MS, T0, 'fr', 'UTC'), 'sam. 19 déc.');
  assert.is(spokenMoment(T0 + 10 * MINUTE_MS, T0, 'en', 'Asia/Tokyo'), '23:32', 'in the zone asked for');
});

test('rates in the unit that reads best', () => {
  // Bytes and points in one time unit, the one that suits the points.
  assert.is(spokenGrowth(0.5, 240 * 1024 ** 3, 'en'), '+28.8 GiB/day, +12 %/day');
  assert.is(spokenGrowth(2, 60 * 1024 ** 3, 'en'), '+1.2 GiB/h, +2 %/h');
  assert.is(spokenGrowth(611.6, 20 * 1024 ** 3, 'fr'), '+2 Gio/min, +10 %/min');
  assert.is(spokenGrowth(2, undefined, 'en'), '+2 %/h');
  assert.is(spokenPercentRate(611.6, 'en'), '+10 %/min');
  assert.is(spokenPercentRate(360, 'fr'), '+6 %/min');
  assert.is(spokenPercentRate(1.5, 'fr'), '+1,5 %/h');
  assert.is(spokenPercentRate(0.2, 'en'), '+4.8 %/day');
  assert.is(spokenPercentRate(0.2, 'fr'), '+4,8 %/jour');
});

test('a disk forecast says when it will be full in words with a date, and its rate, in both languages', () => {
  const forecast = (hours: number, slopePerHour: number): Alert => ({
    host: 'db-1', rule: 'disk_forecast:/var', severity: 'warning', state: 'firing', value: hours, threshold: 24, unit: 'hours',
    metric: { metric: 'disk.usedPercent', key: '/var' }, since: T0, firedAt: T0, resolvedAt: null,
    forecast: { slopePerHour, r2: 0.99, points: 60, spanHours: 1, fitted: 90, fullAt: T0 + Math.round(hours * 3_600_000), hoursToFull: hours },
  } as Alert);
  const soon = forecast(10 / 60, 611.6);
  assert.is(describeAlert(soon, 'en', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Full in about 10 minutes (around 14:32) at the current rate (+10 %/min).');
  assert.is(describeAlert(soon, 'fr', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Plein dans environ 10 minutes (vers 14:32) au rythme actuel (+10 %/min).');
  assert.is(describeAlert(forecast(5, 2), 'en', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Full in about 5 hours (around 19:22) at the current rate (+2 %/h).');
  assert.is(describeAlert(forecast(72, 0.14), 'en', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Full in about 3 days (around Sun 13 Dec) at the current rate (+3.4 %/day).');
  assert.is(describeAlert(forecast(9 * 24, 0.05), 'fr', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Plein dans environ 9 jours (vers sam. 19 déc.) au rythme actuel (+1,2 %/jour).');
  // Looked at later, the time left shrinks with the clock: the date stays.
  assert.is(describeAlert(forecast(5, 2), 'en', 'db-1', T0 + 3 * 60 * MINUTE_MS, { timeZone: 'UTC' }).detail, 'Full in about 2 hours (around 19:22) at the current rate (+2 %/h).');
  assert.is(describeAlert(forecast(5, 2), 'fr', 'db-1', T0).title, 'Disque en train de se remplir /var — db-1');
  // With the mount's size, the growth reads in bytes too.
  const sized = forecast(5, 2);
  sized.forecast = { ...sized.forecast!, sizeBytes: 100 * 1024 ** 3 };
  assert.is(describeAlert(sized, 'en', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Full in about 5 hours (around 19:22) at the current rate (+2 GiB/h, +2 %/h).');
  assert.is(describeAlert(sized, 'fr', 'db-1', T0, { timeZone: 'UTC' }).detail, 'Plein dans environ 5 heures (vers 19:22) au rythme actuel (+2 Gio/h, +2 %/h).');
});

test.run();
