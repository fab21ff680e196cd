import type { HistoryAnswer } from '../../../server/api/history.js';
import { apiPath, getJson } from '../api.js';
import { alignHistory, createChart, PALETTE, type Chart, type ChartUnit } from '../charts.js';
import { h, replaceChildren } from '../dom.js';
import { breakGaps } from '../gaps.js';
import { t } from '../i18n/index.js';
import type { CheckRunnerView } from '../model.js';
import type { Perfdata } from '../script-types.js';
import type { CheckRange } from './check-chart.js';
import { runnerName } from './check-state.js';
import { perfKey } from './script-result.js';

/**
 * A script check's perfdata over time (issue 14): one chart per label its
 * runners reported, one line per runner, from the host history API (metric
 * `check.perf`, key `<check>/<label>`, host = runner), in the label's unit.
 */

const MAX_LABELS = 6;
const UNITS: Record<Perfdata['unit'], ChartUnit> = { '': 'number', c: 'number', '%': 'percent', s: 'seconds', B: 'bytes' };

export interface PerfCharts {
  el: HTMLElement;
  load(range: CheckRange): Promise<void>;
  destroy(): void;
}

/** The labels (and their units) of the runners' latest results, in the order reported; null when there are none. */
export function perfLabels(runners: readonly CheckRunnerView[]): { label: string; unit: Perfdata['unit'] }[] {
  const seen = new Map<string, Perfdata['unit']>();
  for (const r of runners) for (const p of r.result?.script?.perfdata ?? []) if (!seen.has(p.label)) seen.set(p.label, p.unit);
  return [...seen].slice(0, MAX_LABELS).map(([label, unit]) => ({ label, unit }));
}

export function createPerfCharts(checkId: string, runners: readonly CheckRunnerView[]): PerfCharts | null {
  const labels = perfLabels(runners);
  if (!labels.length) return null;
  const parts = labels.map(({ label, unit }) => {
    const body = h('div', { class: 'chart-body' });
    const error = h('p', { class: 'chart-error', hidden: true }, t('chart.loadError'));
    const el = h('section', { class: 'panel chart', 'data-chart': 'check-perf', 'data-label': label },
      h('div', { class: 'panel-head' }, h('h3', { class: 'mono' }, label)), error, body);
    return { label, unit, body, error, el, chart: null as Chart | null };
  });
  const el = h('div', { class: 'grid perf-grid', 'data-testid': 'perf-charts' }, ...parts.map((p) => p.el));
  let generation = 0;
  return {
    el,
    async load(range) {
      const mine = ++generation;
      await Promise.all(parts.map(async (p) => {
        p.chart ??= createChart(p.body, UNITS[p.unit], runners.map((r, i) => ({ label: runnerName(r), color: PALETTE[i % PALETTE.length] ?? '#3b82f6' })));
        const settled = await Promise.allSettled(runners.map((r) =>
          getJson<HistoryAnswer>(apiPath(`/hosts/${encodeURIComponent(r.runner)}/history`, { metric: 'check.perf', key: perfKey(checkId, p.label), range }))));
        if (mine !== generation || !p.chart) return;
        const answers = settled.map((x) => (x.status === 'fulfilled' ? x.value : null));
        const a = answers.find((x): x is HistoryAnswer => x !== null);
        p.error.hidden = a !== undefined;
        if (!a) return;
        const { xs, ys, breaks } = breakGaps(alignHistory(answers.map((x) => x?.points ?? [])), a.gapAfter * 1000, a.step * 1000);
        p.el.dataset.points = String(xs.length - breaks);
        p.chart.setData(xs, ys, a.from, a.to);
      }));
    },
    destroy() {
      generation += 1;
      for (const p of parts) {
        p.chart?.destroy();
        replaceChildren(p.body);
      }
    },
  };
}
