import { alertSpan, describeAlert, ruleParts, type AlertText } from '../../../alerts/advice.js';
import { spokenDuration } from '../../../alerts/words.js';
import { formatDuration, formatNumber, formatPercent } from './format.js';
import { getLang, locale, t } from './i18n/index.js';
import type { AlertView, MaintenanceView } from './model.js';

/** How alerts and maintenance windows read on screen, in the current language. */

const CHECK_FAMILIES = new Set(['check', 'check_latency', 'check_cert']);

/** The check a check alert is about (issue 12), with its name; null for host alerts. */
export function checkOf(alert: Pick<AlertView, 'rule' | 'check'>): { id: string; name: string } | null {
  const { family, arg } = ruleParts(alert.rule);
  if (!CHECK_FAMILIES.has(family)) return null;
  return { id: alert.check?.id ?? arg, name: alert.check?.name ?? arg };
}

/** Where an alert leads from a list: a check alert to its check's page, others to the alerts page. */
export function alertHref(alert: Pick<AlertView, 'rule' | 'check'>): string {
  const check = checkOf(alert);
  return check ? `#/checks/${encodeURIComponent(check.id)}` : '#/alerts';
}

/** Check alerts' values: failed runs in a row, a latency in ms, days left to a certificate. */
function checkValue(family: string, value: number): string {
  if (family === 'check') return t(Math.round(value) === 1 ? 'alerts.check.run' : 'alerts.check.runs', { n: Math.round(value) });
  if (family === 'check_latency') return t('alerts.check.ms', { v: formatNumber(value * 1000, 0) });
  const days = Math.round(value / 24);
  return value <= 0 ? t('alerts.check.expired') : t(days === 1 ? 'alerts.check.day' : 'alerts.check.days', { n: formatNumber(days, 0) });
}

/** A value in the alert's unit: "92 %", "1.8 per core", "81 °C", "3 min", "14 h"; for checks "3 failed runs", "150 ms", "5 days left". */
export function formatAlertValue(alert: Pick<AlertView, 'unit' | 'serviceState'> & Partial<Pick<AlertView, 'rule'>>, value: number | null): string {
  const family = alert.rule ? ruleParts(alert.rule).family : '';
  if (CHECK_FAMILIES.has(family)) return value === null || !Number.isFinite(value) ? '–' : checkValue(family, value);
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
  if (alert.threshold === null) return value;
  // A check's level reads shorter than its value: "3 failed runs in a row (level 3)", "5 days left (level 14 d)".
  const family = ruleParts(alert.rule).family;
  const threshold = family === 'check' ? formatNumber(alert.threshold, 0)
    : family === 'check_cert' ? t('dur.days', { n: formatNumber(alert.threshold / 24, 0) })
      : formatAlertValue(alert, alert.threshold);
  return t('alerts.valueOf', { value, threshold });
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
