import type { SeriesRef } from '../../../../ingest/types.js';
import type { HistoryAnswer } from '../../../server/api/history.js';
import type { MetricName } from '../../../../protocol/metric-series.js';
import type { MetricsPayload } from '../../../../protocol/payloads.js';
import { apiPath, getJson } from '../api.js';
import { alignHistory, createChart, PALETTE, type Chart, type ChartUnit } from '../charts.js';
import { h } from '../dom.js';
import { breakGaps } from '../gaps.js';
import { t, type MessageKey } from '../i18n/index.js';

/** The host page's charts: which lines to draw, their history, and live points. */

/** The range buttons: the server's `range` shorthands (dashboard/server/history-query.ts), up to the 400 days kept. */
export const RANGES = ['15m', '1h', '24h', '7d', '30d', '90d', '180d', '400d'] as const;
export type RangeName = (typeof RANGES)[number];
const DAY = 864e5;
const RANGE_MS: Record<RangeName, number> = { '15m': 9e5, '1h': 36e5, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY, '180d': 180 * DAY, '400d': 400 * DAY };

export interface LineSpec {
  metric: MetricName;
  key: string;
  label: string;
  pick(m: MetricsPayload): number | null | undefined;
}

export interface ChartSpec {
  /** `data-chart` of its panel: cpu, memory, disks, network, or an interface's `if-traffic` / `if-util`. */
  id: string;
  title: MessageKey;
  /** The heading when it carries a name (an interface's charts); else t(title). */
  heading?: string;
  unit: ChartUnit;
  lines: LineSpec[];
}


const MAX_DISKS = 6;
const MAX_IFACES = 3;
// Loopback and container plumbing say little about a host's traffic.
const BORING_IFACE = /^(lo|veth|docker|br-|virbr|cni|flannel|tun|tap|ifb|dummy)/;

function keysOf(series: SeriesRef[], metric: MetricName, fromLatest: string[]): string[] {
  const keys = new Set(fromLatest);
  for (const s of series) if (s.metric === metric && s.key) keys.add(s.key);
  return [...keys];
}

/** The charts for a host, from the series it has stored and its latest sample. */
export function chartSpecs(latest: MetricsPayload | null, series: SeriesRef[]): ChartSpec[] {
  const mounts = keysOf(series, 'disk.usedPercent', (latest?.disks ?? []).map((d) => d.mount)).sort().slice(0, MAX_DISKS);
  const traffic = new Map((latest?.net ?? []).map((n) => [n.iface, n.rxRate + n.txRate]));
  const ifaces = keysOf(series, 'net.rxRate', [...traffic.keys()])
    .filter((i) => !BORING_IFACE.test(i))
    .sort((a, b) => (traffic.get(b) ?? 0) - (traffic.get(a) ?? 0))
    .slice(0, MAX_IFACES);
  return [
    {
      id: 'cpu', title: 'chart.cpu', unit: 'percent', lines: [
        { metric: 'cpu.usage', key: '', label: t('series.usage'), pick: (m) => m.cpu?.usage },
        { metric: 'cpu.iowait', key: '', label: t('series.iowait'), pick: (m) => m.cpu?.iowait },
      ],
    },
    {
      id: 'memory', title: 'chart.memory', unit: 'percent', lines: [
        { metric: 'mem.usedPercent', key: '', label: t('series.ram'), pick: (m) => m.mem?.usedPercent },
        { metric: 'swap.usedPercent', key: '', label: t('series.swap'), pick: (m) => m.swap?.usedPercent },
      ],
    },
    {
      id: 'disks', title: 'chart.disks', unit: 'percent',
      lines: mounts.map((mount) => ({ metric: 'disk.usedPercent', key: mount, label: mount, pick: (m) => m.disks?.find((d) => d.mount === mount)?.usedPercent })),
    },
    {
      id: 'network', title: 'chart.network', unit: 'bytesPerSecond',
      lines: ifaces.flatMap((iface): LineSpec[] => [
        { metric: 'net.rxRate', key: iface, label: t('series.rx', { iface }), pick: (m) => m.net?.find((n) => n.iface === iface)?.rxRate },
        { metric: 'net.txRate', key: iface, label: t('series.tx', { iface }), pick: (m) => m.net?.find((n) => n.iface === iface)?.txRate },
      ]),
    },
  ];
}

export interface HostCharts {
  el: HTMLElement;
  load(range: RangeName): Promise<void>;
  onSample(m: MetricsPayload): void;
  destroy(): void;
}

export function createHostCharts(hostId: string, specs: ChartSpec[]): HostCharts {
  const el = h('div', { class: 'grid charts' });
  const charts: Array<{ spec: ChartSpec; chart: Chart; panel: HTMLElement; error: HTMLElement }> = [];
  for (const spec of specs) {
    const body = h('div', { class: 'chart-body' });
    const error = h('p', { class: 'chart-error', hidden: true }, t('chart.loadError'));
    const panel = h('section', { class: 'panel chart', 'data-chart': spec.id }, h('h3', null, spec.heading ?? t(spec.title)), error, body);
    el.appendChild(panel);
    charts.push({ spec, panel, error, chart: null as unknown as Chart });
  }
  // uPlot measures its container: create the charts once the grid is in the page.
  let created = false;
  const ensureCreated = (): void => {
    if (created) return;
    created = true;
    for (const c of charts) {
      const body = c.panel.querySelector<HTMLElement>('.chart-body');
      if (body) c.chart = createChart(body, c.spec.unit, c.spec.lines.map((l, i) => ({ label: l.label, color: PALETTE[i % PALETTE.length] ?? '#3b82f6' })));
    }
  };

  let range: RangeName = '1h';
  let generation = 0;
  let stepMs = 0;
  let gapAfterMs = 0;

  return {
    el,
    async load(next) {
      ensureCreated();
      range = next;
      const mine = ++generation;
      await Promise.all(charts.map(async (c) => {
        try {
          const answers = await Promise.all(c.spec.lines.map((l) =>
            getJson<HistoryAnswer>(apiPath(`/hosts/${encodeURIComponent(hostId)}/history`, { metric: l.metric, key: l.key || undefined, range }))));
          if (mine !== generation) return; // a newer range was asked meanwhile
          stepMs = (answers[0]?.step ?? 0) * 1000;
          gapAfterMs = (answers[0]?.gapAfter ?? 0) * 1000; // 0 from an older server: no breaks
          const { xs, ys, breaks } = breakGaps(alignHistory(answers.map((a) => a.points)), gapAfterMs, stepMs);
          c.error.hidden = true;
          // For tests and curious eyes: where the data came from, and how many gaps break the lines.
          c.panel.dataset.tier = answers[0]?.tier ?? '';
          c.panel.dataset.breaks = String(breaks);
          c.panel.dataset.points = String(xs.length - breaks);
          const shown = answers[0] ?? { from: Date.now() - RANGE_MS[range], to: Date.now() };
          c.chart.setData(xs, ys, shown.from, shown.to);
        } catch {
          if (mine === generation) c.error.hidden = false;
        }
      }));
    },
    onSample(m) {
      if (!created) return;
      // Short ranges show every sample; long ones one point per bucket, like their history.
      const minGap = RANGE_MS[range] > 36e5 ? stepMs : 0;
      for (const c of charts) c.chart.append(m.ts, c.spec.lines.map((l) => l.pick(m) ?? null), minGap, gapAfterMs);
    },
    destroy() {
      generation += 1;
      for (const c of charts) if (created) c.chart.destroy();
    },
  };
}
