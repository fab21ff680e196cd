import { apiPath, getJson, sendJson } from '../api.js';
import { h, setText, type View } from '../dom.js';
import { locale, t, type MessageKey } from '../i18n/index.js';
import type { VigieEvent } from '../model.js';
import { button, confirmButton, dataTable, field, input, messageLine, onSubmit, page, panel, run } from './ui.js';

/**
 * `#/admin/events`: the event log, newest first, filtered by category, type,
 * host, user and dates, one page at a time: "Older" and "Newer" page through
 * the whole log with the server's cursors (beforeId / afterId), keeping the
 * filters; the page size is chosen here. Each line comes in the viewer's
 * language (the server renders it from the event's type and data). Admins
 * may purge the events older than a day (the server also cleans up after
 * its retention).
 */

const PAGE_SIZES = [25, 50, 100, 200] as const;
const DEFAULT_PAGE = 50;
const CATEGORIES = ['alert', 'maintenance', 'settings', 'notify', 'host', 'auth', 'user', 'group', 'token', 'events'] as const;
/** Types offered in the type field before any was seen. */
const KNOWN_TYPES = [
  'alert.firing', 'alert.escalated', 'alert.deescalated', 'alert.resolved', 'alert.acknowledged', 'alert.silenced',
  'maintenance.created', 'maintenance.deleted', 'settings.alerts', 'settings.host_alerts',
  'host.first_seen', 'host.offline', 'host.over_limit', 'host.alert_flood', 'auth.login', 'auth.login_failed', 'auth.locked', 'events.purged',
];

/** Local midnight of a `<input type=date>` value, plus `days`; undefined when empty. */
function dayStart(value: string, days = 0): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days).getTime();
}

