import { Type, type Static } from '@sinclair/typebox';
import { DateTime, IANAZone } from 'luxon';
import { MINUTE_MS } from '../core/time.js';

/**
 * Maintenance windows (seed 004): during one, alerts are still evaluated
 * and shown, marked "maintenance", but not notified. One-off (from/to) or
 * weekly (days of the week, a wall-clock start time in an IANA time zone and
 * a duration), for one host, a group or every host.
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
    start: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, wall-clock time in timeZone' }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, description: 'Elapsed minutes (a DST change does not stretch or shrink it)' }),
    timeZone: Type.Optional(Type.String({
      minLength: 1, maxLength: 64,
      description: 'IANA time zone of days and start, e.g. Europe/Paris; the server\'s zone when left out (filled in at creation)',
    })),
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

/** The server's IANA time zone (TZ, else the system's): where weekly windows without a zone are read. */
export function serverTimeZone(): string {
  return DateTime.local().zoneName ?? 'UTC';
}

/** Why a time zone name is refused, naming the field; null when luxon knows it. */
export function timeZoneError(zone: string, field = 'schedule.timeZone'): string | null {
  return IANAZone.isValidZone(zone) ? null : `${field}: "${zone.slice(0, 64)}" is not an IANA time zone (e.g. Europe/Paris, America/Santiago, UTC)`;
}

/**
 * Whether `schedule` covers `now` (ms). Weekly windows start at a wall-clock
 * time in their zone (calendar days, not 24 h steps, so a DST change in
 * between moves nothing) and last `durationMinutes` of elapsed time; they may
 * run past midnight. A start time that does not exist that day (the spring
 * gap) is moved forward by the gap, as luxon does.
 */
export function windowActive(schedule: MaintenanceSchedule, now: number): boolean {
  if (schedule.kind === 'once') return schedule.start <= now && now < schedule.end;
  const [hour, minute] = schedule.start.split(':').map(Number) as [number, number];
  const length = schedule.durationMinutes * MINUTE_MS;
  const zone = schedule.timeZone ?? serverTimeZone();
  const today = DateTime.fromMillis(now, { zone });
  if (!today.isValid) return false; // a zone removed from the tz database since: never active rather than a crash
  // A window that started up to 7 days ago may still be running.
  for (let back = 0; back <= 7; back++) {
    const day = today.minus({ days: back });
    if (!schedule.days.includes(day.weekday % 7)) continue; // luxon: 1 = Monday … 7 = Sunday; ours: 0 = Sunday
    const start = day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
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
