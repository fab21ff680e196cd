import type { HistoryAnswer } from '../../../server/api/history.js';
import { apiPath, getJson } from '../api.js';
import { alignHistory, createChart, PALETTE, type Chart } from '../charts.js';
import { h, replaceChildren } from '../dom.js';
import { breakGaps } from '../gaps.js';
import { t } from '../i18n/index.js';
import type { CheckRunnerView } from '../model.js';
import { runnerName } from './check-state.js';

/**
 * A check's latency over 24 h, 7 d or 30 d, one line per runner, from the
 * host history API (metric `check.latency`, key = check id, host = runner).
 */

export const CHECK_RANGES = ['24h', '7d', '30d'] as const;
export type CheckRange = (typeof CHECK_RANGES)[number];

export interface CheckChart {
  el: HTMLElement;
  load(range: CheckRange): Promise<void>;
  destroy(): void;
}

export function createCheckChart(checkId: string, runners: readonly CheckRunnerView[]): CheckChart {
  const body = h('div', { class: 'chart-body' });
  const error = h('p', { class: 'chart-error', hidden: true }, t('chart.loadError'));
  const el = h('section', { class: 'panel chart', 'data-chart': 'check-latency' }, error, body);
  let chart: Chart | null = null;
  let generation = 0;
  return {
    el,
    async load(range) {
      // uPlot measures its container: created once the panel is in the page.
      chart ??= createChart(body, 'seconds', runners.map((r, i) => ({ label: runnerName(r), color: PALETTE[i % PALETTE.length] ?? '#3b82f6' })));
      const mine = ++generation;
      // One runner's history may be refused (a host this user does not see): the others are still drawn.
      const settled = await Promise.allSettled(runners.map((r) =>
        getJson<HistoryAnswer>(apiPath(`/hosts/${encodeURIComponent(r.runner)}/history`, { metric: 'check.latency', key: checkId, range }))));
      if (mine !== generation || !chart) return;
      const answers = settled.map((x) => (x.status === 'fulfilled' ? x.value : null));
      const a = answers.find((x): x is HistoryAnswer => x !== null);
      const missing = runners.filter((_, i) => answers[i] === null).map((r) => runnerName(r));
      error.hidden = missing.length === 0;
      error.textContent = !a ? t('chart.loadError') : t('checks.chartMissing', { runners: missing.join(', ') });
      error.classList.toggle('ck-note', a !== undefined);
      if (!a) return;
      const { xs, ys, breaks } = breakGaps(alignHistory(answers.map((x) => x?.points ?? [])), a.gapAfter * 1000, a.step * 1000);
      el.dataset.points = String(xs.length - breaks);
      chart.setData(xs, ys, a.from, a.to);
    },
    destroy() {
      generation += 1;
      chart?.destroy();
      replaceChildren(body);
    },
  };
}
