import type { HostState, HostSummary } from '../../../../ingest/types.js';
import { CRITICAL_PERCENT, WARNING_PERCENT } from '../../../../ingest/host-health.js';
import type { DiskMetrics } from '../../../../protocol/payloads.js';
import { h, setText } from '../dom.js';
import { formatAgo, formatBytes, formatDuration, formatNumber, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import { deviceSource, hostTitle, osHostname, type Labelled, type Severity } from '../model.js';

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

/**
 * A host's state in words. Its own vocabulary (Online / Busy / Saturated /
 * Offline): "warning" and "critical" are alert severities only, so a card's
 * state pill never reads like an alert count (issue 11).
 */
export function stateLabel(state: HostState): string {
  return t(`state.${state}`);
}

/** What a state means, for the pill's tooltip: the ingest's thresholds. */
export function stateHint(state: HostState): string {
  return t(`state.hint.${state}`, { warn: WARNING_PERCENT, crit: CRITICAL_PERCENT });
}

/** The text under a host's name: "Debian GNU/Linux 12 · x64". */
export function osLine(host: HostSummary): string {
  const info = host.info;
  if (!info) return '';
  // A device (issue 13): who polls it and where, rather than "snmp".
  const src = deviceSource(info);
  if (src) return t('card.device', { poller: src.poller, address: src.address });
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
  const name = h('span', { class: 'card-name', 'data-testid': 'card-name' });
  const pill = h('span', { class: 'pill', 'data-testid': 'card-state' });
  const snmp = h('span', { class: 'tag snmp', 'data-testid': 'card-snmp', title: t('device.kind'), hidden: true }, 'SNMP');
  const alertBadge = h('span', { class: 'pill sev', 'data-testid': 'card-alert', hidden: true });
  const maintBadge = h('span', { class: 'tag maint', 'data-testid': 'card-maintenance', hidden: true });
  // Badges get a row of their own that wraps: in the name's row they squeezed it to nothing (issue 11).
  const badges = h('div', { class: 'card-badges', hidden: true }, alertBadge, maintBadge);
  const os = h('div', { class: 'card-os' });
  const idText = h('span', { class: 'mono', hidden: true });
  const hostnameText = h('span', { 'data-testid': 'card-hostname', hidden: true });
  const idLine = h('div', { class: 'card-id', hidden: true }, idText, hostnameText);
  const cpu = meter(t('card.cpu'));
  const ram = meter(t('card.ram'));
  const disk = meter(t('card.disk'));
  const uptime = h('span', { class: 'card-uptime' });
  const seen = h('span', { class: 'card-seen' });
  const el = h('a', { class: 'card', href: `#/host/${encodeURIComponent(initial.id)}`, 'data-host': initial.id },
    h('div', { class: 'card-head' }, h('span', { class: 'dot' }), name, snmp, pill),
    badges,
    idLine,
    os,
    h('div', { class: 'meters' }, cpu.el, ram.el, disk.el),
    h('div', { class: 'card-foot' }, uptime, seen));
  let current = initial;

  const update = (host: HostSummary): void => {
    current = host;
    el.dataset.state = host.state;
    el.dataset.lastSeen = String(host.lastSeen); // changes only with live data (tests and styling hooks)
    // An operator's label, else the enrolled id, is the title; beneath it the id
    // (when labelled) and the OS hostname (when it says something else).
    const label = (host as HostSummary & Labelled).label;
    const title = hostTitle(host as HostSummary & Labelled);
    const hostname = osHostname(host);
    setText(name, title);
    name.title = title; // the whole name when the ellipsis cuts it
    setText(idText, host.id);
    idText.hidden = !label;
    setText(hostnameText, hostname ? t('card.hostname', { name: hostname }) : '');
    hostnameText.hidden = !hostname;
    idLine.hidden = idText.hidden && hostnameText.hidden;
    el.title = host.id;
    setText(pill, stateLabel(host.state));
    pill.title = stateHint(host.state);
    setText(os, osLine(host) || '\u00a0');
    snmp.hidden = deviceSource(host.info) === null;
    el.toggleAttribute('data-device', !snmp.hidden);
    const m = host.latest;
    cpu.set(m?.cpu?.usage, formatPercent(m?.cpu?.usage), m?.cpu?.load1 !== undefined ? t('card.load', { v: formatNumber(m.cpu.load1, 2) }) : '');
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
    badges.hidden = !worst && !maintenance;
  };
  update(initial);
  return { el, update, tick, setAlerts };
}
