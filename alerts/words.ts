/**
 * Numbers, durations, rates and dates in words, in English or French: the one
 * place alert texts, event messages and notifications take them from. Pure
 * (Intl only, no Node API) so the browser bundle imports it too and renders
 * the same words in the viewer's language and time zone (issue 11 item 7).
 */

export type Lang = 'en' | 'fr';
export const LANGS: readonly Lang[] = ['en', 'fr'];

export const isLang = (value: unknown): value is Lang => value === 'en' || value === 'fr';

const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

const numberFormats = new Map<string, Intl.NumberFormat>();
/** "92", "1.5" / "1,5": grouping and decimal mark as the language writes them. */
export function spokenNumber(value: number | null, lang: Lang, digits = 0): string {
  if (value === null || !Number.isFinite(value)) return '?';
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 })));
  return f.format(value);
}

const UNITS: Record<Lang, { d: string; h: string; min: string; s: string }> = {
  en: { d: 'd', h: 'h', min: 'min', s: 's' },
  fr: { d: 'j', h: 'h', min: 'min', s: 's' },
};

/**
 * A measured span, cut to whole units the way the dashboard shows it:
 * "45 s", "4 min", "1 h 14 min", "2 d 3 h" ("2 j 3 h"). Floors, so two
 * spans of the same length always read the same.
 */
