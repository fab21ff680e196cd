import type { MetricsPayload, NetMetrics } from '../../../../protocol/payloads.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatLinkSpeed, formatNumber, formatPercent, formatPerSecond, formatRate } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { UTIL_CRITICAL, UTIL_WARNING } from './device-limits.js';
import { ifLevel } from './iface-state.js';

export { ifLevel, type IfLevel } from './iface-state.js';
import { createHostCharts, type ChartSpec, type HostCharts, type RangeName } from './host-charts.js';
import { button, dataTable } from './ui.js';

/**
 * A device's Interfaces panel (issue 13): one row per interface of the
 * latest sample (name and alias, state, speed, in/out rates, utilisation,
 * errors and discards per second), redrawn on every live sample; a click on
 * an interface opens its charts (net.rxRate/net.txRate and net.util from the
 * history API) under the table. Also the device's custom OID values.
 */

/** Utilisation colour, with the if_util alert's default thresholds. */
function utilLevel(util: number | undefined): string {
  if (typeof util !== 'number') return 'none';
  return util >= UTIL_CRITICAL ? 'high' : util >= UTIL_WARNING ? 'mid' : 'low';
}

const pair = (a: number | undefined, b: number | undefined): string =>
  a === undefined && b === undefined ? '–' : `${formatPerSecond(a)} / ${formatPerSecond(b)}`;

/** Interfaces in ifIndex order (the device's own), then by name for those without one. */
function ordered(net: readonly NetMetrics[]): NetMetrics[] {
  return [...net].sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity) || a.iface.localeCompare(b.iface));
}

export interface DeviceInterfaces {
  el: HTMLElement;
  update(m: MetricsPayload | null): void;
  onSample(m: MetricsPayload): void;
  /** The host page's range changed: the open interface's charts follow it. */
  load(range: RangeName): void;
  destroy(): void;
}

const FILTER_FROM = 8;

