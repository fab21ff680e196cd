import { firingAlerts, noteAlert, onAlertsChange } from '../alerts-feed.js';
import { apiPath, currentUser, getJson } from '../api.js';
import { h, setText, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { AlertView } from '../model.js';
import { createAlertRow, type AckDraft, type AlertRow } from './alert-row.js';
import { button, messageLine, page, panel, run } from './ui.js';

/**
 * `#/alerts`: firing alerts nobody has acknowledged yet, acknowledged ones,
 * and past (resolved) ones with "older". The first two follow the live feed:
 * an alert appears, moves and disappears without a reload.
 */

const PAST_PAGE = 50;

interface Shown { alert: AlertView; row: AlertRow; key: string }

/** The alerts page; `focus` (from a notification's link, `#/alerts/<id>`) opens and scrolls to that alert. */
export function createAlertsView(focus?: number): View {
  const canAct = currentUser()?.role !== 'viewer';
  const pageLine = messageLine();
  const firingList = h('div', { class: 'alert-list', 'data-testid': 'alerts-firing' });
  const ackedList = h('div', { class: 'alert-list', 'data-testid': 'alerts-acked' });
  const pastList = h('div', { class: 'alert-list', 'data-testid': 'alerts-past' });
  const firingEmpty = h('p', { class: 'muted table-empty' }, t('alerts.noneFiring'));
  const ackedEmpty = h('p', { class: 'muted table-empty' }, t('alerts.noneAcked'));
  const pastEmpty = h('p', { class: 'muted table-empty' }, t('alerts.nonePast'));
  const firingTitle = h('h2', { class: 'panel-title' });
  const ackedTitle = h('h2', { class: 'panel-title' });
  const more = button(t('alerts.more'), { 'data-testid': 'alerts-more', hidden: true });
  const el = page(t('nav.alerts'),
    h('p', { class: 'muted' }, t('alerts.intro')),
    pageLine.el,
    panel(null, firingTitle, firingList, firingEmpty),
    panel(null, ackedTitle, ackedList, ackedEmpty),
    panel(t('alerts.past'), pastList, pastEmpty, h('div', { class: 'actions' }, more)));

  const shown = new Map<number, Shown>();
  const past = new Map<number, Shown>();
  const open = new Set<number>(focus === undefined ? [] : [focus]); // ids whose advice the user opened
  let oldestPast: number | null = null;
  let destroyed = false;

  const rowFor = (alert: AlertView, onChanged: (a: AlertView) => void, draft: AckDraft | null = null): AlertRow => {
    const row = createAlertRow(alert, { canAct, onChanged, open: open.has(alert.id), draft });
    // The alert a link pointed at stays marked through rebuilds (an escalation, a late diagnosis).
    if (alert.id === focus) row.el.classList.add('focused');
    row.el.querySelector('details')?.addEventListener('toggle', (ev) => {
      if ((ev.target as HTMLDetailsElement).open) open.add(alert.id);
      else open.delete(alert.id);
    });
    return row;
  };

  /** Firing and acknowledged lists from the feed; rows whose alert did not change stay as they are (an open form survives). */
  const renderFiring = (): void => {
    const list = firingAlerts();
    const keep = new Set(list.map((a) => a.id));
    for (const [id, s] of shown) {
      if (!keep.has(id)) {
        s.row.el.remove();
        shown.delete(id);
      }
    }
    const last = new Map<HTMLElement, Element | null>([[firingList, null], [ackedList, null]]);
    for (const alert of list) {
      const key = JSON.stringify(alert);
      let s = shown.get(alert.id);
      if (!s || s.key !== key) {
        // An acknowledgement being written survives the rebuild (the value changes at every sample).
        const row = rowFor(alert, noteAlert, s?.row.draft() ?? null);
        s?.row.el.replaceWith(row.el);
        s = { alert, row, key };
        shown.set(alert.id, s);
      }
      // Each row in order in the right list, moved only when it is not already there.
      const target = alert.ack ? ackedList : firingList;
      placeAfter(target, s.row.el, last.get(target)!);
      last.set(target, s.row.el);
    }
    const acked = list.filter((a) => a.ack).length;
    setText(firingTitle, t('alerts.firing', { n: list.length - acked }));
    setText(ackedTitle, t('alerts.acknowledged', { n: acked }));
    firingEmpty.hidden = list.length - acked > 0;
    ackedEmpty.hidden = acked > 0;
  };

  const addPast = (alerts: AlertView[], atTop: boolean): number => {
    let added = 0;
    for (const alert of alerts) {
      if (alert.state !== 'resolved' || past.has(alert.id)) continue;
      const row = rowFor(alert, () => undefined);
      past.set(alert.id, { alert, row, key: '' });
      if (atTop) pastList.prepend(row.el);
      else pastList.appendChild(row.el);
      const fired = alert.firedAt ?? alert.since;
      if (!atTop) oldestPast = oldestPast === null ? fired : Math.min(oldestPast, fired);
      added += 1;
    }
    pastEmpty.hidden = past.size > 0;
    return added;
  };

  const loadPast = async (older: boolean): Promise<void> => {
    const list = await getJson<AlertView[]>(apiPath('/alerts', {
      state: 'resolved',
      limit: PAST_PAGE,
      // `to` is exclusive: +1 brings back rows of the same millisecond, skipped by id.
      to: older && oldestPast !== null ? oldestPast + 1 : undefined,
    }));
    if (destroyed) return;
    const added = addPast(list, false);
    more.hidden = list.length < PAST_PAGE || added === 0;
  };

  const stop = onAlertsChange((changed) => {
    if (changed?.state === 'resolved') addPast([changed], true);
    renderFiring();
  });
  more.addEventListener('click', () => void run(el, pageLine, () => loadPast(true)));
  const timer = window.setInterval(() => {
    const now = Date.now();
    for (const s of shown.values()) s.row.tick(now);
  }, 5000);
  renderFiring();
  pastEmpty.hidden = true;
  const reveal = (): void => {
    const row = focus === undefined ? null : el.querySelector<HTMLElement>(`[data-alert-id="${focus}"]`);
    row?.scrollIntoView({ block: 'center' });
  };
  void run(el, pageLine, () => loadPast(false)).then(reveal);
  return {
    el,
    destroy() {
      destroyed = true;
      stop();
      window.clearInterval(timer);
    },
  };
}

/**
 * Puts `el` right after `prev` in `list` (first when `prev` is null), and
 * leaves it be when it is there already: moving a node blurs the field being
 * typed in it, and the next keys are lost. Every alert change re-placed
 * every row, so an acknowledgement comment lost its focus whenever any alert
 * changed; a row that does have to move gets the focus back.
 */
function placeAfter(list: HTMLElement, el: HTMLElement, prev: Element | null): void {
  const at = prev ? prev.nextSibling : list.firstChild;
  if (at === el) return;
  const active = document.activeElement;
  const typing = active instanceof HTMLElement && el.contains(active) ? active : null;
  list.insertBefore(el, at);
  typing?.focus();
}
