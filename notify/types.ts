import type { OutboundGuard } from '../core/outbound-guard.js';
import type { Clock } from '../core/time.js';

export type Severity = 'warning' | 'critical';

/** The language of the fixed words of a message; titles and details come translated in the notice. */
export type Lang = 'en' | 'fr';

/**
 * What the alert service hands the notifier: one alert transition worth
 * telling someone about, already put in words.
 */
export interface AlertNotice {
  kind: 'firing' | 'escalated' | 'resolved' | 'repeat';
  /** Stable key of the alert: `${host}/${rule}` */
  key: string;
  host: string;
  hostLabel: string | null;
  rule: string;
  severity: Severity;
  /** Short plain-language title and detail, already in the server's language, e.g. "CPU at 97 % on web-1 (critical ≥ 95 % for 2 min)". */
  title: string;
  detail: string;
  /** A suggested action in plain words (may be empty) and diagnosis lines (top processes, largest dirs, last log lines). */
  advice: string;
  context: string[];
  value: number | null;
  threshold: number | null;
  unit: string;
  since: number;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Names of the host's groups, for routing. */
  groups: string[];
  /** Link to the alert in the dashboard, when known. */
  url: string | null;
}

/** The outcome of delivering one message to one channel, after its retries. */
export interface DeliveryResult {
  ok: boolean;
  /** Attempts made (1 when the first one worked). */
  attempts: number;
  /** Why the last attempt failed; null when ok. Never contains a secret. */
  error: string | null;
}

/** What a channel's send() gets besides its config and the notices. */
export interface SendContext {
  lang: Lang;
  clock: Clock;
  /** Per-request timeout (HTTP request, SMTP connection/greeting/socket). */
  timeoutMs: number;
  /** Which addresses a channel may reach (internal ones only when allow-listed). */
  guard: OutboundGuard;
}
