import { DateTime } from 'luxon';
import { serverTimeZone, windowCovers, type MaintenanceWindow } from '../alerts/maintenance.js';
import { DAY_MS, MINUTE_MS } from '../core/time.js';

/** One maintenance window as a status page shows it: its name and the occurrence active now or coming next. */
export interface PublicMaintenance {
  name: string;
  start: number;
  end: number;
  active: boolean;
}

/** How far ahead a page announces maintenance. */
export const MAINTENANCE_AHEAD_MS = 7 * DAY_MS;

/**
 * The occurrence of a schedule that is running at `now` or starts before
 * `now + ahead`, else null. Weekly windows follow alerts/maintenance.ts:
 * wall-clock start in their zone, elapsed-minute duration.
 */
export function occurrence(window: MaintenanceWindow, now: number, ahead = MAINTENANCE_AHEAD_MS): { start: number; end: number } | null {
  const s = window.schedule;
  if (s.kind === 'once') return s.end > now && s.start < now + ahead ? { start: s.start, end: s.end } : null;
  const [hour, minute] = s.start.split(':').map(Number) as [number, number];
  const length = s.durationMinutes * MINUTE_MS;
  const today = DateTime.fromMillis(now, { zone: s.timeZone ?? serverTimeZone() });
  if (!today.isValid) return null;
  // From a start up to 7 days back (may still run) to 8 days ahead, the first one not over yet.
  for (let offset = -7; offset <= 8; offset++) {
    const day = today.plus({ days: offset });
    if (!s.days.includes(day.weekday % 7)) continue;
    const start = day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
    if (start + length <= now) continue;
    return start < now + ahead ? { start, end: start + length } : null;
  }
  return null;
}

/** The windows covering the page's group or one of its hosts, active now or within the next days, soonest first. */
export function pageMaintenance(windows: readonly MaintenanceWindow[], groupId: number, hosts: readonly string[], now: number): PublicMaintenance[] {
  const out: PublicMaintenance[] = [];
  for (const w of windows) {
    const covers = w.scope.kind === 'group' ? w.scope.groupId === groupId : w.scope.kind === 'all' || hosts.some((h) => windowCovers(w.scope, h, []));
    if (!covers) continue;
    const next = occurrence(w, now);
    if (next) out.push({ name: w.name, start: next.start, end: next.end, active: next.start <= now });
  }
  return out.sort((a, b) => a.start - b.start);
}
