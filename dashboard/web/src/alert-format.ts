import { alertSpan, describeAlert, type AlertText } from '../../../alerts/advice.js';
import { spokenDuration } from '../../../alerts/words.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { getLang, locale, t } from './i18n/index.js';
import type { AlertView, MaintenanceView } from './model.js';

/** How alerts and maintenance windows read on screen, in the current language. */

/** A value in the alert's unit: "92 %", "1.8 per core", "81 °C", "3 min", "14 h". */
export function formatAlertValue(alert: Pick<AlertView, 'unit' | 'serviceState'>, value: number | null): string {
  if (alert.unit === 'state') return alert.serviceState ? t(`service.${alert.serviceState}` as 'service.stopped') : '–';
  if (value === null || !Number.isFinite(value)) return '–';
  switch (alert.unit) {
    case 'percent': return formatPercent(value, 1);
    case 'perCore': return t('alerts.perCore', { v: formatNumber(value, 2) });
    case 'celsius': return `${formatNumber(value, 1)} °C`;
    case 'seconds': return formatDuration(value);
    // A forecast's hours to full: "10 min", "5 h 12 min", never "0.2 h".
    case 'hours': return formatDuration(value * 3600);
    default: return formatNumber(value, 2);
  }
}

/** "92 % (threshold 85 %)", or the value alone when there is no threshold. */
export function valueLine(alert: AlertView): string {
  const value = formatAlertValue(alert, alert.value);
  return alert.threshold === null ? value : t('alerts.valueOf', { value, threshold: formatAlertValue(alert, alert.threshold) });
}

/**
 * How long the alert's condition has held (or held, once resolved): the same
 * span and the same words as the "for X" of its detail (alerts/advice.ts).
 */
export function alertDuration(alert: AlertView, now: number): string {
  return spokenDuration(alertSpan(alert, now).ms, getLang());
}

/** Title, detail and advice in the viewer's language, as of `now`, from the alert's kind and parameters. */
export function alertWords(alert: AlertView, now: number): AlertText {
  return describeAlert(alert, getLang(), alert.hostLabel || alert.host, now);
}

const timeFormat = (): Intl.DateTimeFormat => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });
const dayNames = (): string[] => {
  const f = new Intl.DateTimeFormat(locale(), { weekday: 'short' });
  // 2023-01-01 was a Sunday: index 0 = Sunday, as the API counts.
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(2023, 0, 1 + i)));
};

/** Day names (short), Sunday first, in the current language. */
export const weekdayNames = dayNames;

/** "From 3 Mar 2025, 22:00 to 4 Mar 2025, 02:00", "Every Mon, Thu at 22:00 for 2 h". */
export function scheduleInWords(w: MaintenanceView): string {
  const s = w.schedule;
  if (s.kind === 'once') {
    const f = timeFormat();
    return t('maint.onceWords', { start: f.format(s.start), end: f.format(s.end) });
  }
  const names = dayNames();
  // Monday first, as most of the world reads a week; Sunday last.
  const days = [...s.days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7)).map((d) => names[d] ?? String(d));
  const every = days.length === 7 ? t('maint.everyDay') : days.join(', ');
  return t('maint.weeklyWords', { days: every, time: s.start, zone: s.timeZone ?? t('maint.zoneServer'), duration: formatDuration(s.durationMinutes * 60) });
}
