/**
 * Weekly maintenance windows across summer-time changes (issue 10, item 18):
 * a window carries its IANA time zone, starts at a wall-clock time on
 * calendar days of that zone and lasts its duration in elapsed time — the
 * machine's own TZ plays no part. Through the REST API with an injected
 * clock, and the rule itself for spring and autumn in Europe/Paris and in
 * two southern zones.
 */
// The machine's zone must not matter: pick one with no DST, far from Europe.
process.env.TZ = 'Asia/Tokyo';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { windowActive, type MaintenanceSchedule } from '../../alerts/maintenance.js';
import { startDashboardStack, type DashboardStack } from '../dashboard/stack.js';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`bad date ${iso}`);
  return ms;
};
const weekly = (days: number[], start: string, durationMinutes: number, timeZone?: string): MaintenanceSchedule => ({
  kind: 'weekly', days, start, durationMinutes, ...(timeZone ? { timeZone } : {}),
});
const SUN = 0;
const SAT = 6;

test('Europe/Paris, spring (30 March 2025, 02:00 → 03:00): Sunday 23:00 for 2 h covers Monday 00:30', () => {
  const w = weekly([SUN], '23:00', 120, 'Europe/Paris');
  assert.not.ok(windowActive(w, at('2025-03-30T22:59:00+02:00')), 'not before 23:00 CEST');
  assert.ok(windowActive(w, at('2025-03-30T23:00:00+02:00')), 'starts at 23:00 CEST (21:00 UTC)');
  assert.ok(windowActive(w, at('2025-03-31T00:30:00+02:00')), 'the issue\'s case: Monday 00:30');
  assert.not.ok(windowActive(w, at('2025-03-31T01:00:00+02:00')), 'ends after 2 h');
  // Across the gap itself: 4 h of elapsed time from Saturday 23:00 CET end at 04:00 CEST.
  const overnight = weekly([SAT], '23:00', 240, 'Europe/Paris');
  assert.ok(windowActive(overnight, at('2025-03-30T03:30:00+02:00')));
  assert.not.ok(windowActive(overnight, at('2025-03-30T04:00:00+02:00')), '4 h elapsed, not 4 h of wall clock');
  // A start time inside the gap (02:30 does not exist that day) moves forward by the gap.
  const inGap = weekly([SUN], '02:30', 30, 'Europe/Paris');
  assert.ok(windowActive(inGap, at('2025-03-30T03:45:00+02:00')));
  assert.not.ok(windowActive(inGap, at('2025-03-30T04:00:00+02:00')));
});

test('Europe/Paris, autumn (26 October 2025, 03:00 → 02:00): start on the calendar day, length in elapsed time', () => {
  const w = weekly([SUN], '23:00', 120, 'Europe/Paris');
  assert.ok(windowActive(w, at('2025-10-26T23:00:00+01:00')), 'Sunday 23:00 CET');
  assert.ok(windowActive(w, at('2025-10-27T00:30:00+01:00')));
  assert.not.ok(windowActive(w, at('2025-10-27T01:00:00+01:00')));
  // Saturday 23:00 CEST for 4 h: the clock goes back an hour in between, so it ends at 01:00 UTC = 02:00 CET.
  const overnight = weekly([SAT], '23:00', 240, 'Europe/Paris');
  assert.ok(windowActive(overnight, at('2025-10-26T02:30:00+02:00')), 'the first 02:30 (CEST)');
  assert.ok(windowActive(overnight, at('2025-10-26T01:59:00+01:00')));
  assert.not.ok(windowActive(overnight, at('2025-10-26T02:30:00+01:00')), 'the second 02:30 (CET) is after 4 h');
  // Sunday 23:30 CET is 25 h after Saturday 23:30 CEST: a 24 h step back from it lands on Sunday again.
  const saturdayLate = weekly([SAT], '23:30', 25 * 60, 'Europe/Paris');
  assert.ok(windowActive(saturdayLate, at('2025-10-26T23:29:00+01:00')), 'started Saturday 23:30 CEST, 25 h ago minus a minute');
  assert.not.ok(windowActive(saturdayLate, at('2025-10-26T23:31:00+01:00')));
});

