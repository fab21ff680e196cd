import type { EventBus } from '../core/event-bus.js';
import { createRateLimitedLog, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { VIGIE_VERSION } from '../core/version.js';
import { encodePayload, PROTOCOL_VERSION, type SummaryPayload } from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import type { HostSummary, IngestEvents } from './types.js';

export interface SummaryPublisherOptions {
  topics: Topics;
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  listHosts(): HostSummary[];
  bus: EventBus<IngestEvents>;
  addresses(): string[];
  clock: Clock;
  log: Logger;
  /** ms to gather host changes into one publication. */
  debounceMs?: number;
  /**
   * Whether the ingest is subscribed. Agents send their buffered samples as
   * soon as they see a summary: one published after a reconnection but before
   * the subscription would send them into the void. Default: always.
   */
  subscribed?(): boolean;
}

export type SummaryAlerts = NonNullable<SummaryPayload['alerts']>;

/** Bytes the summary may take: half the broker's default packet limit (broker.maxPacketSize). */
export const MAX_SUMMARY_BYTES = 32 * 1024;

/**
 * Publishes the retained `<prefix>/_server/summary`: at once after every
 * (re)subscription — agents wait for it before sending metrics, see
 * protocol/schemas/summary.ts; a restarted broker gets it back — then on
 * host changes, debounced.
 */
export function startSummaryPublisher(opts: SummaryPublisherOptions) {
  const topic = opts.topics.serverSummary();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let alerts: (() => SummaryAlerts) | undefined;
  let byHost: (() => Record<string, number>) | undefined;
  const warn = createRateLimitedLog(opts.log);

  const build = (state: SummaryPayload['state']): string => {
    const hosts = opts.listHosts();
    const online = hosts.filter((h) => h.presence === 'online').length;
    const summary: SummaryPayload = {
      v: PROTOCOL_VERSION,
      ts: Math.round(opts.clock.now()),
      state,
      hosts: { total: hosts.length, online, offline: hosts.length - online },
      version: VIGIE_VERSION,
      addresses: opts.addresses().slice(0, 32),
      ...alertCounts(),
    };
    let text = encodePayload('summary', summary);
    // Every agent receives it, and the broker cuts a publisher past its packet limit (64 KiB by
    // default): at thousands of hosts with alerts, the per-host counts keep the hosts with most.
    if (text.length > MAX_SUMMARY_BYTES && summary.firingByHost) {
      const entries = Object.entries(summary.firingByHost).sort((a, b) => b[1] - a[1]);
      let keep = entries.length;
      while (text.length > MAX_SUMMARY_BYTES && keep > 0) {
        keep = Math.floor(keep / 2);
        text = encodePayload('summary', { ...summary, firingByHost: Object.fromEntries(entries.slice(0, keep)) });
      }
      warn('summary-size', 'server summary too large: firing counts kept for the hosts with most alerts only', { hosts: entries.length, kept: keep, maxBytes: MAX_SUMMARY_BYTES });
    }
    return text;
  };
  const publishNow = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (closed || !(opts.subscribed?.() ?? true)) return; // after the resubscription, onSubscribed publishes
    // A failed publish is tried again (debounced) while subscribed, and in any case after the next resubscription.
    opts.publish(topic, build('online'), true).catch((error: unknown) => {
      warn('summary', 'server summary not published; retrying', { err: String(error) });
      if (!closed && (opts.subscribed?.() ?? true)) soon();
    });
  };
  // The counts come from another part (the alert service): if it fails or is gone, the summary goes out without them.
  const alertCounts = (): { alerts?: SummaryAlerts; firingByHost?: Record<string, number> } => {
    try {
      return alerts ? { alerts: alerts(), ...(byHost ? { firingByHost: nonZero(byHost()) } : {}) } : {};
    } catch (error) {
      opts.log.debug({ err: String(error) }, 'alert counts unavailable');
      return {};
    }
  };
  const soon = (): void => {
    timer ??= setTimeout(publishNow, opts.debounceMs ?? 1000);
  };
  const off = opts.bus.on('summary', 'host', soon);

  return {
    /** The Last Will to register when connecting. */
    will: (): { topic: string; payload: string } => ({ topic, payload: build('offline') }),
    onSubscribed: publishNow,
    /** Adds the alert counts to the summary (the alert service runs beside the ingest); `changed()` republishes, debounced. */
    provideAlerts(counts: () => SummaryAlerts, perHost?: () => Record<string, number>): { changed(): void; stop(): void } {
      alerts = counts;
      byHost = perHost;
      soon();
      return {
        changed: soon,
        stop: () => {
          if (alerts === counts) [alerts, byHost] = [undefined, undefined];
        },
      };
    },
    /** Publishes `offline` (a clean disconnect sends no Last Will) and stops. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      off();
      await opts.publish(topic, build('offline'), true).catch(() => undefined);
    },
  };
}

/** Only hosts with firing alerts: the map stays small, and a template's default(0) covers the rest. */
function nonZero(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [host, n] of Object.entries(counts)) if (n > 0) out[host] = n;
  return out;
}
