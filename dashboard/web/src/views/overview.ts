import type { HostState, HostSummary } from '../../../../ingest/types.js';
import { inMaintenance, onAlertsChange, worstOn } from '../alerts-feed.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import { watchOverview } from '../live.js';
import { createHostCard, STATES, stateHint, type HostCard } from './host-card.js';

/** The overview: one live card per host, and counts per state. */
export function createOverview(): View {
  const counts = h('div', { class: 'counts', role: 'group', 'aria-label': t('overview.counts'), 'data-testid': 'state-counts' });
  const title = h('h1', null, t('overview.title'));
  const grid = h('div', { class: 'grid cards' });
  const status = h('p', { class: 'empty-state muted' }, t('overview.loading'));
  const el = h('section', { class: 'overview' }, h('div', { class: 'page-head' }, title, counts), status, grid);
  const cards = new Map<string, HostCard>();
  const hosts = new Map<string, HostSummary>();

  const renderCounts = (): void => {
    const byState = new Map<HostState, number>();
    for (const host of hosts.values()) byState.set(host.state, (byState.get(host.state) ?? 0) + 1);
    replaceChildren(counts, ...STATES.filter((s) => byState.get(s)).map((s) =>
      h('span', { class: 'count', 'data-state': s, title: stateHint(s) }, h('span', { class: 'dot' }), t(`count.${s}`, { n: byState.get(s) ?? 0 }))));
  };

  const renderEmpty = (): void => {
    if (hosts.size > 0) {
      status.hidden = true;
      return;
    }
    status.hidden = false;
    replaceChildren(status, h('strong', null, t('overview.empty.title')), h('br'), t('overview.empty.body'));
  };

  const upsert = (host: HostSummary): void => {
    hosts.set(host.id, host);
    const card = cards.get(host.id);
    if (card) {
      card.update(host);
    } else {
      const created = createHostCard(host);
      created.setAlerts(worstOn(host.id), inMaintenance(host.id));
      cards.set(host.id, created);
      // Keep cards in id order so they do not jump around.
      const after = [...cards.keys()].sort().find((id) => id > host.id);
      const next = after ? cards.get(after)?.el : null;
      grid.insertBefore(created.el, next && next.parentNode === grid ? next : null);
    }
    renderCounts();
    renderEmpty();
  };

  const renderAll = (): void => {
    cards.clear();
    grid.replaceChildren();
    for (const host of [...hosts.values()].sort((a, b) => a.id.localeCompare(b.id))) upsert(host);
    renderCounts();
    renderEmpty();
  };

  const stop = watchOverview((list) => {
    hosts.clear();
    for (const host of list) hosts.set(host.id, host);
    renderAll();
  }, upsert);

  const stopAlerts = onAlertsChange((changed) => {
    const ids = changed ? [changed.host] : [...cards.keys()];
    for (const id of ids) cards.get(id)?.setAlerts(worstOn(id), inMaintenance(id));
  });

  const timer = window.setInterval(() => {
    const now = Date.now();
    for (const card of cards.values()) card.tick(now);
  }, 1000);

  return {
    el,
    destroy() {
      stop();
      stopAlerts();
      window.clearInterval(timer);
    },
  };
}