export function createEventsView(): View {
  const type = input({ list: 'event-types', autocomplete: 'off', 'data-testid': 'events-type' });
  const types = h('datalist', { id: 'event-types' });
  const host = input({ autocomplete: 'off', spellcheck: 'false', 'data-testid': 'events-host' });
  const user = input({ autocomplete: 'off', 'data-testid': 'events-user' });
  const from = input({ type: 'date', 'data-testid': 'events-from' });
  const to = input({ type: 'date', 'data-testid': 'events-to' });
  const category = h('select', { class: 'input', 'data-testid': 'events-category' },
    h('option', { value: '' }, t('events.allCategories')),
    ...CATEGORIES.map((c) => h('option', { value: c }, t(`events.cat.${c}` as MessageKey))));
  const line = messageLine({ 'data-testid': 'events-error' });
  const filters = h('form', { class: 'form filters', 'data-testid': 'events-filter' },
    field(t('events.category'), category),
    field(t('events.type'), type), types,
    field(t('events.host'), host),
    field(t('events.user'), user),
    field(t('events.from'), from),
    field(t('events.to'), to),
    h('button', { type: 'submit', class: 'btn primary' }, t('events.apply')));
  const table = dataTable([t('events.time'), t('events.type'), t('events.user'), t('events.host'), t('events.address'), t('events.message')], t('events.empty'));
  const pageSize = h('select', { class: 'input', 'data-testid': 'events-page-size', 'aria-label': t('events.pageSize') },
    ...PAGE_SIZES.map((n) => h('option', { value: String(n) }, String(n))));
  pageSize.value = String(DEFAULT_PAGE);
  const newer = button(`← ${t('events.newer')}`, { class: 'btn', 'data-testid': 'events-newer', disabled: true });
  const older = button(`${t('events.older')} →`, { class: 'btn', 'data-testid': 'events-older', disabled: true });
  const position = h('span', { class: 'muted events-position', 'data-testid': 'events-position', 'aria-live': 'polite' });
  const pager = h('div', { class: 'actions events-pager' }, newer, position, older,
    h('label', { class: 'events-size' }, h('span', { class: 'muted small' }, t('events.pageSize')), pageSize));
  const purgeDate = input({ type: 'date', 'data-testid': 'events-purge-date' });
  const purgeLine = messageLine({ 'data-testid': 'events-purge-result' });
  const purge = confirmButton(t('events.purge'), t('events.purgeQ'), purgeLine, async () => {
    const before = dayStart(purgeDate.value);
    if (before === undefined) throw new Error(t('events.purgeNeedDate'));
    const { deleted } = await sendJson<{ deleted: number }>('DELETE', apiPath('/events', { before }));
    await load('newest');
    purgeLine.ok(t('events.purged', { n: deleted }));
  }, { 'data-testid': 'events-purge' });
  const purgePanel = panel(t('events.purgeTitle'), h('p', { class: 'muted' }, t('events.purgeIntro')),
    h('div', { class: 'row-form' }, field(t('events.purgeBefore'), purgeDate), purge), purgeLine.el);
  const el = page(t('nav.events'), panel(null, filters), line.el, panel(null, table.el, pager), purgePanel);
  const time = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' });
  const seenTypes = new Set<string>();
  // The page shown: its index from the newest (0) and its first and last ids, the cursors of its neighbours.
  let index = 0;
  let first: number | null = null;
  let last: number | null = null;
  let canOlder = false;
  let canNewer = false;
  let destroyed = false;
  // Set after each load and after `run`, which re-enables the buttons it disabled while busy.
  const syncPager = (): void => {
    older.disabled = !canOlder;
    newer.disabled = !canNewer;
  };
  for (const known of KNOWN_TYPES) {
    seenTypes.add(known);
    types.appendChild(h('option', { value: known }));
  }

  const size = (): number => Number(pageSize.value) || DEFAULT_PAGE;

  /** One more than a page: whether there is more that way. */
  const query = (cursor: { beforeId?: number; afterId?: number }): string => {
    const fromTs = dayStart(from.value);
    const toTs = dayStart(to.value, 1);
    const exact = type.value.trim();
    return apiPath('/events', {
      // A category is a family of types, which the server filters as `alert.*`.
      type: exact || (category.value ? `${category.value}.*` : undefined),
      host: host.value.trim() || undefined,
      user: user.value.trim() || undefined,
      from: fromTs,
      to: toTs,
      limit: size() + 1,
      ...cursor,
    });
  };

  const show = (events: VigieEvent[]): void => {
    table.clear();
    for (const e of events) {
      if (!seenTypes.has(e.type)) {
        seenTypes.add(e.type);
        types.appendChild(h('option', { value: e.type }));
      }
      table.row({ 'data-testid': 'event-row', 'data-type': e.type, 'data-id': e.id }, [
        h('time', { datetime: new Date(e.ts).toISOString() }, time.format(e.ts)),
        h('span', { class: 'mono' }, e.type),
        e.user ?? '–',
        e.host ? h('span', { class: 'mono' }, e.host) : '–',
        e.address ? h('span', { class: 'mono' }, e.address) : '–',
        h('span', { class: 'event-msg' }, e.message),
      ]);
    }
    first = events[0]?.id ?? null;
    last = events.at(-1)?.id ?? null;
    setText(position, events.length
      ? t('events.position', { page: index + 1, from: index * size() + 1, to: index * size() + events.length })
      : '');
  };

  /** `newest`: the first page; `older` / `newer`: the page after or before the one shown. */
  const load = async (where: 'newest' | 'older' | 'newer'): Promise<void> => {
    const n = size();
    const cursor = where === 'older' && last !== null ? { beforeId: last } : where === 'newer' && first !== null ? { afterId: first } : {};
    const events = await getJson<VigieEvent[]>(query(cursor));
    if (destroyed) return;
    if (where === 'newer') {
      // Answered newest first: the extra row, if any, is the newest one, beyond this page.
      const more = events.length > n;
      index = more ? Math.max(1, index - 1) : 0;
      show(more ? events.slice(1) : events);
      canNewer = more;
      canOlder = true;
    } else {
      index = where === 'older' ? index + 1 : 0;
      show(events.slice(0, n));
      canOlder = events.length > n;
      canNewer = index > 0;
    }
    syncPager();
  };
  const go = (where: 'newest' | 'older' | 'newer'): void => void run(el, line, () => load(where)).then(syncPager);

  onSubmit(filters, line, () => load('newest'));
  category.addEventListener('change', () => go('newest'));
  pageSize.addEventListener('change', () => go('newest'));
  older.addEventListener('click', () => go('older'));
  newer.addEventListener('click', () => go('newer'));
  go('newest');
  return { el, destroy() { destroyed = true; } };
}
