import { apiPath, currentUser, getJson, idPath } from '../api.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatAgo, formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { connection } from '../live.js';
import { isSettled, type ActionView, type RunView } from '../script-types.js';
import { openRunDialog } from './run-dialog.js';
import { argLines } from './run-params.js';
import { outputBlock, renderOutcome, runStatePill } from './run-view.js';
import { button, dataTable, errorText } from './ui.js';

/**
 * The host page's Actions panel (issue 14): the actions this host may run
 * (GET /api/hosts/:id/actions), each with a Run button, for operators and
 * admins; and, for everyone who sees the host, its recent runs
 * (GET /api/runs?host=) with state, exit code, who, when and the output on
 * demand. The list follows the socket's `run` events for this host.
 */

const RECENT = 20;

export interface HostActionsPanel {
  el: HTMLElement;
  destroy(): void;
}

export function createHostActionsPanel(host: string): HostActionsPanel {
  const canRun = currentUser()?.role !== 'viewer';
  const actionsList = h('ul', { class: 'action-list', 'data-testid': 'host-actions-list' });
  const actionsMsg = h('p', { class: 'muted small', 'data-testid': 'host-actions-msg', hidden: true });
  const table = dataTable([t('runs.col.script'), t('runs.col.state'), t('runs.col.exit'), t('runs.col.by'), t('runs.col.when'), t('runs.col.output')], t('runs.none'));
  table.el.classList.add('runs-table');
  table.el.dataset.testid = 'host-runs';
  const runsMsg = h('p', { class: 'form-msg', 'data-kind': 'error', hidden: true });
  const el = h('section', { class: 'panel host-actions', 'data-testid': 'host-actions' },
    canRun ? h('h2', { class: 'panel-title' }, t('runs.actionsTitle')) : null,
    canRun ? h('p', { class: 'muted small' }, t('runs.actionsIntro')) : null,
    canRun ? actionsMsg : null,
    canRun ? actionsList : null,
    h('h2', { class: 'panel-title run-recent-title' }, t('runs.recentTitle')),
    runsMsg,
    table.el);
  let destroyed = false;
  // Outputs left open stay open across reloads of the list.
  const open = new Set<string>();

  const loadActions = async (): Promise<void> => {
    try {
      const answer = await getJson<{ actions: ActionView[] }>(idPath('hosts', host, '/actions'));
      if (destroyed) return;
      actionsMsg.hidden = answer.actions.length > 0;
      setText(actionsMsg, t('runs.noActions'));
      replaceChildren(actionsList, ...answer.actions.map((a) => h('li', { 'data-testid': 'host-action', 'data-id': a.id },
        h('div', null,
          h('div', { class: 'action-name' }, a.name, h('span', { class: 'mono muted small' }, ` ${a.id}`)),
          a.description ? h('div', { class: 'muted small' }, a.description) : null),
        button(t('scripts.run'), { class: 'btn small primary', 'data-testid': 'host-action-run' }, () => openRunDialog({
          host, script: a.id,
          onRun: (r) => { if (isSettled(r.state)) scheduleRuns(); },
        })))));
    } catch (error) {
      if (destroyed) return;
      actionsMsg.hidden = false;
      setText(actionsMsg, errorText(error));
    }
  };

  const outputCell = (r: RunView): HTMLElement => {
    const box = h('div', { hidden: !open.has(r.id) }, outputBlock(r.output, { 'data-testid': 'host-run-output' }));
    const toggle = button(open.has(r.id) ? t('runs.hide') : t('runs.show'), { class: 'btn small', 'data-testid': 'host-run-toggle', 'aria-expanded': String(open.has(r.id)) }, () => {
      const show = box.hidden;
      box.hidden = !show;
      if (show) open.add(r.id);
      else open.delete(r.id);
      toggle.setAttribute('aria-expanded', String(show));
      setText(toggle, show ? t('runs.hide') : t('runs.show'));
    });
    return h('div', null, toggle, box);
  };

  const loadRuns = async (): Promise<void> => {
    try {
      const answer = await getJson<{ runs: RunView[] }>(apiPath('/runs', { host, limit: RECENT }));
      if (destroyed) return;
      runsMsg.hidden = true;
      table.clear();
      for (const r of answer.runs) {
        const args = argLines(r.args).map(([k, v]) => `${k}=${v}`).join(' ');
        const outcome = h('div', { class: 'small' });
        renderOutcome(outcome, r);
        // The exit code has its own column: only the other lines (signal, refusal, lost) stay under the state.
        outcome.querySelector('dl')?.remove();
        table.row({ 'data-testid': 'host-run', 'data-id': r.id, 'data-state': r.state }, [
          h('div', null, h('span', { class: 'mono strong' }, `${r.script}@${r.version}`), args ? h('div', { class: 'mono muted small' }, args) : null),
          h('div', null, runStatePill(r, { 'data-testid': 'host-run-state' }), outcome),
          h('span', { class: 'mono', 'data-testid': 'host-run-exit' }, r.exit === null ? '–' : String(r.exit)),
          h('span', { 'data-testid': 'host-run-by' }, r.trigger === 'rule' ? t('runs.byRule', { rule: r.rule ?? r.by }) : r.by),
          h('span', { title: formatDateTime(r.startedAt) }, formatAgo(r.startedAt, Date.now())),
          outputCell(r),
        ]);
      }
      table.el.dataset.loaded = 'true';
    } catch (error) {
      if (destroyed) return;
      runsMsg.hidden = false;
      setText(runsMsg, errorText(error));
    }
  };

  // Several events arrive together (accepted, output, done): one reload for them.
  let pending = 0;
  const scheduleRuns = (): void => {
    if (pending || destroyed) return;
    pending = window.setTimeout(() => {
      pending = 0;
      void loadRuns();
    }, 400);
  };
  const s = connection();
  const onRun = (e: unknown): void => {
    const r = e as Partial<RunView> | null;
    if (r?.host === host) scheduleRuns();
  };
  s.on('run', onRun);

  if (canRun) void loadActions();
  void loadRuns();
  return {
    el,
    destroy() {
      destroyed = true;
      s.off('run', onRun);
      window.clearTimeout(pending);
    },
  };
}
