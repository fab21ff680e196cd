import type { HostSummary } from '../../../../ingest/types.js';
import { apiPath, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import { deviceSource, hostTitle, type DeviceView, type Group, type Labelled } from '../model.js';
import { offlineReasonText } from './device-head.js';
import { createDeviceForm, showForm, type DeviceFormContext } from './device-form.js';
import { stateLabel } from './host-card.js';
import { button, confirmButton, dataTable, messageLine, page, panel } from './ui.js';

/**
 * `#/devices` (issue 13): the SNMP devices the user sees, with where they
 * are, who polls them, their SNMP version, state and interval. Admins and
 * operators add devices here; edit and delete show where the server says
 * the user may (`canEdit`). A device's page is its host page.
 */

/** What the form needs: the agents the user sees (pollers) and their groups. */
async function formContext(devices: readonly DeviceView[]): Promise<DeviceFormContext> {
  const [hosts, groups] = await Promise.all([
    getJson<(HostSummary & Labelled)[]>(apiPath('/hosts')),
    getJson<Array<Pick<Group, 'id' | 'name'>>>(apiPath('/me/groups')),
  ]);
  const deviceIds = new Set(devices.map((d) => d.id));
  return {
    // A poller is an agent: not a device (by its info, or by the list when it was never polled yet).
    pollers: hosts.filter((x) => deviceSource(x.info) === null && !deviceIds.has(x.id)).sort((a, b) => a.id.localeCompare(b.id)),
    groups: groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name)),
    admin: currentUser()?.role === 'admin',
  };
}

export function createDevicesView(): View {
  const role = currentUser()?.role;
  const canWrite = role === 'admin' || role === 'operator';
  const pageLine = messageLine({ 'data-testid': 'devices-msg' });
  const formSlot = h('div');
  const table = dataTable([t('devices.col.device'), t('devices.col.address'), t('devices.col.poller'), t('devices.col.snmp'), t('devices.col.state'), t('devices.col.interval'), ''], t('devices.empty'));
  table.el.dataset.testid = 'devices-table';
  const addButton = canWrite ? button(t('devices.add'), { class: 'btn primary', 'data-testid': 'devices-add' }, () => void openForm(null)) : null;
  const el = page(t('nav.devices'),
    h('p', { class: 'muted' }, t('devices.intro')),
    pageLine.el,
    addButton ? h('div', { class: 'actions' }, addButton) : null,
    formSlot,
    panel(null, table.el));
  let destroyed = false;
  let known: DeviceView[] = [];

  const openForm = async (existing: DeviceView | null): Promise<void> => {
    pageLine.clear();
    try {
      const ctx = await formContext(known);
      if (destroyed) return;
      showForm(formSlot, createDeviceForm(existing, ctx, (saved) => {
        showForm(formSlot, null);
        // The message once the list shows the change, so the two never disagree.
        if (saved) void load().then(() => pageLine.ok(t(existing ? 'devices.saved' : 'devices.created', { name: saved.label || saved.id })));
      }));
    } catch (error) {
      pageLine.error(error);
    }
  };

  const stateCell = (d: DeviceView, host: HostSummary | undefined): HTMLElement => {
    if (d.error) return h('div', { class: 'form-msg', 'data-kind': 'error', 'data-testid': 'device-error' }, d.error);
    if (!host || !host.info) return h('span', { class: 'muted', 'data-testid': 'device-state', 'data-state': 'pending' }, t('devices.pending'));
    const why = host.presence === 'offline' ? (host.status?.state === 'offline' ? host.status.reason : host.reason) : '';
    return h('div', { 'data-state': host.state },
      h('span', { class: 'pill', 'data-testid': 'device-state', 'data-state': host.state }, stateLabel(host.state)),
      why ? h('div', { class: 'muted small', 'data-testid': 'device-state-reason' }, offlineReasonText(why, d.poller)) : null);
  };

  const row = (d: DeviceView, host: HostSummary | undefined): void => {
    const line = messageLine({ 'data-testid': 'row-error' });
    const title = h('a', { class: 'link strong', href: `#/host/${encodeURIComponent(d.id)}`, 'data-testid': 'device-link' }, hostTitle(d));
    const snmp = d.snmp.version === '3' ? t('devices.v3', { level: t(`devices.f.level.${d.snmp.level}`) }) : t('devices.v2c');
    const actions = d.canEdit && canWrite
      ? h('div', { class: 'actions' },
        button(t('devices.edit'), { class: 'btn small', 'data-testid': 'device-edit' }, () => void openForm(d)),
        confirmButton(t('action.delete'), t('devices.deleteQ', { name: hostTitle(d) }), line, async () => {
          await sendJson('DELETE', idPath('devices', d.id));
          await load();
          pageLine.ok(t('devices.deleted', { name: hostTitle(d) }));
        }, { 'data-testid': 'device-delete', class: 'btn small danger' }),
        line.el)
      : null;
    table.row({ 'data-testid': 'device-row', 'data-id': d.id }, [
      h('div', null, title, d.label ? h('div', { class: 'mono muted small' }, d.id) : null),
      h('span', { class: 'mono nowrap', 'data-testid': 'device-address' }, d.port === 161 ? d.address : `${d.address}:${d.port}`),
      h('a', { class: 'link mono', href: `#/host/${encodeURIComponent(d.poller)}`, 'data-testid': 'device-poller' }, d.poller),
      h('span', { 'data-testid': 'device-snmp' }, snmp),
      stateCell(d, host),
      h('span', { class: 'nowrap', 'data-testid': 'device-interval' }, t('devices.every', { n: d.interval })),
      actions,
    ]);
  };

  const load = async (): Promise<void> => {
    try {
      const [answer, hosts] = await Promise.all([
        getJson<{ devices: DeviceView[] }>(apiPath('/devices')),
        getJson<HostSummary[]>(apiPath('/hosts')).catch(() => [] as HostSummary[]),
      ]);
      if (destroyed) return;
      known = answer.devices;
      const byId = new Map(hosts.map((x) => [x.id, x]));
      table.clear();
      for (const d of [...answer.devices].sort((a, b) => a.id.localeCompare(b.id))) row(d, byId.get(d.id));
      table.el.dataset.loaded = 'true';
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  // States change with polls: read them again every half minute (the list is small).
  const timer = window.setInterval(() => {
    if (!formSlot.firstChild) void load();
  }, 30_000);
  void load();
  replaceChildren(formSlot);
  return {
    el,
    destroy() {
      destroyed = true;
      window.clearInterval(timer);
    },
  };
}
