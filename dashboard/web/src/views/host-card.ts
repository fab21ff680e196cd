import type { HostState, HostSummary } from '../../../../ingest/types.js';
import { CRITICAL_PERCENT, WARNING_PERCENT } from '../../../../ingest/host-health.js';
import type { DiskMetrics } from '../../../../protocol/payloads.js';
import { h, setText } from '../dom.js';
import { formatAgo, formatBytes, formatDuration, formatNumber, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import { hostTitle, type Labelled, type Severity } from '../model.js';

/** One host's card on the overview; update() patches it in place on live updates. */

export interface HostCard {
  el: HTMLAnchorElement;
  update(host: HostSummary): void;
  /** Refreshes the "seen 12 s ago" text. */
  tick(now: number): void;
  /** The host's worst firing alert (null: none) and whether a maintenance window covers it. */
  setAlerts(worst: Severity | null, maintenance: boolean): void;
}

export const STATES: HostState[] = ['online', 'warning', 'critical', 'offline'];

export function stateLabel(state: HostState): string {
  return t(`state.${state}`);
}

/** The text under a host's name: "Debian GNU/Linux 12 · x64". */
export function osLine(host: HostSummary): string {
  const info = host.info;
  if (!info) return '';
  const os = [info.os.distro, info.os.release].filter(Boolean).join(' ') || info.os.platform;
  return [os, info.arch].filter(Boolean).join(' · ');
}

/** Meter level, with the ingest's thresholds: colours the bar so a full disk stands out. */
function level(value: number | null | undefined): string {
  if (typeof value !== 'number') return 'none';
  return value >= CRITICAL_PERCENT ? 'high' : value >= WARNING_PERCENT ? 'mid' : 'low';
}

function meter(label: string) {
  const value = h('span', { class: 'meter-value' });
  const detail = h('span', { class: 'meter-detail' });
  const fill = h('span', { class: 'meter-fill' });
  const el = h('div', { class: 'meter' },
    h('div', { class: 'meter-row' }, h('span', { class: 'meter-label' }, label), detail, value),
    h('div', { class: 'meter-bar' }, fill));
  return {
    el,
    set(percent: number | null | undefined, text: string, detailText = ''): void {
      setText(value, text);
      setText(detail, detailText);
      const p = typeof percent === 'number' ? Math.min(100, Math.max(0, percent)) : 0;
      fill.style.width = `${p.toFixed(1)}%`;
      fill.dataset.level = level(percent);
    },
  };
}

export function createHostCard(initial: HostSummary): HostCard {
  const name = h('span', { class: 'card-name' });
  const pill = h('span', { class: 'pill' });
  const alertBadge = h('span', { class: 'pill sev', 'data-testid': 'card-alert', hidden: true });
  const maintBadge = h('span', { class: 'tag maint', 'data-testid': 'card-maintenance', hidden: true });
  const os = h('div', { class: 'card-os' });
  const idLine = h('div', { class: 'card-id mono', hidden: true });
  const cpu = meter(t('card.cpu'));
  const ram = meter(t('card.ram'));
  const disk = meter(t('card.disk'));
  const uptime = h('span', { class: 'card-uptime' });
  const seen = h('span', { class: 'card-seen' });
  const el = h('a', { class: 'card', href: `#/host/${encodeURIComponent(initial.id)}`, 'data-host': initial.id },
    h('div', { class: 'card-head' }, h('span', { class: 'dot' }), name, maintBadge, alertBadge, pill),
    idLine,
    os,
    h('div', { class: 'meters' }, cpu.el, ram.el, disk.el),
    h('div', { class: 'card-foot' }, uptime, seen));
  let current = initial;

  const update = (host: HostSummary): void => {
    current = host;
    el.dataset.state = host.state;
    el.dataset.lastSeen = String(host.lastSeen); // changes only with live data (tests and styling hooks)
    // An operator's label is the title; the id stays visible beneath it.
    const label = (host as HostSummary & Labelled).label;
    setText(name, hostTitle(host));
    setText(idLine, host.id);
    idLine.hidden = !label;
    el.title = host.id;
    setText(pill, stateLabel(host.state));
    setText(os, osLine(host) || '\u00a0');
    const m = host.latest;
    cpu.set(m?.cpu?.usage, formatPercent(m?.cpu?.usage), m?.cpu ? t('card.load', { v: formatNumber(m.cpu.load1, 2) }) : '');
    ram.set(m?.mem?.usedPercent, formatPercent(m?.mem?.usedPercent), m?.mem ? `${formatBytes(m.mem.used)} / ${formatBytes(m.mem.total)}` : '');
    let fullest: DiskMetrics | undefined;
    for (const d of m?.disks ?? []) if (!fullest || d.usedPercent > fullest.usedPercent) fullest = d;
    disk.set(fullest?.usedPercent, formatPercent(fullest?.usedPercent), fullest ? fullest.mount : '');
    setText(uptime, typeof m?.uptime === 'number' && host.presence === 'online' ? t('card.uptime', { d: formatDuration(m.uptime) }) : m ? '' : t('card.noData'));
    tick(Date.now());
  };
  const tick = (now: number): void => {
    setText(seen, t('card.lastSeen', { ago: formatAgo(current.lastSeen, now) }));
  };
  const setAlerts = (worst: Severity | null, maintenance: boolean): void => {
    if (worst) el.dataset.alert = worst;
    else delete el.dataset.alert;
    el.toggleAttribute('data-maintenance', maintenance);
    alertBadge.hidden = !worst;
    if (worst) {
      alertBadge.dataset.sev = worst;
      setText(alertBadge, t('card.alert', { severity: t(`severity.${worst}`) }));
    }
    maintBadge.hidden = !maintenance;
    setText(maintBadge, t('alerts.maintenance'));
  };
  update(initial);
  return { el, update, tick, setAlerts };
}
