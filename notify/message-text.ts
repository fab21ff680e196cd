import { formatUtcMinute } from '../core/time.js';
import type { AlertNotice, Lang } from './types.js';

/**
 * The fixed words of every message and the parts all channels share: the
 * subject, each notice's label, and a plain-text rendering. Titles, details
 * and advice arrive already translated in the notice.
 */

export interface Words {
  prefix: string;
  critical: string;
  warning: string;
  resolved: string;
  reminder: string;
  escalated: string;
  /** The follow-up of an automatic action (issue 14). */
  automaticAction: string;
  suggestedAction: string;
  details: string;
  host: string;
  /** A check alert's host is the agent that ran the check (issue 12). */
  runner: string;
  since: string;
  open: string;
  /** "3 alerts" */
  alerts: (n: number) => string;
  /** "2 critical" / "1 warning" / "1 resolved" in a subject's count list. */
  countCritical: (n: number) => string;
  countWarning: (n: number) => string;
  countResolved: (n: number) => string;
  /** Colon as the language writes it (French puts a space before it). */
  colon: string;
  more: (n: number) => string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const WORDS: Record<Lang, Words> = {
  en: {
    prefix: '[Vigie]',
    critical: 'CRITICAL',
    warning: 'WARNING',
    resolved: 'RESOLVED',
    reminder: 'REMINDER',
    escalated: 'ESCALATED',
    automaticAction: 'AUTOMATIC ACTION',
    suggestedAction: 'Suggested action',
    details: 'Details',
    host: 'Host',
    runner: 'Runner',
    since: 'Since',
    open: 'Open in Vigie',
    alerts: (n) => plural(n, 'alert', 'alerts'),
    countCritical: (n) => `${n} critical`,
    countWarning: (n) => plural(n, 'warning', 'warnings'),
    countResolved: (n) => `${n} resolved`,
    colon: ':',
    more: (n) => plural(n, 'more alert', 'more alerts') + ' not shown',
  },
  fr: {
    prefix: '[Vigie]',
    critical: 'CRITIQUE',
    warning: 'AVERTISSEMENT',
    resolved: 'RÉSOLUE',
    reminder: 'RAPPEL',
    escalated: 'AGGRAVÉE',
    automaticAction: 'ACTION AUTOMATIQUE',
    suggestedAction: 'Action suggérée',
    details: 'Détails',
    host: 'Hôte',
    runner: 'Sonde',
    since: 'Depuis',
    open: 'Ouvrir dans Vigie',
    alerts: (n) => plural(n, 'alerte', 'alertes'),
    countCritical: (n) => plural(n, 'critique', 'critiques'),
    countWarning: (n) => plural(n, 'avertissement', 'avertissements'),
    countResolved: (n) => plural(n, 'résolue', 'résolues'),
    colon: ' :',
    more: (n) => `${plural(n, 'autre alerte', 'autres alertes')} non affichée${n === 1 ? '' : 's'}`,
  },
};

/** How a notice is shown at a glance: its colour family in every channel. */
export type Tone = 'critical' | 'warning' | 'resolved';

export const toneOf = (n: AlertNotice): Tone => (n.kind === 'resolved' ? 'resolved' : n.severity);

/** "CRITICAL", "RESOLVED", "REMINDER · WARNING", "ESCALATED · CRITICAL", "AUTOMATIC ACTION · CRITICAL". */
export function labelOf(n: AlertNotice, w: Words): string {
  const severity = n.severity === 'critical' ? w.critical : w.warning;
  switch (n.kind) {
    case 'resolved': return w.resolved;
    case 'repeat': return `${w.reminder} · ${severity}`;
    case 'escalated': return `${w.escalated} · ${severity}`;
    case 'action': return `${w.automaticAction} · ${severity}`;
    default: return severity;
  }
}

export interface Counts { critical: number; warning: number; resolved: number }

export function countsOf(notices: readonly AlertNotice[]): Counts {
  const counts: Counts = { critical: 0, warning: 0, resolved: 0 };
  for (const n of notices) counts[toneOf(n)] += 1;
  return counts;
}

/**
 * One notice: "[Vigie] CRITICAL: CPU at 97 % on web-1".
 * Several: "[Vigie] 3 alerts: 2 critical, 1 resolved".
 */
export function subjectOf(notices: readonly AlertNotice[], lang: Lang): string {
  const w = WORDS[lang];
  const first = notices[0];
  if (notices.length === 1 && first) return `${w.prefix} ${labelOf(first, w)}${w.colon} ${oneLine(first.title)}`;
  const c = countsOf(notices);
  const parts = [
    c.critical ? w.countCritical(c.critical) : '',
    c.warning ? w.countWarning(c.warning) : '',
    c.resolved ? w.countResolved(c.resolved) : '',
  ].filter(Boolean);
  return `${w.prefix} ${w.alerts(notices.length)}${w.colon} ${parts.join(', ')}`;
}

/** Host name with its label when it has one: "web-1 (Web server)". */
export const hostOf = (n: AlertNotice): string => (n.hostLabel && n.hostLabel !== n.host ? `${n.host} (${n.hostLabel})` : n.host);

/** A UTC time readers in any zone can place: "2025-03-01 14:05 UTC". */

/** Whether a notice is about a network check (`check:`, `check_latency:`, `check_cert:`): its host is the runner. */
export const isCheckNotice = (n: Pick<AlertNotice, 'rule'>): boolean => /^check(?:_latency|_cert)?:/.test(n.rule);

/** Collapses line breaks: titles go in subjects and headers. */
export const oneLine = (text: string): string => text.replace(/[\r\n\t]+/g, ' ').trim();

/** Cuts `text` to `max` characters, marking the cut. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`);

/** The plain-text block of one notice (email body, ntfy message). */
export function noticeText(n: AlertNotice, lang: Lang): string {
  const w = WORDS[lang];
  const lines = [`[${labelOf(n, w)}] ${oneLine(n.title)}`];
  if (n.detail) lines.push(n.detail);
  lines.push(`${isCheckNotice(n) ? w.runner : w.host}${w.colon} ${hostOf(n)}`);
  lines.push(`${w.since}${w.colon} ${formatUtcMinute(n.firedAt ?? n.since)}`);
  if (n.advice && n.kind !== 'resolved') lines.push('', `${w.suggestedAction}${w.colon} ${n.advice}`);
  if (n.context.length && n.kind !== 'resolved') lines.push('', `${w.details}${w.colon}`, ...n.context.map((l) => `  ${l}`));
  if (n.url) lines.push('', `${w.open}${w.colon} ${n.url}`);
  return lines.join('\n');
}

/** Every notice as plain text, separated by a rule line. */
export function plainText(notices: readonly AlertNotice[], lang: Lang): string {
  return notices.map((n) => noticeText(n, lang)).join('\n\n----------------------------------------\n\n');
}
