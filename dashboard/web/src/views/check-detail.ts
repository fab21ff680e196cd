import { ApiError, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CheckDetailView, CheckView } from '../model.js';
import { createDailyBars } from './check-bars.js';
import { createCheckChart, CHECK_RANGES, type CheckChart, type CheckRange } from './check-chart.js';
import { createPerfCharts, perfLabels, type PerfCharts } from './check-perf-chart.js';
import { createCheckForm, inputOf, showIn } from './check-form.js';
import { watchChecks } from './check-live.js';
import { lastFailurePanel, runnerResultPanel } from './check-result.js';
import { budgetText, checkLatency, formatAvailability, formatLatency, tickAges, updateBadge, withResult } from './check-state.js';
import { formContext } from './checks.js';
import { button, confirmButton, messageLine } from './ui.js';

let lastRange: CheckRange = '24h'; // kept while browsing between checks

/**
 * `#/checks/<id>`: one check in detail. The 90 daily availability bars, the
 * latency per runner over 24 h / 7 d / 30 d, each runner's latest result
 * (HTTP phases, certificate, DNS answers, ping) and the last failure's trace
 * or excerpt. Operators of its group and admins edit, pause and delete it
 * here; viewers see no such control.
 */
export function createCheckDetailView(id: string): View {
  const back = h('a', { class: 'back', href: '#/checks' }, `← ${t('checks.back')}`);
  const message = h('p', { class: 'muted', 'data-testid': 'check-message-line' });
  const body = h('div', { class: 'ck-detail', hidden: true });
  const el = h('section', { class: 'check-page' }, back, message, body);
  const line = messageLine({ 'data-testid': 'check-action-msg' });
  let check: CheckDetailView | null = null;
  let chart: CheckChart | null = null;
  let perf: PerfCharts | null = null;
  let destroyed = false;
  const badge = h('span', { class: 'ck-badge', 'data-testid': 'check-state' });
  const resultsSlot = h('div', { class: 'grid side' });
  const failureSlot = h('div');
  const statsSlot = h('div', { class: 'grid stats' });
  const formSlot = h('div');

  const stat = (label: string, value: string, testid: string, detail = ''): HTMLElement =>
    h('div', { class: 'stat', 'data-testid': testid }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-detail muted' }, detail || '\u00a0'));

  /** The parts a live result changes. */
  const renderLive = (c: CheckView): void => {
    updateBadge(badge, c);
    el.dataset.state = c.state;
    replaceChildren(statsSlot,
      stat(t('checks.col.latency'), formatLatency(checkLatency(c)), 'stat-latency'),
      stat(t('checks.col.day'), formatAvailability(c.availability.day), 'stat-day'),
      stat(t('checks.col.week'), formatAvailability(c.availability.week), 'stat-week'),
      stat(t('checks.col.month'), formatAvailability(c.availability.month), 'stat-month'),
      stat(t('checks.col.sla'), c.budget.leftPercent === null ? '–' : c.budget.leftPercent < 0 ? t('checks.budgetSpent') : formatAvailability(c.budget.leftPercent), 'stat-budget', budgetText(c)));
    replaceChildren(resultsSlot, ...c.runners.map((r) => runnerResultPanel(r)));
    replaceChildren(failureSlot, lastFailurePanel(c.runners));
  };

  const actions = (c: CheckDetailView): HTMLElement | null => {
    // The server says who may edit; a viewer never gets here with canEdit.
    if (!c.canEdit || currentUser()?.role === 'viewer') return null;
    // The check form knows network kinds only: a script check is made from its script's row in #/scripts (issue 14).
    const edit = (c.kind as string) === 'script' ? null : button(t('checks.edit'), { 'data-testid': 'check-edit' }, () => void openForm(c));
    const toggle = button(c.enabled ? t('checks.pause') : t('checks.resume'), { 'data-testid': 'check-toggle' }, () => void (async () => {
      toggle.disabled = true;
      try {
        const saved = await sendJson<CheckView>('PUT', idPath('checks', c.id), { ...inputOf(c), enabled: !c.enabled });
        line.ok(saved.enabled ? t('checks.resumed') : t('checks.paused'));
        await load();
      } catch (error) {
        line.error(error);
      } finally {
        toggle.disabled = false;
      }
    })());
    const del = confirmButton(t('action.delete'), t('checks.deleteQ', { name: c.name }), line, async () => {
      await sendJson('DELETE', idPath('checks', c.id));
      location.hash = '#/checks';
    }, { 'data-testid': 'check-delete' });
    return h('div', { class: 'actions' }, edit, toggle, del);
  };

  const openForm = async (c: CheckDetailView): Promise<void> => {
    try {
      const ctx = await formContext();
      if (destroyed) return;
      showIn(formSlot, createCheckForm(c, ctx, (saved) => {
        showIn(formSlot, null);
        if (saved) {
          line.ok(t('checks.saved'));
          void load();
        }
      }));
    } catch (error) {
      line.error(error);
    }
  };

  const rangeBar = h('div', { class: 'ranges', role: 'group', 'aria-label': t('checks.latencyTitle') });
  const renderRanges = (): void => {
    replaceChildren(rangeBar, ...CHECK_RANGES.map((r) => h('button', {
      type: 'button', class: 'range', 'data-range': r, 'aria-pressed': r === lastRange ? 'true' : 'false',
      on: { click: () => { lastRange = r; renderRanges(); void chart?.load(r); void perf?.load(r); } },
    }, t(`range.${r}`))));
  };

  const render = (c: CheckDetailView): void => {
    document.title = `${c.name} · Vigie`;
    const target = c.port !== undefined && c.kind !== 'http' ? `${c.target}:${c.port}` : c.target;
    chart?.destroy();
    chart = createCheckChart(c.id, c.runners);
    // A script check's perfdata (issue 14), charted with the same range.
    perf?.destroy();
    perf = createPerfCharts(c.id, c.runners);
    renderRanges();
    replaceChildren(body,
      h('div', { class: 'host-head' },
        h('div', { class: 'host-title' }, h('h1', { 'data-testid': 'check-title' }, c.name), badge, h('span', { class: 'tag ck-kind' }, t(`checks.kind.${c.kind}`))),
        h('div', { class: 'ck-target mono muted', 'data-testid': 'check-target' }, target),
        h('div', { class: 'host-sub muted' },
          h('span', null, t('checks.every', { n: c.interval })),
          h('span', null, t('checks.runnersN', { n: c.runners.length })),
          h('span', null, t('checks.slaTarget', { v: formatAvailability(c.sla) }))),
        actions(c), line.el),
      formSlot,
      statsSlot,
      h('section', { class: 'panel ck-bars-panel', 'data-testid': 'bars-panel' },
        h('div', { class: 'panel-head' }, h('h2', { class: 'panel-title' }, t('checks.bars.title')), h('span', { class: 'muted small' }, t('checks.bars.utc'))),
        createDailyBars(c.daily, c.sla)),
      h('div', { class: 'section-head' }, h('h2', null, t('checks.latencyTitle')), rangeBar),
      chart.el,
      perf ? h('h2', { class: 'ck-section-title' }, t('scripts.perfChart')) : null,
      perf?.el ?? null,
      h('h2', { class: 'ck-section-title' }, t('checks.resultsTitle')),
      resultsSlot,
      failureSlot);
    renderLive(c);
    void chart.load(lastRange);
    void perf?.load(lastRange);
  };

  const load = async (): Promise<void> => {
    try {
      const c = await getJson<CheckDetailView>(idPath('checks', id));
      if (destroyed) return;
      check = c;
      message.hidden = true;
      body.hidden = false;
      render(c);
    } catch (error) {
      if (destroyed) return;
      message.hidden = false;
      body.hidden = true;
      setText(message, error instanceof ApiError && error.status === 404 ? t('checks.notFound', { id }) : t('checks.loadError', { msg: (error as Error).message }));
    }
  };

  const stop = watchChecks((rec) => {
    if (!check || rec.check !== check.id) return;
    const next = withResult(check, rec);
    if (!next) {
      void load();
      return;
    }
    check = { ...next, daily: check.daily };
    // A script check's first perfdata: its charts appear (a full render), else only the live parts change.
    if (!perf && perfLabels(check.runners).length) render(check);
    else renderLive(check);
  }, () => void load());
  const timer = window.setInterval(() => tickAges(resultsSlot), 1000);
  void load();
  return {
    el,
    destroy() {
      destroyed = true;
      stop();
      window.clearInterval(timer);
      chart?.destroy();
      perf?.destroy();
    },
  };
}