test('southern zones: Australia/Sydney (spring 5 Oct 2025, autumn 6 Apr 2025) and America/Santiago', () => {
  const sydney = weekly([SUN], '23:00', 120, 'Australia/Sydney');
  assert.ok(windowActive(sydney, at('2025-10-06T00:30:00+11:00')), 'Monday 00:30 after the spring change');
  assert.not.ok(windowActive(sydney, at('2025-10-06T01:00:00+11:00')));
  assert.ok(windowActive(sydney, at('2025-04-07T00:30:00+10:00')), 'Monday 00:30 after the autumn change');
  assert.not.ok(windowActive(sydney, at('2025-04-06T23:30:00+11:00')), 'a time that never reads 23:30 on Sunday in AEST');
  // Santiago moves at midnight: on 7 Sept 2025, 00:00 becomes 01:00; on 6 April 2025, 00:00 becomes 23:00 on Saturday.
  const santiago = weekly([SAT], '22:00', 180, 'America/Santiago');
  assert.ok(windowActive(santiago, at('2025-04-05T22:00:00-03:00')));
  assert.ok(windowActive(santiago, at('2025-04-05T23:30:00-04:00')), 'Saturday 23:30 again, after the clock went back');
  assert.not.ok(windowActive(santiago, at('2025-04-06T00:00:00-04:00')), '3 h elapsed end at 00:00 -04');
  const sundayMorning = weekly([SUN], '00:30', 60, 'America/Santiago');
  assert.ok(windowActive(sundayMorning, at('2025-09-07T01:45:00-03:00')), '00:30 does not exist that Sunday: it starts at 01:30');
  assert.not.ok(windowActive(sundayMorning, at('2025-09-07T02:30:00-03:00')));
});

test('a window without a zone is read in the server\'s zone (TZ), whatever it is', () => {
  const w = weekly([SUN], '23:00', 120);
  const before = process.env.TZ;
  try {
    process.env.TZ = 'Europe/Paris';
    assert.ok(windowActive(w, at('2025-03-31T00:30:00+02:00')), 'the issue\'s case with TZ=Europe/Paris');
    process.env.TZ = 'America/New_York';
    assert.not.ok(windowActive(w, at('2025-03-31T00:30:00+02:00')), 'Sunday 18:30 in New York');
  } finally {
    process.env.TZ = before;
  }
});

let now = at('2025-03-30T12:00:00Z');
let s: DashboardStack | undefined;
test.after(async () => {
  await s?.close();
});

test('REST: a window carries its zone (validated, the server\'s by default) and GET says when it is active', async () => {
  s = await startDashboardStack({ clock: { now: () => now } });
  const post = (schedule: Record<string, unknown>) => s!.admin.send<{ id: number; schedule: MaintenanceSchedule }>('POST', '/api/maintenance', { name: `w${Math.random()}`, scope: { kind: 'all' }, schedule });
  const paris = await post({ kind: 'weekly', days: [SUN], start: '23:00', durationMinutes: 120, timeZone: 'Europe/Paris' });
  assert.is(paris.status, 201);
  assert.is(paris.data.schedule.kind === 'weekly' && paris.data.schedule.timeZone, 'Europe/Paris');

  const bad = await post({ kind: 'weekly', days: [SUN], start: '23:00', durationMinutes: 120, timeZone: 'Europe/Pariss' });
  assert.is(bad.status, 400);
  assert.match((bad.body as { error: { message: string } }).error.message, /^schedule\.timeZone: "Europe\/Pariss" is not an IANA time zone/);
  const wrongType = await post({ kind: 'weekly', days: [SUN], start: '23:00', durationMinutes: 120, timeZone: 5 });
  assert.is(wrongType.status, 400);

  const byDefault = await post({ kind: 'weekly', days: [SUN], start: '23:00', durationMinutes: 120 });
  assert.is(byDefault.data.schedule.kind === 'weekly' && byDefault.data.schedule.timeZone, 'Asia/Tokyo', 'the server\'s zone, written down');

  const active = async (id: number): Promise<boolean | undefined> =>
    (await s!.admin.get<Array<{ id: number; active: boolean }>>('/api/maintenance')).data.find((w) => w.id === id)?.active;
  now = at('2025-03-31T00:30:00+02:00');
  assert.is(await active(paris.data.id), true, 'Monday 00:30 in Paris after the spring change');
  assert.is(await active(byDefault.data.id), false, 'in Tokyo it is Monday 07:30');
  now = at('2025-03-31T01:00:00+02:00');
  assert.is(await active(paris.data.id), false);
});

test.run();
