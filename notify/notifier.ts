import type { Handle } from '../core/lifecycle.js';
import { onceClose } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { createOutboundGuard, type OutboundGuard } from '../core/outbound-guard.js';
import { HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import { redactChannel, type ChannelConfig } from './channel-config.js';
import type { ChannelStore } from './channel-store.js';
import { sendToChannel } from './channels/index.js';
import { asDeliveryError } from './delivery-error.js';
import { Outbox, OUTBOX_KEPT_MS, type OutboxEntry } from './outbox.js';
import { backoffMs, routes } from './routing.js';
import { testNotice } from './test-notice.js';
import type { AlertNotice, DeliveryResult, Lang, SendContext } from './types.js';

export interface RetryOptions {
  /** First retry delay (default 2 s), doubled each time. */
  baseMs?: number;
  /** Longest delay between attempts, Retry-After included (default 10 min). */
  maxMs?: number;
  /** A notice not delivered this long after it was queued is marked failed (default 24 h). */
  maxAgeMs?: number;
  /** Attempts in all before giving up, the first included (default: no limit, only maxAgeMs). */
  attempts?: number;
}

export interface NotifierOptions {
  /** Channels, and the notify.db that also holds the outbox. */
  store: ChannelStore;
  clock?: Clock;
  log?: Logger;
  /** Language of the fixed words (subject prefix, "Suggested action"…); default en. */
  lang?: Lang;
  /**
   * Internal addresses, CIDR ranges or host names channels may reach
   * (config `notify.allowInternal`); every other loopback, private,
   * link-local… target is refused. Ignored when `guard` is given.
   */
  allowInternal?: readonly string[];
  guard?: OutboundGuard;
  /**
   * The alerts worth a reminder now, with their current state and severity:
   * firing, and not acknowledged, silenced or in maintenance. The alert
   * service owns that state (AlertService.reminders); without it, no reminders.
   */
  reminders?: () => readonly AlertNotice[];
  /** When notices are given up on; `channel` is redacted. The alert service writes it to the event log. */
  onFailure?: (channel: ChannelConfig, error: string, notices: readonly AlertNotice[]) => void;
  onDelivered?: (channel: ChannelConfig, notices: readonly AlertNotice[], attempts: number) => void;
  /** Notices for one channel within this window of the first pending one go in one message (default 30 s). */
  groupWindowMs?: number;
  retry?: RetryOptions;
  /** Per attempt: HTTP request, or SMTP connection/greeting/socket idle (default 10 s). */
  timeoutMs?: number;
  /** Pending notices kept per channel; past it the oldest are marked failed (default 1,000). */
  maxPendingPerChannel?: number;
  /** How often reminders are due-checked (default 30 s; a reminder may come this much late). */
  repeatCheckMs?: number;
  /**
   * An alert firing this long that a channel routing it never heard about
   * gets its firing notice (default 2 min: longer than a diagnosis and a group window).
   */
  catchUpAfterMs?: number;
}

export interface NotifierStats {
  /** Messages delivered, given up on, retried, and notices dropped past maxPendingPerChannel (this run). */
  delivered: number;
  failed: number;
  retries: number;
  dropped: number;
  /** Notices waiting in the outbox now. */
  pending: number;
}

export interface Notifier extends Handle {
  /** Writes a notice to the outbox for every channel that routes it. Never throws. */
  notify(notice: AlertNotice): void;
  /** Sends a test message to one channel now, even disabled: one attempt, no retry, no outbox, the real error. */
  sendTest(channelId: number): Promise<DeliveryResult>;
  /** Sends what is pending now (group window skipped; retries keep their back-off) and waits for those attempts. */
  flush(): Promise<void>;
  stats(): NotifierStats;
  /** The outbox, for the dashboard's failed-notices list. */
  readonly outbox: Outbox;
  /** Stops reminders and retries, tries what waits for its group window once, then resolves; the rest stays in the outbox for the next start. Idempotent. */
  close(): Promise<void>;
}

interface ChannelRun {
  timer: NodeJS.Timeout | null;
  /** When the timer is set for (clock time). */
  dueAt: number;
  /** The attempt in progress; one at a time keeps a channel's messages in order. */
  current: Promise<void> | null;
}

/**
 * Delivers alert notices to the configured channels through a persistent
 * outbox: each routed notice is written to notify.db first, a channel's
 * notices within `groupWindowMs` go in one message, failures are retried
 * with exponential back-off for up to `retry.maxAgeMs` (then marked failed,
 * visible in the dashboard and the event log), and what was pending at a
 * crash is sent at the next start, collapsed to one notice per alert state.
 * Reminders come from the alert service's current state, never from a copy.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger('notify');
  const warn = createRateLimitedLog(log);
  const lang = options.lang ?? 'en';
  const windowMs = options.groupWindowMs ?? 30_000;
  const retry = { baseMs: 2000, maxMs: 10 * MINUTE_MS, maxAgeMs: 24 * HOUR_MS, attempts: Infinity, ...options.retry };
  const maxPending = options.maxPendingPerChannel ?? 1000;
  const guard = options.guard ?? createOutboundGuard(options.allowInternal ?? [], 'notify.allowInternal');
  const ctx: SendContext = { lang, clock, timeoutMs: options.timeoutMs ?? 10_000, guard };
  const outbox = new Outbox(store.db, clock);

  const runs = new Map<number, ChannelRun>();
  /** When each channel last heard about each firing alert: key → channel id → ms (filled from the outbox after a restart). */
  const lastTold = new Map<string, Map<number, number>>();
  /** Which channels heard about which firing episode: key → channel id → firedAt (a cache of the outbox). */
  const heardEpisode = new Map<string, Map<number, number>>();
  const catchUpMs = options.catchUpAfterMs ?? 2 * MINUTE_MS;
  const counts = { delivered: 0, failed: 0, retries: 0, dropped: 0 };
  let closing = false;
  let purgedAt = 0;

  const safely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      warn(`callback:${what}`, `notify: ${what} threw`, { err: error });
    }
  };

  function told(key: string, channelId: number, at: number): void {
    let byChannel = lastTold.get(key);
    if (!byChannel) lastTold.set(key, (byChannel = new Map()));
    byChannel.set(channelId, at);
  }

  function enqueue(channel: ChannelConfig, notice: AlertNotice): void {
    outbox.add(channel.id, notice, clock.now() + windowMs);
    if (notice.kind !== 'resolved') told(notice.key, channel.id, clock.now());
    const over = outbox.overflow(channel.id, maxPending);
    if (over.length > 0) {
      outbox.finish(over, 'failed', null, `dropped: more than ${maxPending} notices waiting for this channel`);
      counts.dropped += over.length;
      warn(`drop:${channel.id}`, 'notify: too many pending notices, dropped the oldest', { channel: channel.id, name: channel.name, dropped: counts.dropped });
    }
    kick(channel.id);
  }

  /** Sets the channel's timer for its earliest pending notice. */
  function kick(id: number): void {
    let r = runs.get(id);
    if (!r) runs.set(id, (r = { timer: null, dueAt: 0, current: null }));
    if (r.current || closing) return;
    const next = safeRead(() => outbox.nextDue(id), null);
    if (next === null) {
      if (r.timer) clearTimeout(r.timer);
      runs.delete(id);
      return;
    }
    if (r.timer && r.dueAt <= next) return;
    if (r.timer) clearTimeout(r.timer);
    r.dueAt = next;
    const run = r;
    r.timer = setTimeout(() => void attempt(id, run, Math.max(clock.now(), run.dueAt)), Math.min(2 ** 31 - 1, Math.max(0, next - clock.now())));
    r.timer.unref();
  }

  /**
   * One attempt for the channel's due notices; `until` is the due time the
   * timer was set for, so an injected clock that has not moved still counts it as reached.
   */
  function attempt(id: number, r: ChannelRun, until: number): Promise<void> {
    if (r.timer) clearTimeout(r.timer);
    r.timer = null;
    if (r.current) return r.current;
    r.current = deliver(id, until)
      .catch((error: unknown) => warn(`deliver:${id}`, 'notify: delivery step failed', { channel: id, err: error }))
      .then(() => {
        r.current = null;
        kick(id);
      });
    return r.current;
  }

  async function deliver(id: number, until: number): Promise<void> {
    let batch = outbox.batch(id, until);
    if (batch.length === 0) return;
    const channel = safeRead(() => store.get(id), null);
    if (!channel || !channel.enabled) {
      // Deleted or turned off meanwhile: the user chose silence.
      outbox.finish(batch.map((e) => e.id), 'cancelled', null, 'channel deleted or turned off');
      return;
    }
    batch = collapse(batch);
    if (batch.length === 0) return;
    const notices = batch.map((e) => e.notice);
    const ids = batch.map((e) => e.id);
    const n = Math.max(...batch.map((e) => e.attempts)) + 1;
    try {
      await sendToChannel(channel, notices, ctx);
      outbox.finish(ids, 'sent', n);
      counts.delivered += 1;
      record(channel, true, n, null, notices);
      safely('onDelivered', () => options.onDelivered?.(redactChannel(channel), notices, n));
    } catch (error) {
      const failure = asDeliveryError(error);
      const now = clock.now();
      const giveUp = !failure.retryable || n >= retry.attempts;
      const expired = giveUp ? batch : batch.filter((e) => now - e.createdAt >= retry.maxAgeMs);
      const waiting = batch.filter((e) => !expired.includes(e));
      if (waiting.length > 0) {
        outbox.retryAt(waiting.map((e) => e.id), n, now + backoffMs(n, retry, failure.retryAfterMs), failure.message);
        counts.retries += 1;
        log.debug({ channel: id, attempt: n, error: failure.message }, 'notify: will retry');
      }
      if (expired.length > 0) {
        const why = giveUp ? failure.message : `gave up after ${spoken(retry.maxAgeMs)}: ${failure.message}`;
        outbox.finish(expired.map((e) => e.id), 'failed', n, why);
        counts.failed += 1;
        warn(`fail:${id}`, 'notify: delivery failed', { channel: id, name: channel.name, type: channel.type, attempts: n, error: why });
        const lost = expired.map((e) => e.notice);
        record(channel, false, n, why, lost);
        safely('onFailure', () => options.onFailure?.(redactChannel(channel), why, lost));
      }
    }
  }

  /**
   * One notice per alert state in a message: of an alert's notices still
   * waiting, the latest of each kind (fired, escalated, resolved), and a
   * reminder only when nothing else about the alert is in the message. After
   * an outage or a restart, "fired, reminded ×10, resolved" becomes "fired,
   * resolved".
   */
  function collapse(batch: OutboxEntry[]): OutboxEntry[] {
    const latest = new Map<string, OutboxEntry>(); // `${key} ${kind}` → newest entry
    for (const e of batch) latest.set(`${e.notice.key} ${e.notice.kind}`, e);
    const told = new Set([...latest.values()].filter((e) => e.notice.kind !== 'repeat').map((e) => e.notice.key));
    const keep = new Set([...latest.values()].filter((e) => e.notice.kind !== 'repeat' || !told.has(e.notice.key)).map((e) => e.id));
    const superseded = batch.filter((e) => !keep.has(e.id)).map((e) => e.id);
    if (superseded.length > 0) outbox.finish(superseded, 'superseded', null);
    return batch.filter((e) => keep.has(e.id));
  }

  /** A retry horizon in words: 24 h, 30 min, 0.3 s. */
  function spoken(ms: number): string {
    if (ms >= HOUR_MS) return `${Number((ms / HOUR_MS).toFixed(1))} h`;
    if (ms >= MINUTE_MS) return `${Math.round(ms / MINUTE_MS)} min`;
    return `${Number((ms / 1000).toFixed(1))} s`;
  }

  function safeRead<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (error) {
      warn('store', 'notify: cannot read notify.db', { err: error });
      return fallback;
    }
  }

  function record(channel: ChannelConfig, ok: boolean, attempts: number, error: string | null, notices: readonly AlertNotice[], test = false): void {
    safely('recordDelivery', () =>
      store.recordDelivery({ channelId: channel.id, ok, attempts, error, keys: [...new Set(notices.map((n) => n.key))], test }),
    );
  }

  /** Whether the channel heard about this episode of the alert (any notice since it fired, kept in the outbox). */
  function heard(key: string, channelId: number, firedAt: number): boolean {
    const known = heardEpisode.get(key);
    if (known?.get(channelId) === firedAt) return true;
    const yes = safeRead(() => outbox.toldSince(key, channelId, firedAt), true);
    if (yes) {
      if (!known) heardEpisode.set(key, new Map([[channelId, firedAt]]));
      else known.set(channelId, firedAt);
    }
    return yes;
  }

  /**
   * From the alert service's state now (an alert acknowledged, silenced, in
   * maintenance or over is not in it): due reminders, and the firing notice
   * of an alert a channel never heard about, e.g. lost by a crash between the
   * alert firing and its notice reaching the outbox, or whose silence or
   * maintenance ended while it still fires.
   */
  function remind(): void {
    if (clock.now() - purgedAt >= HOUR_MS) {
      purgedAt = clock.now();
      safely('purge', () => outbox.purge());
    }
    let current: readonly AlertNotice[];
    let channels: ChannelConfig[];
    try {
      current = options.reminders?.() ?? [];
      channels = current.length > 0 ? store.list().filter((c) => c.enabled) : [];
    } catch (error) {
      warn('reminders', 'notify: cannot read the alerts to remind', { err: error });
      return;
    }
    const keys = new Set(current.map((n) => n.key));
    // Bounded by the alerts worth a reminder now.
    for (const key of lastTold.keys()) if (!keys.has(key)) lastTold.delete(key);
    for (const key of heardEpisode.keys()) if (!keys.has(key)) heardEpisode.delete(key);
    const now = clock.now();
    for (const notice of current) {
      const firedAt = notice.firedAt ?? notice.since;
      const fired: AlertNotice = { ...notice, kind: 'firing' };
      const reminder: AlertNotice = { ...notice, kind: 'repeat' };
      // Younger alerts may still be on their way (diagnosis, group window); older ones than the outbox keeps are not checked.
      const catchUp = now - firedAt >= catchUpMs && now - firedAt < OUTBOX_KEPT_MS;
      for (const channel of channels) {
        if (catchUp && routes(channel, fired) && !heard(notice.key, channel.id, firedAt)) {
          enqueue(channel, fired);
          continue;
        }
        if (!routes(channel, reminder)) continue;
        let last = lastTold.get(notice.key)?.get(channel.id);
        if (last === undefined) {
          last = safeRead(() => outbox.lastTold(notice.key, channel.id), null) ?? firedAt;
          told(notice.key, channel.id, last);
        }
        if (now - last >= channel.repeatMinutes * MINUTE_MS) enqueue(channel, reminder);
      }
    }
  }

  const repeatTimer = setInterval(() => safely('remind', remind), options.repeatCheckMs ?? 30_000);
  repeatTimer.unref();

  // What a previous run left: sent at the times it was due (now, for what waited through the restart).
  for (const { channelId } of safeRead(() => outbox.pendingChannels(), [])) kick(channelId);

  async function sendNow(): Promise<void> {
    const ids = new Set([...runs.keys(), ...safeRead(() => outbox.pendingChannels(), []).map((p) => p.channelId)]);
    await Promise.all([...ids].map(async (id) => {
      let r = runs.get(id);
      if (!r) runs.set(id, (r = { timer: null, dueAt: 0, current: null }));
      if (r.current) await r.current;
      await attempt(id, r, clock.now());
    }));
  }

  return {
    outbox,

    notify(notice) {
      if (closing) return;
      try {
        if (notice.kind === 'resolved') lastTold.delete(notice.key);
        for (const channel of store.list()) if (routes(channel, notice)) enqueue(channel, notice);
      } catch (error) {
        warn('notify', 'notify: cannot queue a notice', { err: error, key: notice?.key });
      }
    },

    async sendTest(channelId) {
      const channel = safeRead(() => store.get(channelId), null);
      if (!channel) return { ok: false, attempts: 0, error: `No notification channel ${channelId}` };
      const notice = testNotice(channel, (channel.language as Lang | undefined) ?? lang, clock.now());
      try {
        await sendToChannel(channel, [notice], ctx);
        record(channel, true, 1, null, [notice], true);
        return { ok: true, attempts: 1, error: null };
      } catch (error) {
        const failure = asDeliveryError(error);
        record(channel, false, 1, failure.message, [notice], true);
        return { ok: false, attempts: 1, error: failure.message };
      }
    },

    flush: sendNow,

    stats() {
      return { ...counts, pending: safeRead(() => outbox.pendingCount(), 0) };
    },

    close: onceClose(async () => {
      closing = true; // no new notices, no new timers
      clearInterval(repeatTimer);
      for (const r of runs.values()) if (r.timer) clearTimeout(r.timer);
      // A planned stop does not hold back what waits for its group window; retries wait for the next start.
      await sendNow();
    }),
  };
}
