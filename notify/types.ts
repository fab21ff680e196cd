import type { ActionFacts } from '../alerts/action-words.js';
import type { Alert } from '../alerts/types.js';
import type { Lang } from '../alerts/words.js';
import type { OutboundGuard } from '../core/outbound-guard.js';
import type { Clock } from '../core/time.js';

export type Severity = 'warning' | 'critical';

/** The language of a message: the channel's `language`, else `alerts.lang`. */
export type { Lang };

/**
 * What the alert service hands the notifier: one alert transition worth
 * telling someone about, already put in words.
 */
export interface AlertNotice {
  /** `action`: the follow-up of an automatic action (issue 14), saying what was done and what came of it. */
  kind: 'firing' | 'escalated' | 'resolved' | 'repeat' | 'action';
  /** Stable key of the alert: `${host}/${rule}` */
  key: string;
  host: string;
  hostLabel: string | null;
  rule: string;
  severity: Severity;
  /**
   * Short plain-language title and detail, in the server's language (`alerts.lang`), e.g. "CPU at 97 % on web-1";
   * a channel with another `language` gets them rendered again from `facts`.
   */
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
  /**
   * The alert's kind and parameters, the host's name and when the notice was
   * made: what notify/localize.ts renders title, detail and advice from in a
   * channel's language. Absent from test notices and from those queued before issue 11.
   */
  facts?: { alert: Alert; hostName: string; at: number };
  /**
   * An automatic action of the alert's rule (issue 14): on the fired notice,
   * the one being run; on an `action` notice, what was done and what came of
   * it (its output's last lines are the notice's `context`).
   */
  action?: ActionFacts;
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
