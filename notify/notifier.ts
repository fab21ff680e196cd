import type { Handle } from '../core/lifecycle.js';
import { onceClose } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import { redactChannel, type ChannelConfig } from './channel-config.js';
import type { ChannelStore } from './channel-store.js';
import { sendToChannel } from './channels/index.js';
import { asDeliveryError } from './delivery-error.js';
import { backoffMs, routes } from './routing.js';
import { testNotice } from './test-notice.js';
import type { AlertNotice, DeliveryResult, Lang, SendContext } from './types.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** First retry delay (default 2 s), doubled each time. */
  baseMs?: number;
  /** Longest delay between attempts, Retry-After included (default 5 min). */
  maxMs?: number;
}

export interface NotifierOptions {
  store: Pick<ChannelStore, 'list' | 'get' | 'recordDelivery'>;
  clock?: Clock;
  log?: Logger;
  /** Language of the fixed words (subject prefix, "Suggested action"…); default en. */
  lang?: Lang;
  /** After the last attempt failed; `channel` is redacted. The alert service writes it to the event log. */
  onFailure?: (channel: ChannelConfig, error: string, notices: readonly AlertNotice[]) => void;
  onDelivered?: (channel: ChannelConfig, notices: readonly AlertNotice[], attempts: number) => void;
  /** Notices for one channel within this window of the first pending one go in one message (default 30 s). */
  groupWindowMs?: number;
  retry?: RetryOptions;
  /** Per attempt: HTTP request, or SMTP connection/greeting/socket idle (default 10 s). */
  timeoutMs?: number;
  /** Pending notices kept per channel while waiting; older ones are dropped and counted (default 100). */
  maxPendingPerChannel?: number;
  /** How often reminders are due-checked (default 30 s; a reminder may come this much late). */
  repeatCheckMs?: number;
  /** Firing alerts tracked for reminders (default 10,000; the oldest is forgotten past it). */
  maxFiringAlerts?: number;
}

export interface NotifierStats {
  delivered: number;
  failed: number;
  retries: number;
  dropped: number;
  pending: number;
}

export interface Notifier extends Handle {
  /** Queues a notice for every channel that routes it. Never throws. */
  notify(notice: AlertNotice): void;
  /** Sends a test message to one channel now, even disabled: one attempt, no retry, the real error. */
  sendTest(channelId: number): Promise<DeliveryResult>;
  /** Sends what is pending now and waits for every delivery in progress (retries included). */
  flush(): Promise<void>;
  stats(): NotifierStats;
  /** Stops reminders and retries, sends what is pending once, then resolves. Idempotent. */
  close(): Promise<void>;
}

interface ChannelQueue {
  pending: AlertNotice[];
  /** When the first pending notice arrived: the window counts from it. */
  firstAt: number;
  timer: NodeJS.Timeout | null;
  /** The batch being delivered (with its retries); one at a time keeps a channel's messages in order. */
  current: Promise<void> | null;
}

