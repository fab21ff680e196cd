import { apiPath, getJson, sendJson } from '../api.js';
import { h, type View } from '../dom.js';
import { locale, t, type MessageKey } from '../i18n/index.js';
import type { VigieEvent } from '../model.js';
import { button, confirmButton, dataTable, field, input, messageLine, onSubmit, page, panel, run } from './ui.js';

/**
 * `#/admin/events`: the event log, newest first, filtered by type, category,
 * host, user and dates; "more" pages back in time. Admins may purge the
 * events older than a day (the server also cleans up after its retention).
 */

const PAGE = 100;
// The server filters on an exact type; a category (its prefix) is applied
// here, reading a few pages further when a page has no match.
const CATEGORY_PAGES = 10;
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
  const more = button(t('events.more'), { 'data-testid': 'events-more', hidden: true });
  const purgeDate = input({ type: 'date', 'data-testid': 'events-purge-date' });
  const purgeLine = messageLine({ 'data-testid': 'events-purge-result' });
  const purge = confirmButton(t('events.purge'), t('events.purgeQ'), purgeLine, async () => {
    const before = dayStart(purgeDate.value);
    if (before === undefined) throw new Error(t('events.purgeNeedDate'));
    const { deleted } = await sendJson<{ deleted: number }>('DELETE', apiPath('/events', { before }));
    await load(false);
    purgeLine.ok(t('events.purged', { n: deleted }));
  }, { 'data-testid': 'events-purge' });
  const purgePanel = panel(t('events.purgeTitle'), h('p', { class: 'muted' }, t('events.purgeIntro')),
    h('div', { class: 'row-form' }, field(t('events.purgeBefore'), purgeDate), purge), purgeLine.el);
  const el = page(t('nav.events'), panel(null, filters), line.el, panel(null, table.el, h('div', { class: 'actions' }, more)), purgePanel);
  const time = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' });
  const seen = new Set<number>();
  const seenTypes = new Set<string>();
  let oldest: number | null = null;
  let destroyed = false;
  for (const known of KNOWN_TYPES) {
    seenTypes.add(known);
    types.appendChild(h('option', { value: known }));
  }
  const inCategory = (e: VigieEvent): boolean => !category.value || e.type.startsWith(`${category.value}.`);

  const query = (before?: number): string => {
    const fromTs = dayStart(from.value);
    const toTs = dayStart(to.value, 1);
    return apiPath('/events', {
      type: type.value.trim() || undefined,
      host: host.value.trim() || undefined,
      user: user.value.trim() || undefined,
      from: fromTs,
      // `to` of the next page is the last row's time + 1: rows at that same
      // millisecond come again and are skipped by id, so none is lost whether
      // the server reads `to` as inclusive or exclusive.
      to: before ?? (toTs === undefined ? undefined : toTs - 1),
      limit: PAGE,
    });
  };

  const add = (events: VigieEvent[]): number => {
    let added = 0;
    for (const e of events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      oldest = oldest === null ? e.ts : Math.min(oldest, e.ts);
      if (!seenTypes.has(e.type)) {
        seenTypes.add(e.type);
        types.appendChild(h('option', { value: e.type }));
      }
      if (!inCategory(e)) continue;
      added += 1;
      table.row({ 'data-testid': 'event-row', 'data-type': e.type, 'data-id': e.id }, [
        h('time', { datetime: new Date(e.ts).toISOString() }, time.format(e.ts)),
        h('span', { class: 'mono' }, e.type),
        e.user ?? '–',
        e.host ? h('span', { class: 'mono' }, e.host) : '–',
        e.address ? h('span', { class: 'mono' }, e.address) : '–',
        h('span', { class: 'event-msg' }, e.message),
      ]);
    }
    return added;
  };

  const load = async (next: boolean): Promise<void> => {
    if (!next) {
      table.clear();
      seen.clear();
      oldest = null;
    }
    for (let pages = 0; pages < CATEGORY_PAGES; pages++) {
      const before = next || pages > 0 ? oldest : null;
      const events = await getJson<VigieEvent[]>(query(before !== null ? before + 1 : undefined));
      if (destroyed) return;
      const known = seen.size;
      const added = add(events);
      const exhausted = events.length < PAGE || seen.size === known;
      more.hidden = exhausted;
      // Without a category every page shows; with one, read on until something matched.
      if (exhausted || !category.value || added > 0) return;
    }
  };

  onSubmit(filters, line, () => load(false));
  category.addEventListener('change', () => void run(el, line, () => load(false)));
  more.addEventListener('click', () => void run(el, line, () => load(true)));
  void run(el, line, () => load(false));
  return { el, destroy() { destroyed = true; } };
}