export function spokenDuration(ms: number, lang: Lang): string {
  const u = UNITS[lang];
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(seconds / DAY_S);
  const h = Math.floor((seconds % DAY_S) / HOUR_S);
  const min = Math.floor((seconds % HOUR_S) / MINUTE_S);
  if (d > 0) return `${d} ${u.d} ${h} ${u.h}`;
  if (h > 0) return `${h} ${u.h} ${min} ${u.min}`;
  if (min > 0) return `${min} ${u.min}`;
  return `${seconds} ${u.s}`;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * A time ahead, rounded as people say it: "about 10 minutes", "about 5 hours",
 * "about 3 days" ("environ 3 jours"). Under a minute is "less than a minute".
 */
export function spokenAhead(ms: number, lang: Lang): string {
  const fr = lang === 'fr';
  const minutes = ms / 60_000;
  if (minutes < 1) return fr ? 'moins d’une minute' : 'less than a minute';
  const about = fr ? 'environ' : 'about';
  if (minutes < 90) {
    const n = Math.round(minutes);
    return `${about} ${fr ? plural(n, 'minute', 'minutes') : plural(n, 'minute', 'minutes')}`;
  }
  const hours = minutes / 60;
  if (hours < 48) {
    const n = Math.round(hours);
    return `${about} ${fr ? plural(n, 'heure', 'heures') : plural(n, 'hour', 'hours')}`;
  }
  const n = Math.round(hours / 24);
  return `${about} ${fr ? plural(n, 'jour', 'jours') : plural(n, 'day', 'days')}`;
}

/**
 * A moment ahead, as precise as useful: "14:32" later today, "Sat 02:10"
 * within two days, "Sat 12 Dec" beyond ("sam. 12 déc."). `timeZone`: an
 * IANA name; by default the zone of whoever renders (the server's, or the
 * viewer's in the browser).
 */
export function spokenMoment(at: number, now: number, lang: Lang, timeZone?: string): string {
  const locale = lang === 'fr' ? 'fr-FR' : 'en-GB';
  const zone = timeZone ? { timeZone } : {};
  const day = new Intl.DateTimeFormat('en-CA', { ...zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (day.format(at) === day.format(now)) return time;
  if (at - now < 2 * DAY_S * 1000) return `${new Intl.DateTimeFormat(locale, { ...zone, weekday: 'short' }).format(at)} ${time}`;
  return new Intl.DateTimeFormat(locale, { ...zone, weekday: 'short', day: 'numeric', month: 'short' }).format(at);
}

// The snmp-* and poller-offline reasons are a device's (issue 13, protocol/schemas/device.ts).
const REASONS: Record<Lang, Record<string, string>> = {
  en: {
    lost: 'connection lost', stopped: 'agent stopped', stale: 'no data received', removed: 'removed', unknown: 'unknown',
    'snmp-timeout': 'SNMP timeout', 'snmp-auth': 'SNMP authentication failed', 'snmp-error': 'SNMP error', 'poller-offline': 'poller offline',
  },
  fr: {
    lost: 'connexion perdue', stopped: 'agent arrêté', stale: 'plus de données reçues', removed: 'retirée', unknown: 'inconnue',
    'snmp-timeout': 'délai SNMP dépassé', 'snmp-auth': 'échec de l’authentification SNMP', 'snmp-error': 'erreur SNMP', 'poller-offline': 'sonde hors ligne',
  },
};

/** Why a host is offline, in words: `lost` (Last Will), `stopped`, `stale` (missed intervals), a device's SNMP reasons; others as they are. */
export const spokenOfflineReason = (reason: string, lang: Lang): string => REASONS[lang][reason] ?? reason;

const BYTE_UNITS: Record<Lang, readonly string[]> = {
  en: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'],
  fr: ['o', 'Kio', 'Mio', 'Gio', 'Tio', 'Pio'],
};

/** "1.2 GiB" ("1,2 Gio"): powers of 1024, as the dashboard shows sizes. */
export function spokenBytes(bytes: number, lang: Lang): string {
  const units = BYTE_UNITS[lang];
  let value = Math.abs(bytes);
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${spokenNumber(value, lang, value >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

const BIT_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'] as const;

/** A link speed given in bytes per second, in bits as links are sold: "1 Gbit/s", "2.5 Gbit/s" ("2,5 Gbit/s"), "100 Mbit/s". */
export function spokenBitRate(bytesPerSecond: number, lang: Lang): string {
  let value = Math.abs(bytesPerSecond) * 8;
  let i = 0;
  while (value >= 1000 && i < BIT_UNITS.length - 1) {
    value /= 1000;
    i += 1;
  }
  return `${spokenNumber(value, lang, value >= 100 || i === 0 ? 0 : 1)} ${BIT_UNITS[i]}`;
}

type RateUnit = 'min' | 'h' | 'day';
const RATE_UNIT: Record<Lang, Record<RateUnit, string>> = { en: { min: 'min', h: 'h', day: 'day' }, fr: { min: 'min', h: 'h', day: 'jour' } };
const PER_HOUR: Record<RateUnit, number> = { min: 1 / 60, h: 1, day: 24 };
const signOf = (v: number): string => (v > 0 ? '+' : v < 0 ? '−' : '');

/** The time unit that gives a readable number for a growth of `percentPerHour` points: per minute when fast, per day when slow. */
function rateUnit(percentPerHour: number): RateUnit {
  const abs = Math.abs(percentPerHour);
  return abs >= 60 ? 'min' : abs >= 1 ? 'h' : 'day';
}

/**
 * A growth rate of a percentage, in the unit that gives a readable number:
 * "+10 %/min" when fast, "+1.5 %/h", "+0.4 %/day" ("+0,4 %/jour") when slow.
 */
export function spokenPercentRate(perHour: number, lang: Lang): string {
  const unit = rateUnit(perHour);
  const value = Math.abs(perHour) * PER_HOUR[unit];
  return `${signOf(perHour)}${spokenNumber(value, lang, value >= 10 ? 0 : 1)} %/${RATE_UNIT[lang][unit]}`;
}

/**
 * A disk's growth, in bytes when its size is known, then in points, in one
 * time unit: "+2 GiB/h, +2 %/h", "+69 Gio/jour, +3,4 %/jour"; without a size, the points alone.
 */
export function spokenGrowth(percentPerHour: number, sizeBytes: number | undefined, lang: Lang): string {
  const percent = spokenPercentRate(percentPerHour, lang);
  if (!sizeBytes || sizeBytes <= 0) return percent;
  const unit = rateUnit(percentPerHour);
  const bytes = (percentPerHour / 100) * sizeBytes * PER_HOUR[unit];
  return `${signOf(bytes)}${spokenBytes(bytes, lang)}/${RATE_UNIT[lang][unit]}, ${percent}`;
}
