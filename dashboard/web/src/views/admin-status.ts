import type { BrokerStats } from '../../../../broker/index.js';
import type { Health } from '../../../../dashboard/server/api/health.js';
import { apiPath, getJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { formatBytes, formatDateTime, formatDuration, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import { messageLine, page, panel, run } from './ui.js';

/** The embedded broker's refusals, cuts and drops (issue 10, item 6d): shown only where this server runs the broker. */
function brokerRows(b: BrokerStats, row: (label: string, value: string, id: string) => HTMLElement[]): HTMLElement[] {
  return [
    ...row(t('status.mqttClients'), String(b.clients), 'mqtt-clients'),
    ...row(t('status.mqttRefused'), t('status.mqttRefusedValue', { auth: b.refused, throttled: b.throttledLogins, clientId: b.clientIdRefused, topics: b.invalidTopics }), 'mqtt-refused'),
    ...row(t('status.mqttCut'), t('status.mqttCutValue', { oversize: b.rejectedOversize, slow: b.slowClientsCut }), 'mqtt-cut'),
    ...row(t('status.mqttRetained'), t('status.mqttRetainedValue', { contract: b.retainRefused, quota: b.retainOverQuota }), 'mqtt-retained'),
    ...row(t('status.mqttQueue'), t('status.mqttQueueValue', { dropped: b.sessionQueueDropped }), 'mqtt-queue'),
  ];
}

/** Admin status page: the server's health and the history store in use (which, write rate, buffer fill, last error). */
export function createStatusView(): View {
  const line = messageLine();
  const body = h('dl', { class: 'status-list', 'data-testid': 'status' });
  const el = page(t('nav.status'), line.el, panel(null, body));
  const row = (label: string, value: string, id: string): HTMLElement[] => [h('dt', null, label), h('dd', { 'data-testid': `status-${id}` }, value)];
  const load = async (): Promise<void> => {
    const health = await getJson<Health>(apiPath('/health'));
    const store = health.ingest?.store ?? null;
    replaceChildren(body,
      ...row(t('status.version'), health.version, 'version'),
      ...row(t('status.uptime'), formatDuration(health.uptime), 'uptime'),
      ...row(t('status.hosts'), t('status.hostsValue', { online: health.hosts?.online ?? 0, total: health.hosts?.total ?? 0 }), 'hosts'),
      ...row(t('status.broker'), t(health.ingest?.connected ? 'status.connected' : 'status.disconnected'), 'broker'),
      ...row(t('status.store'), store ? `${store.kind} — ${store.target}` : '–', 'store'),
      ...row(t('status.writeRate'), store ? t('status.perSecond', { n: store.writeRate.toFixed(1) }) : '–', 'write-rate'),
      ...row(t('status.buffer'), store ? `${formatPercent(store.bufferFill * 100, 1)} (${store.pending})` : '–', 'buffer'),
      ...row(t('status.counts'), store ? t('status.countsValue', { written: store.written, retried: store.retried, dropped: store.dropped, rejected: store.rejected }) : '–', 'counts'),
      ...(store?.pageCache ? row(t('status.pageCache'), t('status.pageCacheValue', { server: formatBytes(store.pageCache.server), writer: formatBytes(store.pageCache.writer) }), 'page-cache') : []),
      ...row(t('status.storage'), t(health.ingest?.storage === 'full' ? 'status.storageFull' : health.ingest?.storage === 'failing' ? 'status.storageFailing' : 'status.storageOk'), 'storage'),
      ...row(t('status.messages'), health.ingest ? t('status.messagesValue', {
        accepted: health.ingest.accepted, invalid: health.ingest.invalid, failed: health.ingest.failed, duplicates: health.ingest.duplicates, deferred: health.ingest.deferred,
      }) : '–', 'messages'),
      ...row(t('status.limits'), health.ingest?.limits.hosts.length ? health.ingest.limits.hosts.map((o) => t('status.limitsValue', { ...o, since: formatDateTime(o.since) })).join('; ') : t('status.none'), 'limits'),
      ...row(t('status.lastError'), store?.lastError ? `${formatDateTime(store.lastError.at)} — ${store.lastError.message}` : t('status.none'), 'last-error'),
      ...(health.broker ? brokerRows(health.broker, row) : []),
    );
  };
  void run(el, line, load);
  const timer = window.setInterval(() => void load().catch(() => undefined), 5000);
  return { el, destroy: () => window.clearInterval(timer) };
}