/**
 * Delivers alert notices to the configured channels: routes each notice,
 * groups a channel's notices arriving within `groupWindowMs` into one
 * message, reminds about alerts still firing every `repeatMinutes`, and
 * retries failures with exponential backoff. Memory is bounded: one batch
 * in flight and at most `maxPendingPerChannel` waiting per channel.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger('notify');
  const warn = createRateLimitedLog(log);
  const lang = options.lang ?? 'en';
  const windowMs = options.groupWindowMs ?? 30_000;
  const retry = { attempts: 5, baseMs: 2000, maxMs: 5 * MINUTE_MS, ...options.retry };
  const maxPending = options.maxPendingPerChannel ?? 100;
  const maxFiring = options.maxFiringAlerts ?? 10_000;
  const ctx: SendContext = { lang, clock, timeoutMs: options.timeoutMs ?? 10_000 };

  const queues = new Map<number, ChannelQueue>();
  /** Alerts firing now, by key, with the latest notice about each. */
  const firing = new Map<string, AlertNotice>();
  /** When each channel last heard about each firing alert: key → channel id → ms. */
  const lastTold = new Map<string, Map<number, number>>();
  const sleeps = new Set<() => void>();
  const counts = { delivered: 0, failed: 0, retries: 0, dropped: 0 };
  let closing = false;

  const safely = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      warn(`callback:${what}`, `notify: ${what} threw`, { err: error });
    }
  };

  function track(notice: AlertNotice): void {
    if (notice.kind === 'resolved') {
      firing.delete(notice.key);
      lastTold.delete(notice.key);
      return;
    }
    firing.delete(notice.key); // re-insert: the map's order is then oldest-updated first
    firing.set(notice.key, notice.kind === 'repeat' ? { ...notice, kind: 'firing' } : notice);
    if (firing.size > maxFiring) {
      const oldest = firing.keys().next().value as string;
      firing.delete(oldest);
      lastTold.delete(oldest);
    }
  }

  function enqueue(channel: ChannelConfig, notice: AlertNotice): void {
    let q = queues.get(channel.id);
    if (!q) queues.set(channel.id, (q = { pending: [], firstAt: 0, timer: null, current: null }));
    if (q.pending.length === 0) q.firstAt = clock.now();
    // A newer notice of the same alert and kind replaces the pending one: the latest values win.
    const same = q.pending.findIndex((p) => p.key === notice.key && p.kind === notice.kind);
    if (same >= 0) q.pending[same] = notice;
    else q.pending.push(notice);
    if (q.pending.length > maxPending) {
      q.pending.shift();
      counts.dropped += 1;
      warn(`drop:${channel.id}`, 'notify: too many pending notices, dropped the oldest', { channel: channel.id, name: channel.name, dropped: counts.dropped });
    }
    if (notice.kind !== 'resolved') {
      let told = lastTold.get(notice.key);
      if (!told) lastTold.set(notice.key, (told = new Map()));
      told.set(channel.id, clock.now());
    }
    schedule(channel.id, q);
  }

  function schedule(id: number, q: ChannelQueue): void {
    if (q.timer || q.current) return;
    if (q.pending.length === 0) {
      queues.delete(id);
      return;
    }
    const wait = closing ? 0 : Math.max(0, q.firstAt + windowMs - clock.now());
    q.timer = setTimeout(() => void run(id, q), wait);
    q.timer.unref();
  }

  function run(id: number, q: ChannelQueue): Promise<void> {
    if (q.timer) clearTimeout(q.timer);
    q.timer = null;
    if (q.current) return q.current;
    const batch = q.pending.splice(0);
    if (batch.length === 0) return Promise.resolve();
    q.current = deliver(id, batch).then(() => {
      q.current = null;
      schedule(id, q);
    });
    return q.current;
  }

  async function deliver(id: number, batch: AlertNotice[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      // Read the channel again at each attempt: a fixed setting applies to the next retry.
      const channel = safeGet(id);
      if (!channel || !channel.enabled) return; // deleted or turned off meanwhile: the user chose silence
      try {
        await sendToChannel(channel, batch, ctx);
        counts.delivered += 1;
        record(channel, true, attempt, null, batch);
        safely('onDelivered', () => options.onDelivered?.(redactChannel(channel), batch, attempt));
        return;
      } catch (error) {
        const failure = asDeliveryError(error);
        if (!failure.retryable || attempt >= retry.attempts || closing) {
          counts.failed += 1;
          warn(`fail:${id}`, 'notify: delivery failed', { channel: id, name: channel.name, type: channel.type, attempts: attempt, error: failure.message });
          record(channel, false, attempt, failure.message, batch);
          safely('onFailure', () => options.onFailure?.(redactChannel(channel), failure.message, batch));
          return;
        }
        counts.retries += 1;
        log.debug({ channel: id, attempt, error: failure.message }, 'notify: retrying');
        await sleep(backoffMs(attempt, retry, failure.retryAfterMs));
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      sleeps.add(wake);
    });
  }

  function safeGet(id: number): ChannelConfig | null {
    try {
      return store.get(id);
    } catch (error) {
      warn('store', 'notify: cannot read channels', { err: error });
      return null;
    }
  }

  function record(channel: ChannelConfig, ok: boolean, attempts: number, error: string | null, notices: readonly AlertNotice[], test = false): void {
    safely('recordDelivery', () =>
      store.recordDelivery({ channelId: channel.id, ok, attempts, error, keys: [...new Set(notices.map((n) => n.key))], test }),
    );
  }

  function remind(): void {
    if (firing.size === 0) return;
    let channels: ChannelConfig[];
    try {
      channels = store.list().filter((c) => c.enabled && c.repeatMinutes > 0);
    } catch (error) {
      warn('store', 'notify: cannot read channels', { err: error });
      return;
    }
    const now = clock.now();
    for (const [key, notice] of firing) {
      const reminder: AlertNotice = { ...notice, kind: 'repeat' };
      for (const channel of channels) {
        if (!routes(channel, reminder)) continue;
        const last = lastTold.get(key)?.get(channel.id) ?? notice.firedAt ?? notice.since;
        if (now - last >= channel.repeatMinutes * MINUTE_MS) enqueue(channel, reminder);
      }
    }
  }

  const repeatTimer = setInterval(remind, options.repeatCheckMs ?? 30_000);
  repeatTimer.unref();

  async function flush(): Promise<void> {
    await Promise.all([...queues].map(([id, q]) => (q.current ? q.current.then(() => run(id, q)) : run(id, q))));
  }

  return {
    notify(notice) {
      if (closing) return;
      try {
        track(notice);
        for (const channel of store.list()) if (routes(channel, notice)) enqueue(channel, notice);
      } catch (error) {
        warn('notify', 'notify: cannot queue a notice', { err: error, key: notice?.key });
      }
    },

    async sendTest(channelId) {
      const channel = safeGet(channelId);
      if (!channel) return { ok: false, attempts: 0, error: `No notification channel ${channelId}` };
      const notice = testNotice(channel, lang, clock.now());
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

    flush,

    stats() {
      let pending = 0;
      for (const q of queues.values()) pending += q.pending.length;
      return { ...counts, pending };
    },

    close: onceClose(async () => {
      closing = true;
      clearInterval(repeatTimer);
      for (const wake of [...sleeps]) wake(); // retries give up at once (closing) and are logged as failed
      await flush();
    }),
  };
}
