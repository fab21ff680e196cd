import type { Accounts } from '../accounts/index.js';
import type { CheckCatalog } from '../checks/types.js';
import { hostContextFrom } from '../accounts/host-context.js';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createLogger } from '../core/logger.js';
import { DAY_MS, HOUR_MS, systemClock, type Clock } from '../core/time.js';
import type { EventLog } from '../events/event-log.js';
import { logHostEvents } from '../events/host-events.js';
import type { IngestHandle } from '../ingest/types.js';
import { ChannelStore } from '../notify/channel-store.js';
import type { NotifyConfig } from '../notify/config.js';
import { createNotifier, type Notifier } from '../notify/notifier.js';
import type { Topics } from '../protocol/topics.js';
import type { AlertsConfig } from './config.js';
import { createDiagnosis } from './diagnosis.js';
import type { RunService } from './auto-action.js';
import { startAlertService, type AlertService } from './service.js';
import { AlertStore } from './store.js';

export interface Alerting extends Handle {
  service: AlertService;
  channels: ChannelStore;
  notifier: Notifier;
}

export interface AlertingOptions {
  config: AlertsConfig;
  /** Outbound allow-list and retry horizon of notifications (defaults: nothing internal, 24 h). */
  notify?: NotifyConfig;
  /** Days of event log and resolved alerts kept. */
  retentionDays: number;
  dataDir: string;
  ingest: IngestHandle;
  accounts: Accounts;
  events: EventLog;
  topics: Topics;
  dashboardUrl?(): string | null;
  /** The network checks (issue 12): their results alert when given. */
  checks?: CheckCatalog;
  /** The script library's run service (issue 14): rules' automatic actions run through it when given. */
  runs?: RunService;
  /** Whether an action may run on a host (the script library): suggested fixes show only then. */
  canRunFix?(host: string, script: string): boolean;
  clock?: Clock;
}

/**
 * Everything that turns metrics into someone being told: the alert service
 * on the ingest, the notifier and its channels, the diagnosis requests, the
 * summary's alert counts, hosts coming and going in the event log, and the
 * hourly clean-up of old events and resolved alerts.
 */
export function startAlerting(opts: AlertingOptions): Alerting {
  const log = createLogger('alerts');
  const clock = opts.clock ?? systemClock;
  const { ingest, events } = opts;
  const store = AlertStore.open(opts.dataDir, clock);
  const channels = ChannelStore.open(opts.dataDir, clock);
  const notifier = createNotifier({
    store: channels,
    clock,
    lang: opts.config.lang,
    groupWindowMs: opts.config.groupSeconds * 1000,
    allowInternal: opts.notify?.allowInternal ?? [],
    retry: { maxAgeMs: (opts.notify?.retryHours ?? 24) * HOUR_MS },
    // Read at each check: acknowledged, silenced, in maintenance, resolved or de-escalated as of now.
    reminders: () => service.reminders(),
    log: createLogger('notify'),
    onFailure: (channel, error, notices) =>
      events.append({ type: 'notify.failed', message: `Notification to "${channel.name}" (${channel.type}) failed: ${error}`, data: { channel: channel.id, name: channel.name, type: channel.type, error, alerts: notices.map((n) => n.key) } }),
  });
  const service = startAlertService({
    ingest,
    store,
    events,
    topics: opts.topics,
    publish: (topic, payload, retain) => ingest.publish(topic, payload, retain),
    hostContext: hostContextFrom(opts.accounts),
    ...(opts.config.diagnosis ? { diagnose: createDiagnosis(ingest.command, { timeoutMs: opts.config.diagnosisTimeout * 1000 }) } : {}),
    notify: (notice) => notifier.notify(notice),
    lang: opts.config.lang,
    transitionsPerHostPerMinute: opts.config.transitionsPerHostPerMinute,
    ...(opts.dashboardUrl ? { dashboardUrl: opts.dashboardUrl } : {}),
    ...(opts.checks ? { checks: opts.checks, groupName: (id: number) => opts.accounts.groups.get(id)?.name ?? null } : {}),
    ...(opts.runs ? { runs: opts.runs } : {}),
    ...(opts.canRunFix ? { canRunFix: opts.canRunFix } : {}),
    autoActionCooldownMs: opts.config.autoActionCooldown * 1000,
    clock,
    log,
  });
  const summary = ingest.provideAlertCounts(() => service.counts(), () => firingByHost(store.firing()));
  const offCounts = service.onChange(() => summary.changed(), 'summary');
  const offHosts = logHostEvents(ingest, events, { clock });
  const cleanUp = (): void => {
    const before = clock.now() - opts.retentionDays * DAY_MS;
    const deleted = events.purgeBefore(before) + store.purgeResolvedBefore(before);
    if (deleted > 0) log.info({ deleted, days: opts.retentionDays }, 'old events and resolved alerts deleted');
  };
  cleanUp();
  const timer = setInterval(cleanUp, HOUR_MS);
  timer.unref();

  return {
    service,
    channels,
    notifier,
    close: onceClose(async () => {
      clearInterval(timer);
      offHosts();
      offCounts();
      summary.stop();
      await service.close();
      await notifier.close();
      channels.db.close();
      store.close();
    }),
  };
}

/** Firing alerts per host, for the server summary's `firingByHost` (Home Assistant's per-host count). */
function firingByHost(firing: readonly { host: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of firing) counts[r.host] = (counts[r.host] ?? 0) + 1;
  return counts;
}
