import type { HostSummary } from '../../../../ingest/types.js';
import { apiPath, currentUser, getJson } from '../api.js';
import { h, replaceChildren, setText, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CheckState, CheckView, Group, Labelled } from '../model.js';
import { createCheckCard, type CheckCard } from './check-card.js';
import { createCheckForm, showIn, type CheckFormContext } from './check-form.js';
import { createImportPanel } from './check-import.js';
import { watchChecks } from './check-live.js';
import { tickAges, withResult } from './check-state.js';
import { button, messageLine, page } from './ui.js';

/**
 * `#/checks` (issue 12): every check the user may see, with its state,
 * latency, availability, error budget and each runner's latest result,
 * updated live from the socket's `check` events. Filters by state and group;
 * operators and admins add checks here and import or export them as files.
 */

const STATES: CheckState[] = ['down', 'partial', 'up', 'pending', 'paused'];
// Worst first: what needs attention is at the top.
const ORDER: Record<CheckState, number> = { down: 0, partial: 1, pending: 2, up: 3, paused: 4 };

/** What the check form needs: the hosts the user sees and the groups a check may belong to. */
export async function formContext(): Promise<CheckFormContext> {
  const user = currentUser();
  const admin = user?.role === 'admin';
  const [hosts, groups] = await Promise.all([
    getJson<(HostSummary & Labelled)[]>(apiPath('/hosts')),
    // The caller's own groups (admins: all), by name.
    getJson<Array<Pick<Group, 'id' | 'name'>>>(apiPath('/me/groups')),
  ]);
  return {
    hosts: [...hosts].sort((a, b) => a.id.localeCompare(b.id)),
    groups: groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name)),
    admin,
  };
}

