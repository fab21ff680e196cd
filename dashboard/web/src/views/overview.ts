import type { HostState, HostSummary } from '../../../../ingest/types.js';
import { inMaintenance, onAlertsChange, worstOn } from '../alerts-feed.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import { watchOverview } from '../live.js';
import { byId, sortedIndex } from '../order.js';
import { createHostCard, STATES, stateHint, type HostCard } from './host-card.js';

/**
 * The overview: one live card per host, and counts per state.
 *
 * Built for thousands of hosts (issue 16): the list is rendered in one pass
 * into a fragment, a new host is placed by binary search, counts move with
 * state changes instead of being recounted, and a live update touches only
 * its card. Cards off screen skip layout and paint (content-visibility in
 * app.css). Live updates are applied in batches, LIVE_BATCH_MS apart: every
 * frame with a DOM change lays out the grid of all cards again (~20 ms at
 * 5,000), so a steady stream applied at once left no idle frame
 * (bench/dashboard/overview.ts).
 */
const LIVE_BATCH_MS = 250;

export function createOverview(): View {
  const counts = h('div', { class: 'counts', role: 'group', 'aria-label': t('overview.counts'), 'data-testid': 'state-counts' });
  const title = h('h1', null, t('overview.title'));
  const grid = h('div', { class: 'grid cards' });
  const status = h('p', { class: 'empty-state muted' }, t('overview.loading'));
  const el = h('section', { class: 'overview' }, h('div', { class: 'page-head' }, title, counts), status, grid);
  const cards = new Map<string, HostCard>();
  const states = new Map<string, HostState>();
  /** Host ids in display order (byId): where a new host goes is a binary search. */
  let order: string[] = [];
  const byState = new Map<HostState, number>(STATES.map((s) => [s, 0]));
  let shownCounts = '';

  const count = (state: HostState, delta: number): void => {
    byState.set(state, (byState.get(state) ?? 0) + delta);
  };

  /** Redraws the counts only when one changed: most live updates change none. */
  const renderCounts = (): void => {
    const key = STATES.map((s) => byState.get(s) ?? 0).join(',');
    if (key === shownCounts) return;
    shownCounts = key;
    replaceChildren(counts, ...STATES.filter((s) => byState.get(s)).map((s) =>
      h('span', { class: 'count', 'data-state': s, title: stateHint(s) }, h('span', { class: 'dot' }), t(`count.${s}`, { n: byState.get(s) ?? 0 }))));
  };

  const renderEmpty = (): void => {
    if (cards.size > 0) {
      status.hidden = true;
      return;
    }
    status.hidden = false;
    replaceChildren(status, h('strong', null, t('overview.empty.title')), h('br'), t('overview.empty.body'));
  };

  const makeCard = (host: HostSummary): HostCard => {
    const card = createHostCard(host);
    card.setAlerts(worstOn(host.id), inMaintenance(host.id));
    cards.set(host.id, card);
    states.set(host.id, host.state);
    count(host.state, 1);
    return card;
  };

  const dropCard = (id: string): void => {
    const card = cards.get(id);
    if (!card) return;
    card.el.remove();
    cards.delete(id);
    count(states.get(id)!, -1);
    states.delete(id);
  };

  /** A live update: patches its card, or places a new one at its sorted place. */
  const upsert = (host: HostSummary): void => {
    const card = cards.get(host.id);
    if (card) {
      const was = states.get(host.id)!;
      if (was !== host.state) {
        count(was, -1);
        count(host.state, 1);
        states.set(host.id, host.state);
      }
      card.update(host);
    } else {
      const created = makeCard(host);
      const at = sortedIndex(order, host.id);
      const next = order[at];
      order.splice(at, 0, host.id);
      grid.insertBefore(created.el, next === undefined ? null : cards.get(next)!.el);
    }
  };

  // The newest update per host since the last batch (an older one is never worth drawing).
  const pending = new Map<string, HostSummary>();
  let batch = 0;
  const applyBatch = (): void => {
    batch = 0;
    for (const host of pending.values()) upsert(host);
    pending.clear();
    renderCounts();
    renderEmpty();
  };
  const queue = (host: HostSummary): void => {
    pending.set(host.id, host);
    if (!batch) batch = window.setTimeout(applyBatch, LIVE_BATCH_MS);
  };

  /** The whole list (first join, every reconnect): one pass, cards kept when their host is. */
  const renderAll = (list: HostSummary[]): void => {
    pending.clear(); // sent before the list: older than it
    const ids = new Set<string>();
    for (const host of list) ids.add(host.id);
    for (const id of [...cards.keys()]) if (!ids.has(id)) dropCard(id);
    const sorted = [...list].sort(byId);
    const fragment = document.createDocumentFragment();
    for (const host of sorted) {
      const card = cards.get(host.id);
      if (card) {
        upsert(host); // counts follow a state change made while disconnected
        fragment.append(card.el);
      } else {
        fragment.append(makeCard(host).el);
      }
    }
    order = sorted.map((host) => host.id);
    grid.replaceChildren(fragment);
    renderCounts();
    renderEmpty();
  };

  const stop = watchOverview(renderAll, queue);

  const stopAlerts = onAlertsChange((changed) => {
    if (changed) {
      cards.get(changed.host)?.setAlerts(worstOn(changed.host), inMaintenance(changed.host));
      return;
    }
    for (const [id, card] of cards) card.setAlerts(worstOn(id), inMaintenance(id));
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
      window.clearTimeout(batch);
    },
  };
}