export function createDeviceInterfaces(hostId: string, range: () => RangeName): DeviceInterfaces {
  const columns = [t('iface.name'), t('iface.state'), t('iface.speed'), t('iface.in'), t('iface.out'), t('iface.util'), t('iface.errors'), t('iface.discards')];
  const table = dataTable(columns, t('iface.none'));
  table.el.classList.add('ifaces');
  table.el.dataset.testid = 'iface-table';
  const summary = h('span', { class: 'muted panel-note', 'data-testid': 'iface-summary' });
  const filter = h('input', { type: 'search', class: 'filter', placeholder: t('iface.filter'), 'aria-label': t('iface.filter'), hidden: true });
  const chartHead = h('h3', { 'data-testid': 'iface-chart-title' });
  const chartSlot = h('div');
  const close = button(t('iface.closeCharts'), { class: 'btn small', 'data-testid': 'iface-close' }, () => select(null));
  const chartPanel = h('div', { class: 'iface-charts', 'data-testid': 'iface-charts', hidden: true },
    h('div', { class: 'section-head' }, chartHead, close), chartSlot);
  const customBody = h('dl', { class: 'kv' });
  const custom = h('section', { class: 'panel', 'data-testid': 'device-custom', hidden: true }, h('h3', null, t('device.custom')), customBody);
  const panel = h('section', { class: 'panel ifaces-panel', 'data-testid': 'interfaces' },
    h('div', { class: 'panel-head' }, h('h3', null, t('iface.title')), summary),
    filter, table.el);
  const el = h('div', { class: 'device-parts' }, panel, chartPanel, custom);

  let latest: MetricsPayload | null = null;
  let selected: string | null = null;
  let charts: HostCharts | null = null;

  const row = (n: NetMetrics): void => {
    const level = ifLevel(n);
    const open = h('button', { type: 'button', class: 'iface-open link', 'data-testid': 'iface-open', 'aria-expanded': selected === n.iface ? 'true' : 'false' }, n.iface);
    open.addEventListener('click', () => select(selected === n.iface ? null : n.iface));
    const stateDetail = [n.oper ? t('iface.oper', { v: t(`iface.st.${n.oper}` as MessageKey) }) : '', n.admin ? t('iface.admin', { v: t(`iface.st.${n.admin}` as MessageKey) }) : ''].filter(Boolean).join(' · ');
    table.row({ 'data-testid': 'iface-row', 'data-iface': n.iface, 'data-if-state': level, 'data-selected': selected === n.iface ? 'true' : null }, [
      h('div', null, open, n.alias ? h('div', { class: 'muted small', 'data-testid': 'iface-alias' }, n.alias) : null),
      h('div', null,
        h('span', { class: 'if-state', 'data-if-state': level, 'data-testid': 'iface-state' }, h('span', { class: 'dot' }), t(`iface.level.${level}`)),
        stateDetail ? h('div', { class: 'muted small', 'data-testid': 'iface-state-detail' }, stateDetail) : null),
      h('span', { 'data-testid': 'iface-speed' }, formatLinkSpeed(n.speed)),
      h('span', { class: 'num', 'data-testid': 'iface-in' }, formatRate(n.rxRate)),
      h('span', { class: 'num', 'data-testid': 'iface-out' }, formatRate(n.txRate)),
      h('span', { class: 'num util', 'data-level': utilLevel(n.util), 'data-testid': 'iface-util' }, formatPercent(n.util, 1)),
      h('span', { class: 'num', 'data-testid': 'iface-errors' }, pair(n.rxErrors, n.txErrors)),
      h('span', { class: 'num', 'data-testid': 'iface-discards' }, pair(n.rxDiscards, n.txDiscards)),
    ]);
  };

  const render = (): void => {
    const all = ordered(latest?.net ?? []);
    filter.hidden = all.length < FILTER_FROM;
    const up = all.filter((n) => ifLevel(n) === 'up').length;
    setText(summary, all.length ? t('iface.summary', { up, n: all.length }) : '');
    const needle = filter.value.trim().toLowerCase();
    table.clear();
    for (const n of all) if (!needle || n.iface.toLowerCase().includes(needle) || (n.alias ?? '').toLowerCase().includes(needle)) row(n);
    const values = latest?.custom ?? [];
    custom.hidden = values.length === 0;
    replaceChildren(customBody, ...values.flatMap((c) => [
      h('dt', { class: 'mono' }, c.name),
      h('dd', { 'data-testid': 'custom-value', 'data-name': c.name }, `${formatNumber(c.value, 2)}${c.unit ? ` ${c.unit}` : ''}`),
    ]));
  };

  /** Opens the charts of `iface` (null: closes them). */
  const select = (iface: string | null): void => {
    selected = iface;
    charts?.destroy();
    charts = null;
    chartSlot.replaceChildren();
    chartPanel.hidden = iface === null;
    render();
    if (iface === null) return;
    setText(chartHead, t('iface.chartsOf', { iface }));
    const specs: ChartSpec[] = [
      {
        id: 'if-traffic', title: 'iface.traffic', heading: t('iface.traffic'), unit: 'bytesPerSecond', lines: [
          { metric: 'net.rxRate', key: iface, label: t('iface.in'), pick: (m) => m.net?.find((n) => n.iface === iface)?.rxRate },
          { metric: 'net.txRate', key: iface, label: t('iface.out'), pick: (m) => m.net?.find((n) => n.iface === iface)?.txRate },
        ],
      },
      {
        id: 'if-util', title: 'iface.util', heading: t('iface.util'), unit: 'percent', lines: [
          { metric: 'net.util', key: iface, label: t('iface.util'), pick: (m) => m.net?.find((n) => n.iface === iface)?.util },
        ],
      },
    ];
    charts = createHostCharts(hostId, specs);
    chartPanel.dataset.iface = iface;
    chartSlot.appendChild(charts.el);
    void charts.load(range());
    chartPanel.scrollIntoView({ block: 'nearest' });
  };

  filter.addEventListener('input', render);
  return {
    el,
    update(m) {
      latest = m;
      render();
    },
    onSample(m) {
      latest = m;
      render();
      charts?.onSample(m);
    },
    load(r) {
      void charts?.load(r);
    },
    destroy() {
      charts?.destroy();
    },
  };
}
