import { Type, type Static } from '@sinclair/typebox';
import { DAY_MS, MINUTE_MS } from '../core/time.js';

/**
 * Maintenance windows (seed 004): during one, alerts are still evaluated
 * and shown, marked "maintenance", but not notified. One-off (from/to) or
 * weekly (days of the week, a start time in the box's local time zone and a
 * duration), for one host, a group or every host.
 */
export const MaintenanceScope = Type.Union([
  Type.Object({ kind: Type.Literal('all') }),
  Type.Object({ kind: Type.Literal('host'), host: Type.String({ minLength: 1, maxLength: 63 }) }),
  Type.Object({ kind: Type.Literal('group'), groupId: Type.Integer({ minimum: 1 }) }),
]);
export type MaintenanceScope = Static<typeof MaintenanceScope>;

export const MaintenanceSchedule = Type.Union([
  Type.Object({
    kind: Type.Literal('once'),
    start: Type.Integer({ minimum: 0, description: 'ms since the epoch' }),
    end: Type.Integer({ minimum: 0, description: 'ms since the epoch, after start' }),
  }),
  Type.Object({
    kind: Type.Literal('weekly'),
    days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, description: '0 = Sunday … 6 = Saturday' }),
    start: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, local time of the box' }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }),
  }),
]);
export type MaintenanceSchedule = Static<typeof MaintenanceSchedule>;

export const MaintenanceInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  scope: MaintenanceScope,
  schedule: MaintenanceSchedule,
});
export type MaintenanceInput = Static<typeof MaintenanceInput>;

export interface MaintenanceWindow extends MaintenanceInput {
  id: number;
  createdBy: string | null;
  createdAt: number;
}

/** Whether `window` covers `now` (ms). Weekly windows use the box's local time and may run past midnight. */
export function windowActive(schedule: MaintenanceSchedule, now: number): boolean {
  if (schedule.kind === 'once') return schedule.start <= now && now < schedule.end;
  const [hh, mm] = schedule.start.split(':').map(Number) as [number, number];
  const length = schedule.durationMinutes * MINUTE_MS;
  // A window that started up to 7 days ago may still be running.
  for (let back = 0; back <= 7; back++) {
    const day = new Date(now - back * DAY_MS);
    if (!schedule.days.includes(day.getDay())) continue;
    const start = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hh, mm).getTime();
    if (start <= now && now < start + length) return true;
  }
  return false;
}

/** Whether a window applies to a host (in the given groups). */
export function windowCovers(scope: MaintenanceScope, host: string, groupIds: readonly number[]): boolean {
  return scope.kind === 'all' || (scope.kind === 'host' ? scope.host === host : groupIds.includes(scope.groupId));
}

/** The windows active now for a host. */
export function activeWindows(windows: readonly MaintenanceWindow[], host: string, groupIds: readonly number[], now: number): MaintenanceWindow[] {
  return windows.filter((w) => windowCovers(w.scope, host, groupIds) && windowActive(w.schedule, now));
}
