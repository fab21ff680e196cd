import type { HostDetail, HostSummary } from '../../../../ingest/types.js';
import type { MetricsPayload } from '../../../../protocol/payloads.js';
import { alertHref } from '../alert-format.js';
import { firingAlerts, onAlertsChange } from '../alerts-feed.js';
import { ApiError, apiPath, currentUser, getJson } from '../api.js';
import { h, replaceChildren, setText, type View } from '../dom.js';
import { formatAgo, formatBytes, formatDuration, formatNumber, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import { watchHost } from '../live.js';
import { deviceSource, hostTitle, osHostname, type Labelled } from '../model.js';
import { createDeviceHead } from './device-head.js';
import { createDeviceInterfaces, type DeviceInterfaces } from './device-interfaces.js';
import { createLabelEditor } from './host-label.js';
import { osLine, stateHint, stateLabel } from './host-card.js';
import { chartSpecs, createHostCharts, RANGES, type HostCharts, type RangeName } from './host-charts.js';
import { createInfoPanel, createServicesPanel } from './host-info.js';
import { createProcessesPanel } from './host-processes.js';
import { createContainersPanel } from './host-containers.js';
import { createHostActionsPanel } from './host-actions.js';
import type { SeriesRef } from '../../../../ingest/types.js';

let lastRange: RangeName = '1h'; // kept while browsing between hosts

/**
 * The host page (`#/host/<id>`): live stats, history charts, system info and
 * services. An SNMP device (issue 13) is a host too: it gets its poller and
 * address under the title, its offline reason, an Interfaces panel, and
 * only the cards its device reports (no services or processes: no agent runs there).
 */
export function createHostView(id: string): View {
  const back = h('a', { class: 'back', href: '#/' }, `← ${t('host.back')}`);
  const name = h('h1', { 'data-testid': 'host-label' }, id);
  const pill = h('span', { class: 'pill' });
  const snmpBadge = h('span', { class: 'tag snmp', 'data-testid': 'host-snmp', hidden: true }, 'SNMP');
  const deviceHead = createDeviceHead();
  const idLine = h('div', { class: 'host-id mono muted', 'data-testid': 'host-id', hidden: true });
  const os = h('div', { class: 'muted' });
  const hostnameLine = h('div', { class: 'muted', 'data-testid': 'host-hostname', hidden: true });
  const seen = h('span', { class: 'muted seen' });
  let label: string | null = null;
  // Operators and admins may rename; the server checks it too (viewers get 403).
  const editor = currentUser()?.role === 'viewer' ? null : createLabelEditor(id, () => label, (s) => renderHead(s));
  const settingsLink = h('a', { class: 'btn small', href: `#/host/${encodeURIComponent(id)}/alerts`, 'data-testid': 'host-alert-settings' }, t('host.alertSettings'));
  const hostAlerts = h('ul', { class: 'host-alerts', 'data-testid': 'host-alerts', hidden: true });
  const renderAlerts = (): void => {
    const mine = firingAlerts().filter((a) => a.host === id);
    hostAlerts.hidden = mine.length === 0;
    replaceChildren(hostAlerts, ...mine.map((a) => h('li', { 'data-sev': a.severity },
      h('span', { class: 'pill sev', 'data-sev': a.severity }, t(`severity.${a.severity}`)),
      h('a', { class: 'link', href: alertHref(a) }, a.title))));
  };
  const head = h('div', { class: 'host-head' },
    h('div', { class: 'host-title' }, name, pill, snmpBadge, editor?.button ?? null, settingsLink),
    editor?.form ?? null,
    idLine,
    h('div', { class: 'host-sub' }, hostnameLine, os, seen),
    deviceHead.el,
    hostAlerts);
  const stats = h('div', { class: 'grid stats' });
  const rangeBar = h('div', { class: 'ranges', role: 'group', 'aria-label': t('host.history') });
  const chartsSlot = h('div');
  const deviceSlot = h('div');
  const processes = createProcessesPanel(id);
  // Issue 14: actions to run here and the recent runs (a device runs nothing: hidden there).
  const actions = createHostActionsPanel(id);
  const info = createInfoPanel();
  const services = createServicesPanel();
  const servicesSlot = h('div', { class: 'grid side' }, info.el, services.el);
  const containers = createContainersPanel();
  const body = h('div', { class: 'host-body', hidden: true },
    head, stats, deviceSlot,
    h('div', { class: 'section-head' }, h('h2', null, t('host.history')), rangeBar),
    chartsSlot,
    containers.el,
    servicesSlot,
    processes,
    actions.el);
  const message = h('p', { class: 'muted' });
  const el = h('section', { class: 'host' }, back, message, body);

  let summary: HostSummary | null = null;
  let charts: HostCharts | null = null;
  let device: DeviceInterfaces | null = null;
  let isDevice = false;
  let destroyed = false;

  const stat = (label: string, value: string, detail = '') =>
    h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-detail muted' }, detail || '\u00a0'));

  const renderStats = (m: MetricsPayload | null): void => {
    if (isDevice) {
      renderDeviceStats(m);
      return;
    }
    replaceChildren(stats,
      stat(t('host.stat.cpu'), formatPercent(m?.cpu?.usage, 1), m?.cpu?.cores ? t('info.cores', { n: m.cpu.cores }) : ''),
      stat(t('host.stat.memory'), formatPercent(m?.mem?.usedPercent, 1), m?.mem ? `${formatBytes(m.mem.used)} / ${formatBytes(m.mem.total)}` : ''),
      stat(t('host.stat.swap'), formatPercent(m?.swap?.usedPercent, 1), m?.swap ? `${formatBytes(m.swap.used)} / ${formatBytes(m.swap.total)}` : ''),
      stat(t('host.stat.load'), m?.cpu?.load1 !== undefined ? formatNumber(m.cpu.load1, 2) : '–', m?.cpu?.load5 !== undefined && m.cpu.load15 !== undefined ? `${formatNumber(m.cpu.load5, 2)} · ${formatNumber(m.cpu.load15, 2)}` : ''),
      stat(t('host.stat.uptime'), formatDuration(m?.uptime), typeof m?.processes === 'number' ? `${m.processes} ${t('host.stat.processes').toLowerCase()}` : ''),
      typeof m?.temperature?.cpu === 'number' ? stat(t('host.stat.temperature'), `${formatNumber(m.temperature.cpu, 0)} °C`) : null);
  };

  /** A device's cards: only what it reports (a switch has no swap, a printer no load), plus its fullest disk. */
  const renderDeviceStats = (m: MetricsPayload | null): void => {
    let fullest: NonNullable<MetricsPayload['disks']>[number] | undefined;
    for (const d of m?.disks ?? []) if (!fullest || d.usedPercent > fullest.usedPercent) fullest = d;
    replaceChildren(stats,
      m?.cpu ? stat(t('host.stat.cpu'), formatPercent(m.cpu.usage, 1), m.cpu.cores ? t('info.cores', { n: m.cpu.cores }) : '') : null,
      m?.mem ? stat(t('host.stat.memory'), formatPercent(m.mem.usedPercent, 1), `${formatBytes(m.mem.used)} / ${formatBytes(m.mem.total)}`) : null,
      m?.swap && m.swap.total > 0 ? stat(t('host.stat.swap'), formatPercent(m.swap.usedPercent, 1), `${formatBytes(m.swap.used)} / ${formatBytes(m.swap.total)}`) : null,
      // A device without load averages (Windows, bsnmpd) reports none: no card rather than zeros.
      m?.cpu?.load1 !== undefined && m.cpu.load5 !== undefined && m.cpu.load15 !== undefined && (m.cpu.load1 > 0 || m.cpu.load5 > 0 || m.cpu.load15 > 0)
        ? stat(t('host.stat.load'), formatNumber(m.cpu.load1, 2), `${formatNumber(m.cpu.load5, 2)} · ${formatNumber(m.cpu.load15, 2)}`) : null,
      fullest ? stat(t('host.stat.disk'), formatPercent(fullest.usedPercent, 1), `${fullest.mount} · ${formatBytes(fullest.used)} / ${formatBytes(fullest.total)}`) : null,
      typeof m?.uptime === 'number' ? stat(t('host.stat.uptime'), formatDuration(m.uptime)) : null,
      typeof m?.temperature?.cpu === 'number' ? stat(t('host.stat.temperature'), `${formatNumber(m.temperature.cpu, 0)} °C`) : null);
    stats.hidden = stats.childElementCount === 0;
  };

  /** Switches the page between an agent's host and a device when its info says which it is. */
  const setKind = (s: HostSummary): void => {
    const next = deviceSource(s.info) !== null;
    if (next === isDevice && (device !== null) === next) return;
    isDevice = next;
    el.toggleAttribute('data-device', next);
    snmpBadge.hidden = !next;
    device?.destroy();
    device = next ? createDeviceInterfaces(id, () => lastRange) : null;
    replaceChildren(deviceSlot, device?.el ?? null);
    device?.update(s.latest);
    // A device has no agent of its own: no services, no processes to ask for.
    replaceChildren(servicesSlot, info.el, next ? null : services.el);
    if (processes) processes.hidden = next;
    actions.el.hidden = next;
    stats.hidden = false;
  };

  const renderHead = (s: HostSummary & Labelled): void => {
    if (s.label !== undefined) label = s.label; // a summary without the field keeps the one we know
    summary = { ...s, label } as HostSummary;
    el.dataset.state = s.state;
    const title = hostTitle({ ...s, label });
    setText(name, title);
    setText(idLine, s.id);
    idLine.hidden = !label;
    const hostname = osHostname(s); // secondary: clones of one image share it
    setText(hostnameLine, hostname ? t('card.hostname', { name: hostname }) : '');
    hostnameLine.hidden = !hostname;
    document.title = `${title} · Vigie`;
    setText(pill, stateLabel(s.state));
    pill.title = stateHint(s.state);
    setKind(s);
    // A device's OS line would say "snmp": its own line says what it is.
    setText(os, isDevice ? '' : osLine(s));
    deviceHead.update(summary);
    tick();
  };
  const tick = (): void => {
    if (summary) setText(seen, t('card.lastSeen', { ago: formatAgo(summary.lastSeen, Date.now()) }));
  };

  const renderRanges = (): void => {
    replaceChildren(rangeBar, ...RANGES.map((r) => h('button', {
      type: 'button', class: 'range', 'data-range': r, 'aria-pressed': r === lastRange ? 'true' : 'false',
      on: { click: () => { lastRange = r; renderRanges(); void charts?.load(r); device?.load(r); } },
    }, t(`range.${r}`))));
  };

  const load = async (): Promise<void> => {
    try {
      const [detail, series] = await Promise.all([
        getJson<HostDetail>(apiPath(`/hosts/${encodeURIComponent(id)}`)),
        getJson<SeriesRef[]>(apiPath(`/hosts/${encodeURIComponent(id)}/series`)),
      ]);
      if (destroyed) return;
      message.hidden = true;
      body.hidden = false;
      renderHead(detail);
      renderStats(detail.latest);
      containers.update(detail.latest);
      device?.update(detail.latest);
      info.update(detail.info);
      services.update(detail.services);
      renderRanges();
      charts?.destroy();
      // A device without disks (a switch) gets no empty Disks chart.
      charts = createHostCharts(detail.id, chartSpecs(detail.latest, series).filter((c) => !isDevice || c.lines.length > 0));
      replaceChildren(chartsSlot, charts.el);
      await charts.load(lastRange);
    } catch (error) {
      if (destroyed) return;
      message.hidden = false;
      setText(message, error instanceof ApiError && error.status === 404 ? t('host.notFound', { id }) : t('host.loadError', { msg: (error as Error).message }));
    }
  };

  const stop = watchHost(id, {
    sample: (e) => {
      if (summary) renderHead({ ...summary, latest: e.metrics, lastSeen: Math.max(summary.lastSeen, e.receivedAt) });
      renderStats(e.metrics);
      containers.update(e.metrics);
      charts?.onSample(e.metrics);
      device?.onSample(e.metrics);
    },
    status: (s) => {
      renderHead(s);
      info.update(s.info);
    },
    services: (e) => services.update(e.services),
    resync: () => void load(),
  });
  const timer = window.setInterval(tick, 1000);
  const stopAlerts = onAlertsChange(renderAlerts);
  renderAlerts();
  void load();

  return {
    el,
    destroy() {
      destroyed = true;
      stop();
      stopAlerts();
      window.clearInterval(timer);
      charts?.destroy();
      device?.destroy();
      actions.destroy();
    },
  };
}
