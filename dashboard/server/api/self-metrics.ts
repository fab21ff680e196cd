import { Router } from 'express';
import type { BrokerStats } from '../../../broker/index.js';
import { requireRole } from '../auth/guards.js';
import type { ApiContext } from './context.js';

/** One metric family in the Prometheus text format (version 0.0.4). */
function family(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[labels: Record<string, string>, value: number]>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
    lines.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`);
  }
  return lines.join('\n');
}

/** The embedded broker's refusal, cut and drop counters (issue 10, item 6d). */
function brokerFamilies(b: BrokerStats): string[] {
  return [
    family('vigie_broker_clients', 'gauge', 'MQTT clients connected to the embedded broker.', [[{}, b.clients]]),
    family('vigie_broker_refused_total', 'counter', 'MQTT CONNECTs, publishes and subscriptions refused, by cause.', [
      [{ cause: 'auth' }, b.refused],
      [{ cause: 'throttled_login' }, b.throttledLogins],
      [{ cause: 'client_id' }, b.clientIdRefused],
      [{ cause: 'invalid_topic' }, b.invalidTopics],
    ]),
    family('vigie_broker_connections_cut_total', 'counter', 'MQTT connections the broker cut, by cause.', [
      [{ cause: 'oversize' }, b.rejectedOversize],
      [{ cause: 'slow_consumer' }, b.slowClientsCut],
    ]),
    family('vigie_broker_retained_refused_total', 'counter', 'Retained publishes delivered but not stored, by cause.', [
      [{ cause: 'contract' }, b.retainRefused],
      [{ cause: 'quota' }, b.retainOverQuota],
    ]),
    family('vigie_broker_session_queue_dropped_total', 'counter', 'Messages dropped from full persistent-session queues.', [[{}, b.sessionQueueDropped]]),
  ];
}

/**
 * GET /api/metrics: Vigie's own `vigie_*` metrics in the Prometheus text
 * format, for Prometheus, Telegraf or Grafana Agent (admins; a read-only API
 * token in `Authorization: Bearer` suits a scraper).
 */
export function createSelfMetricsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/', requireRole('admin'), (_req, res) => {
    const stats = ctx.ingest.stats();
    const hosts = ctx.ingest.listHosts();
    const store = stats.store;
    const kind = { store: store?.kind ?? 'sqlite' };
    const out = [
      family('vigie_hosts', 'gauge', 'Known hosts by presence.', [
        [{ presence: 'online' }, hosts.filter((h) => h.presence === 'online').length],
        [{ presence: 'offline' }, hosts.filter((h) => h.presence !== 'online').length],
      ]),
      family('vigie_mqtt_messages_total', 'counter', 'Agent messages the ingest received, by outcome.', [
        [{ outcome: 'accepted' }, stats.accepted],
        [{ outcome: 'invalid' }, stats.invalid],
        [{ outcome: 'failed' }, stats.failed],
        [{ outcome: 'duplicate' }, stats.duplicates],
        [{ outcome: 'deferred' }, stats.deferred],
      ]),
      family('vigie_storage_ok', 'gauge', '1 while store writes succeed; 0 while they fail (disk full or failing: nothing is acknowledged).', [
        [{ ...kind, state: stats.storage }, stats.storage === 'ok' ? 1 : 0],
      ]),
      family('vigie_ingest_unacked_messages', 'gauge', 'QoS 1 messages received and waiting for a store commit before their acknowledgement.', [[{}, stats.unacked]]),
      family('vigie_limit_refused_total', 'counter', 'Disk and network entries refused by the per-host cardinality limits.', [[{}, stats.limits.refused]]),
      family('vigie_hosts_over_limit', 'gauge', 'Hosts refused by their cardinality limits in the last 10 minutes.', [[{}, stats.limits.hosts.length]]),
      family('vigie_ingest_connected', 'gauge', '1 while the ingest is connected to the broker.', [[{}, stats.connected ? 1 : 0]]),
      family('vigie_points_written_total', 'counter', 'Points written to the history store.', [[kind, store?.written ?? stats.pointsWritten]]),
      family('vigie_points_retried_total', 'counter', 'Points sent again after a failed write.', [[kind, store?.retried ?? 0]]),
      family('vigie_points_dropped_total', 'counter', 'Points lost: the write buffer was full.', [[kind, store?.dropped ?? stats.dropped]]),
      family('vigie_points_rejected_total', 'counter', 'Points the store refused (bad data, credentials, too old).', [[kind, store?.rejected ?? 0]]),
      family('vigie_points_pending', 'gauge', 'Points waiting to be written.', [[kind, store?.pending ?? stats.pending]]),
      family('vigie_store_buffer_fill_ratio', 'gauge', 'Pending points over the buffer size.', [[kind, store?.bufferFill ?? 0]]),
      family('vigie_store_write_rate', 'gauge', 'Points written per second over the last 10 s.', [[kind, store?.writeRate ?? 0]]),
    ];
    if (ctx.alerts) {
      const counts = ctx.alerts.counts();
      out.push(family('vigie_alerts_firing', 'gauge', 'Firing alerts by severity.', [[{ severity: 'warning' }, counts.warning], [{ severity: 'critical' }, counts.critical]]));
    }
    if (ctx.channels) {
      const n = ctx.channels.notifier.stats();
      out.push(family('vigie_notifications_total', 'counter', 'Notification messages by outcome.', [
        [{ outcome: 'delivered' }, n.delivered],
        [{ outcome: 'failed' }, n.failed],
        [{ outcome: 'dropped' }, n.dropped],
      ]));
    }
    const broker = ctx.broker?.() ?? null;
    if (broker) out.push(...brokerFamilies(broker));
    out.push(family('vigie_process_resident_memory_bytes', 'gauge', 'Resident memory of the server process.', [[{}, process.memoryUsage.rss()]]));
    res.type('text/plain; version=0.0.4').send(`${out.join('\n')}\n`);
  });
  return router;
}
