import { locale, t } from './i18n/index.js';

/** Display formatting, following the current language. */

// Formatters are costly to build and an overview of thousands of cards formats
// several numbers per card and update (issue 16): one per language and style.
const numberFormats = new Map<string, Intl.NumberFormat>();
function nf(digits: number, style: 'decimal' | 'percent' = 'decimal'): Intl.NumberFormat {
  const key = `${locale()}|${digits}|${style}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale(), style === 'percent' ? { style, maximumFractionDigits: digits } : { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    numberFormats.set(key, f);
  }
  return f;
}

export const formatNumber = (value: number, digits = 1): string => nf(digits).format(value);

/** 42.3 → "42 %" (fr) / "42%" (en). */
export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return nf(digits, 'percent').format(value / 100);
}

/** Binary prefixes, with the language's unit names (GiB / Gio). */
export function formatBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '–';
  const units = t('units.bytes').split(',');
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${nf(value >= 100 || i === 0 ? 0 : 1).format(value)} ${units[i] ?? ''}`;
}

export const formatRate = (bytesPerSecond: number | null | undefined): string =>
  typeof bytesPerSecond === 'number' ? t('units.perSecond', { v: formatBytes(bytesPerSecond) }) : '–';

/** Seconds → "3 d 4 h", "5 h 12 min", "42 s": the two largest units. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '–';
  const d = Math.floor(seconds / 86_400);
  const hr = Math.floor((seconds % 86_400) / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${t('dur.days', { n: d })} ${t('dur.hours', { n: hr })}`;
  if (hr > 0) return `${t('dur.hours', { n: hr })} ${t('dur.minutes', { n: min })}`;
  if (min > 0) return t('dur.minutes', { n: min });
  return t('dur.seconds', { n: Math.floor(seconds) });
}

/** ms timestamp → "12 s ago" relative to `now`. */
export function formatAgo(ts: number | null | undefined, now: number): string {
  if (typeof ts !== 'number' || ts <= 0) return t('time.never');
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 2) return t('time.now');
  if (s < 60) return t('time.seconds', { n: s });
  if (s < 3600) return t('time.minutes', { n: Math.floor(s / 60) });
  if (s < 86_400) return t('time.hours', { n: Math.floor(s / 3600) });
  return t('time.days', { n: Math.floor(s / 86_400) });
}

export function formatDateTime(ts: number | null | undefined): string {
  if (typeof ts !== 'number') return '–';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(ts);
}

/**
 * A link speed given in bytes per second, as network people read it: decimal
 * bits, "100 Mbit/s", "1 Gbit/s", "2,5 Gbit/s" (fr). The SNMP payload carries
 * bytes (ifHighSpeed × 10⁶ / 8, issue 13), so ×8 here.
 */
export function formatLinkSpeed(bytesPerSecond: number | null | undefined): string {
  if (typeof bytesPerSecond !== 'number' || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '–';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let value = bytesPerSecond * 8;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return `${nf(value >= 100 ? 0 : 1).format(value)} ${units[i] ?? ''}`;
}

/** Events per second (interface errors, discards): "0", "0.2", "1,234". */
export function formatPerSecond(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return nf(value >= 10 ? 0 : value >= 1 ? 1 : 2).format(value);
}