export function createChecksView(): View {
  const role = currentUser()?.role;
  const canWrite = role === 'admin' || role === 'operator';
  const pageLine = messageLine();
  const stateFilter = h('select', { class: 'input', 'data-testid': 'checks-filter-state' },
    h('option', { value: '' }, t('checks.filter.all')),
    ...STATES.map((s) => h('option', { value: s }, t(`checks.state.${s}`))));
  const groupFilter = h('select', { class: 'input', 'data-testid': 'checks-filter-group' });
  const counts = h('div', { class: 'counts', 'data-testid': 'checks-counts' });
  const list = h('div', { class: 'ck-list', 'data-testid': 'checks-list' });
  const empty = h('div', { class: 'empty-state', 'data-testid': 'checks-empty', hidden: true });
  const filteredOut = h('p', { class: 'muted', hidden: true, 'data-testid': 'checks-filtered-out' }, t('checks.filteredOut'));
  const formSlot = h('div');
  const addButton = canWrite ? button(t('checks.add'), { class: 'btn primary', 'data-testid': 'checks-add' }, () => void openForm()) : null;
  const el = page(t('nav.checks'),
    h('p', { class: 'muted' }, t('checks.intro')),
    pageLine.el,
    h('div', { class: 'ck-toolbar' },
      h('div', { class: 'filters form ck-filters' },
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('checks.filter.state')), stateFilter),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('checks.filter.group')), groupFilter)),
      addButton),
    formSlot, counts, empty, filteredOut, list,
    createImportPanel(canWrite, () => void load()));

  let checks: CheckView[] = [];
  let groupNames = new Map<number, string>();
  const cards = new Map<string, CheckCard>();
  let destroyed = false;

  const openForm = async (): Promise<void> => {
    try {
      const ctx = await formContext();
      if (destroyed) return;
      empty.hidden = true; // the form says the same, in place
      showIn(formSlot, createCheckForm(null, ctx, (saved) => {
        showIn(formSlot, null);
        render();
        if (saved) {
          pageLine.ok(t('checks.created', { name: saved.name }));
          void load();
        }
      }));
    } catch (error) {
      pageLine.error(error);
    }
  };

  const groupLabel = (id: number): string => groupNames.get(id) ?? t('checks.groupN', { id });

  const renderGroups = (): void => {
    const ids = [...new Set(checks.map((c) => c.groupId).filter((g): g is number => g !== null))].sort((a, b) => groupLabel(a).localeCompare(groupLabel(b)));
    const before = groupFilter.value;
    replaceChildren(groupFilter,
      h('option', { value: '' }, t('checks.filter.allGroups')),
      ...ids.map((id) => h('option', { value: String(id) }, groupLabel(id))),
      checks.some((c) => c.groupId === null) ? h('option', { value: 'none' }, t('checks.filter.noGroup')) : null);
    groupFilter.value = [...groupFilter.options].some((o) => o.value === before) ? before : '';
  };

  const renderCounts = (): void => {
    const n = (s: CheckState): number => checks.filter((c) => c.state === s).length;
    replaceChildren(counts, ...STATES.filter((s) => n(s) > 0).map((s) =>
      h('span', { class: 'count', 'data-ck': s, 'data-testid': `checks-count-${s}` }, h('span', { class: 'dot' }), t('checks.count', { n: n(s), state: t(`checks.state.${s}`) }))));
  };

  /** Shows the cards that pass the filters, worst first, reusing the cards already built. */
  const render = (): void => {
    renderCounts();
    const state = stateFilter.value;
    const group = groupFilter.value;
    const shown = checks
      .filter((c) => !state || c.state === state)
      .filter((c) => !group || (group === 'none' ? c.groupId === null : String(c.groupId) === group))
      .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.name.localeCompare(b.name));
    for (const [id] of cards) if (!checks.some((c) => c.id === id)) cards.delete(id);
    replaceChildren(list, ...shown.map((c) => {
      let card = cards.get(c.id);
      if (card) card.update(c);
      else cards.set(c.id, (card = createCheckCard(c)));
      return card.el;
    }));
    empty.hidden = checks.length > 0 || formSlot.firstChild !== null;
    filteredOut.hidden = checks.length === 0 || shown.length > 0;
    replaceChildren(empty,
      h('strong', null, t('checks.empty.title')),
      h('p', null, canWrite ? t('checks.empty.operator') : t('checks.empty.viewer')),
      canWrite ? button(t('checks.add'), { class: 'btn primary', 'data-testid': 'checks-empty-add' }, () => void openForm()) : null);
  };

  const load = async (): Promise<void> => {
    try {
      const [answer, groups] = await Promise.all([
        getJson<{ checks: CheckView[] }>(apiPath('/checks')),
        getJson<Array<Pick<Group, 'id' | 'name'>>>(apiPath('/me/groups')).catch(() => [] as Array<Pick<Group, 'id' | 'name'>>),
      ]);
      if (destroyed) return;
      checks = answer.checks;
      groupNames = new Map(groups.map((g) => [g.id, g.name]));
      list.dataset.loaded = 'true';
      renderGroups();
      render();
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  let reloadTimer = 0;
  const stop = watchChecks((rec) => {
    const i = checks.findIndex((c) => c.id === rec.check);
    const next = i >= 0 ? withResult(checks[i]!, rec) : null;
    if (!next) {
      // A check or runner this page does not know yet (added elsewhere): reload, once for a burst.
      window.clearTimeout(reloadTimer);
      reloadTimer = window.setTimeout(() => void load(), 500);
      return;
    }
    checks[i] = next;
    // A new state may move the card (worst first) or out of the filter: redraw the list; else just the card.
    if (checks[i] && cards.get(next.id)?.el.dataset.state !== next.state) render();
    else cards.get(next.id)?.update(next);
  }, () => void load());
  stateFilter.addEventListener('change', render);
  groupFilter.addEventListener('change', render);
  const timer = window.setInterval(() => tickAges(list), 1000);
  // Live events carry results, not availability: the percentages are read again every minute.
  const refresh = window.setInterval(() => void load(), 60_000);
  void load();

  return {
    el,
    destroy() {
      destroyed = true;
      stop();
      window.clearInterval(timer);
      window.clearInterval(refresh);
      window.clearTimeout(reloadTimer);
    },
  };
}
