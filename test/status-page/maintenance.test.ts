import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MaintenanceWindow } from '../../alerts/maintenance.js';
import { DAY_MS, HOUR_MS } from '../../core/time.js';
import { occurrence, pageMaintenance } from '../../status-page/maintenance.js';

/** Which maintenance windows a page announces: running now or starting within 7 days, for its group or hosts. */

// Wednesday 2026-12-02 10:00 UTC.
const NOW = Date.UTC(2026, 11, 2, 10, 0);
const window = (id: number, scope: MaintenanceWindow['scope'], schedule: MaintenanceWindow['schedule']): MaintenanceWindow => ({ id, name: `w${id}`, scope, schedule, createdBy: 'someone', createdAt: 0 });

test('one-off windows: running, coming within 7 days, too far, over', () => {
  assert.equal(occurrence(window(1, { kind: 'all' }, { kind: 'once', start: NOW - HOUR_MS, end: NOW + HOUR_MS }), NOW), { start: NOW - HOUR_MS, end: NOW + HOUR_MS });
  assert.ok(occurrence(window(2, { kind: 'all' }, { kind: 'once', start: NOW + 6 * DAY_MS, end: NOW + 6 * DAY_MS + HOUR_MS }), NOW));
  assert.is(occurrence(window(3, { kind: 'all' }, { kind: 'once', start: NOW + 8 * DAY_MS, end: NOW + 9 * DAY_MS }), NOW), null);
  assert.is(occurrence(window(4, { kind: 'all' }, { kind: 'once', start: NOW - 2 * HOUR_MS, end: NOW - HOUR_MS }), NOW), null);
});

test('weekly windows: the next occurrence in its zone, or the one running now (past midnight too)', () => {
  // Fridays 22:00 UTC for 60 min → Friday 2026-12-04 22:00.
  assert.equal(occurrence(window(1, { kind: 'all' }, { kind: 'weekly', days: [5], start: '22:00', durationMinutes: 60, timeZone: 'UTC' }), NOW), { start: Date.UTC(2026, 11, 4, 22, 0), end: Date.UTC(2026, 11, 4, 23, 0) });
  // Tuesdays 23:00 Paris (22:00 UTC) for 14 h → runs until Wednesday 12:00 UTC: active now.
  const running = occurrence(window(2, { kind: 'all' }, { kind: 'weekly', days: [2], start: '23:00', durationMinutes: 14 * 60, timeZone: 'Europe/Paris' }), NOW);
  assert.equal(running, { start: Date.UTC(2026, 11, 1, 22, 0), end: Date.UTC(2026, 11, 2, 12, 0) });
  // Wednesdays 09:00 UTC for 30 min: today's is over, next week's is 7 days minus 30 min away → announced.
  assert.equal(occurrence(window(3, { kind: 'all' }, { kind: 'weekly', days: [3], start: '09:00', durationMinutes: 30, timeZone: 'UTC' }), NOW)?.start, Date.UTC(2026, 11, 9, 9, 0));
});

test('a page gets the windows of its group, of its hosts and for all hosts, soonest first, without who made them', () => {
  const windows = [
    window(1, { kind: 'group', groupId: 7 }, { kind: 'once', start: NOW + 2 * HOUR_MS, end: NOW + 3 * HOUR_MS }),
    window(2, { kind: 'group', groupId: 8 }, { kind: 'once', start: NOW + HOUR_MS, end: NOW + 2 * HOUR_MS }),
    window(3, { kind: 'host', host: 'web-1' }, { kind: 'once', start: NOW - HOUR_MS, end: NOW + HOUR_MS }),
    window(4, { kind: 'host', host: 'db-1' }, { kind: 'once', start: NOW, end: NOW + HOUR_MS }),
    window(5, { kind: 'all' }, { kind: 'once', start: NOW + DAY_MS, end: NOW + DAY_MS + HOUR_MS }),
  ];
  const shown = pageMaintenance(windows, 7, ['web-1'], NOW);
  assert.equal(shown.map((m) => [m.name, m.active]), [['w3', true], ['w1', false], ['w5', false]]);
  assert.equal(Object.keys(shown[0]!).sort(), ['active', 'end', 'name', 'start']);
});

test.run();
