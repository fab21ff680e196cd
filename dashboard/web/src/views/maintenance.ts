import type { HostSummary } from '../../../../ingest/types.js';
import { scheduleInWords, weekdayNames } from '../alert-format.js';
import { refreshMaintenance } from '../alerts-feed.js';
import { ApiError, apiPath, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import { hostChoice, type Group, type Labelled, type MaintenanceInput, type MaintenanceView } from '../model.js';
import { confirmButton, dataTable, field, input, messageLine, onSubmit, page, panel } from './ui.js';

/**
 * `#/maintenance` (seed 004): planned windows during which alerts are still
 * shown, marked "maintenance", but nobody is notified. One-off (start and
 * end) or weekly (days, a start time in an IANA time zone — the server's
 * when left empty — and a duration),
 * for one host, a group or every host. Operators plan windows for a host
 * they see; admins for any scope.
 */
export function createMaintenanceView(): View {
  const role = currentUser()?.role;
  const isAdmin = role === 'admin';
  const pageLine = messageLine();
  const table = dataTable([t('maint.name'), t('maint.scope'), t('maint.schedule'), t('maint.state'), ''], t('maint.empty'));
  const formSlot = h('div');
  const el = page(t('nav.maintenance'), h('p', { class: 'muted' }, t('maint.intro')), pageLine.el, panel(null, table.el), formSlot);
  let hosts: (HostSummary & Labelled)[] = [];
  let groups: Group[] = [];
  let destroyed = false;

  const scopeText = (w: MaintenanceView): string => {
    if (w.scope.kind === 'all') return t('maint.scopeAll');
    if (w.scope.kind === 'host') {
      const id = w.scope.host;
      const host = hosts.find((x) => x.id === id);
      return host ? hostChoice(host) : id;
    }
    const gid = w.scope.groupId;
    return t('maint.scopeGroupNamed', { name: groups.find((g) => g.id === gid)?.name ?? `#${gid}` });
  };

  const canDelete = (w: MaintenanceView): boolean => isAdmin || (role === 'operator' && w.scope.kind === 'host');

  const load = async (): Promise<void> => {
    try {
      const [windows, hostList, groupList] = await Promise.all([
        getJson<MaintenanceView[]>(apiPath('/maintenance')),
        getJson<(HostSummary & Labelled)[]>(apiPath('/hosts')),
        isAdmin ? getJson<Group[]>(apiPath('/groups')) : Promise.resolve([] as Group[]),
      ]);
      if (destroyed) return;
      hosts = [...hostList].sort((a, b) => a.id.localeCompare(b.id));
      groups = [...groupList].sort((a, b) => a.name.localeCompare(b.name));
      table.clear();
      for (const w of [...windows].sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name))) {
        const line = messageLine();
        table.row({ 'data-testid': 'maintenance-row', 'data-id': w.id, 'data-active': w.active ? 'yes' : 'no' }, [
          h('span', { class: 'strong' }, w.name),
          scopeText(w),
          scheduleInWords(w),
          w.active ? h('span', { class: 'tag maint', 'data-testid': 'maintenance-active' }, t('maint.active')) : h('span', { class: 'muted' }, t('maint.inactive')),
          canDelete(w)
            ? h('div', null, confirmButton(t('action.delete'), t('maint.deleteQ', { name: w.name }), line, async () => {
              await sendJson('DELETE', idPath('maintenance', w.id));
              await Promise.all([load(), refreshMaintenance()]);
            }, { 'data-testid': 'maintenance-delete' }), line.el)
            : null,
        ]);
      }
      if (role !== 'viewer' && !formSlot.firstChild) replaceChildren(formSlot, createForm());
    } catch (error) {
      if (destroyed) return;
      if (error instanceof ApiError && error.code === 'VIGIE_ERR_NOT_FOUND') pageLine.ok(t('rules.unavailable'));
      else pageLine.error(error);
    }
  };

  const createForm = (): HTMLElement => {
    const line = messageLine({ 'data-testid': 'maintenance-error' });
    const name = input({ required: true, maxlength: 64, autocomplete: 'off', 'data-testid': 'maintenance-name' });
    const scope = h('select', { class: 'input', 'data-testid': 'maintenance-scope' },
      h('option', { value: 'host' }, t('maint.scopeHost')),
      isAdmin ? h('option', { value: 'group' }, t('maint.scopeGroup')) : null,
      isAdmin ? h('option', { value: 'all' }, t('maint.scopeAll')) : null);
    const host = h('select', { class: 'input', 'data-testid': 'maintenance-host' }, ...hosts.map((x) => h('option', { value: x.id }, hostChoice(x))));
    const group = h('select', { class: 'input', 'data-testid': 'maintenance-group' }, ...groups.map((g) => h('option', { value: g.id }, g.name)));
    const kind = h('select', { class: 'input', 'data-testid': 'maintenance-kind' },
      h('option', { value: 'once' }, t('maint.once')),
      h('option', { value: 'weekly' }, t('maint.weekly')));
    const start = input({ type: 'datetime-local', 'data-testid': 'maintenance-start' });
    const end = input({ type: 'datetime-local', 'data-testid': 'maintenance-end' });
    const names = weekdayNames();
    // Monday first, Sunday last; the values are the API's (0 = Sunday).
    const dayBoxes = [1, 2, 3, 4, 5, 6, 0].map((d) => h('input', { type: 'checkbox', value: d, 'data-testid': 'maintenance-day', 'data-day': d }));
    const days = h('fieldset', { class: 'checks' }, h('legend', null, t('maint.days')), ...dayBoxes.map((b, i) => h('label', { class: 'check' }, b, names[[1, 2, 3, 4, 5, 6, 0][i]!] ?? '')));
    const time = input({ type: 'time', value: '22:00', 'data-testid': 'maintenance-time' });
    const duration = input({ type: 'number', min: 1, max: 10_080, step: 1, value: 120, 'data-testid': 'maintenance-duration' });
    // Empty: the server fills in its own zone. The list only helps typing; the server validates.
    const zones = h('datalist', { id: 'maintenance-zones' }, ...Intl.supportedValuesOf('timeZone').map((z) => h('option', { value: z })));
    const zone = input({ maxlength: 64, autocomplete: 'off', list: 'maintenance-zones', placeholder: t('maint.zoneServer'), 'data-testid': 'maintenance-zone' });
    const hostField = field(t('maint.host'), host);
    const groupField = field(t('maint.group'), group);
    const onceFields = h('div', { class: 'inline-form form' }, field(t('maint.start'), start), field(t('maint.end'), end));
    // The zone has a hint below it: on its own row, so the time and duration fields stay level.
    const weeklyFields = h('div', { class: 'form' }, days, h('div', { class: 'inline-form form' }, field(t('maint.time'), time), field(t('maint.duration'), duration)), field(t('maint.zone'), zone, t('maint.zoneHint')), zones);
    const sync = (): void => {
      hostField.hidden = scope.value !== 'host';
      groupField.hidden = scope.value !== 'group';
      onceFields.hidden = kind.value !== 'once';
      weeklyFields.hidden = kind.value !== 'weekly';
    };
    scope.addEventListener('change', sync);
    kind.addEventListener('change', sync);
    sync();
    const form = h('form', { class: 'form wide', 'data-testid': 'maintenance-form' },
      field(t('maint.name'), name),
      field(t('maint.scope'), scope), hostField, groupField,
      field(t('maint.kind'), kind), onceFields, weeklyFields,
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'maintenance-save' }, t('maint.create')),
      line.el);
    onSubmit(form, line, async () => {
      const body: MaintenanceInput = {
        name: name.value.trim(),
        scope: scope.value === 'all' ? { kind: 'all' } : scope.value === 'group' ? { kind: 'group', groupId: Number(group.value) } : { kind: 'host', host: host.value },
        schedule: kind.value === 'weekly'
          ? {
            kind: 'weekly', days: dayBoxes.filter((b) => b.checked).map((b) => Number(b.value)), start: time.value, durationMinutes: Number(duration.value),
            ...(zone.value.trim() ? { timeZone: zone.value.trim() } : {}),
          }
          : { kind: 'once', start: localTime(start.value, 'schedule.start'), end: localTime(end.value, 'schedule.end') },
      };
      await sendJson<MaintenanceView>('POST', apiPath('/maintenance'), body);
      name.value = '';
      line.ok(t('maint.created'));
      await Promise.all([load(), refreshMaintenance()]);
    });
    return panel(t('maint.create'), form);
  };

  void load();
  return { el, destroy() { destroyed = true; } };
}

/** A `datetime-local` value in the browser's time zone, as ms; a clear message naming the field when empty. */
function localTime(value: string, name: string): number {
  const ts = value ? new Date(value).getTime() : Number.NaN;
  if (!Number.isFinite(ts)) throw new Error(t('maint.needTime', { field: name }));
  return ts;
}
