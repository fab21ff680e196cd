import { normaliseHostId } from '../../../../protocol/host-id.js';
import { apiPath, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { HostSummary } from '../../../../ingest/types.js';
import { credentialState, deviceSource, type Enrollment, type Group, type HostAccess, type User } from '../model.js';
import { addressWarning, agentVersionCell, enrollmentResult, makeToken, pendingPanel, type EnrollmentToken, type InstallInfo } from './admin-hosts-install.js';
import { button, checkboxList, confirmButton, dataTable, field, input, messageLine, onSubmit, page, panel, run, selectedId, userSelect, type MessageLine } from './ui.js';

/**
 * `#/admin/hosts`: who sees each host (owner, groups), its agent credentials
 * and version (revoke, new token), and adding a host, which answers with
 * install lines carrying a one-time enrollment token (issue 11). Pending
 * tokens are listed with Cancel.
 */
export function createHostsAdminView(): View {
  const pageLine = messageLine();
  const warningSlot = h('div');
  const result = h('div', { class: 'once', hidden: true, 'data-testid': 'enroll-result' });
  const formSlot = h('div');
  const pendingSlot = h('div', { 'data-testid': 'pending-tokens' });
  const table = dataTable([t('access.host'), t('access.state'), t('install.agent'), t('access.owner'), t('access.groups'), t('access.credentials'), ''], t('access.empty'));
  const el = page(t('nav.hosts'), h('p', { class: 'muted' }, t('access.intro')), pageLine.el, warningSlot, formSlot, result, pendingSlot, panel(null, table.el));
  let destroyed = false;
  let boxVersion: string | null = null;
  /** Hosts that are SNMP devices (issue 13): badged, since they have no agent or credentials of their own. */
  let devices = new Set<string>();

  const showEnrollment = (e: Enrollment, replaces: boolean): void => {
    replaceChildren(result, ...enrollmentResult(e, replaces, () => {
      result.hidden = true;
      result.replaceChildren(); // the token leaves the page
    }));
    result.hidden = false;
    result.scrollIntoView({ block: 'nearest' });
  };

  const load = async (): Promise<void> => {
    try {
      const [access, users, groups, pending, info, hosts] = await Promise.all([
        getJson<HostAccess[]>(apiPath('/access')),
        getJson<User[]>(apiPath('/users')),
        getJson<Group[]>(apiPath('/groups')),
        getJson<EnrollmentToken[]>(apiPath('/enrollment-tokens')),
        getJson<InstallInfo>(apiPath('/install-info')),
        getJson<HostSummary[]>(apiPath('/hosts')).catch(() => [] as HostSummary[]),
      ]);
      devices = new Set(hosts.filter((x) => deviceSource(x.info) !== null).map((x) => x.id));
      if (destroyed) return;
      boxVersion = info.version;
      replaceChildren(warningSlot, addressWarning(info));
      replaceChildren(pendingSlot, pendingPanel(pending, load));
      const sortedUsers = [...users].sort((a, b) => a.name.localeCompare(b.name));
      const sortedGroups = [...groups].sort((a, b) => a.name.localeCompare(b.name));
      table.clear();
      for (const a of [...access].sort((x, y) => x.host.localeCompare(y.host))) row(a, sortedUsers, sortedGroups);
      if (!formSlot.firstChild) replaceChildren(formSlot, addForm(sortedUsers, sortedGroups));
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  const enroll = async (host: string, rotate: boolean): Promise<void> => {
    showEnrollment(await makeToken(rotate ? { host, rotate: true } : { host }), rotate);
    await load();
  };

  const row = (a: HostAccess, users: User[], groups: Group[]): void => {
    const line = messageLine({ 'data-testid': 'row-error' });
    const owner = userSelect(users, a.owner, { 'aria-label': t('access.ownerOf', { host: a.host }), 'data-testid': 'access-owner' });
    const shared = checkboxList(t('access.groups'), groups, a.groups, { 'data-testid': 'access-groups' }, t('groups.empty'));
    const cred = credentialState(a);
    const actions = h('div', { class: 'actions' });
    replaceChildren(actions,
      button(t('action.save'), { class: 'btn primary', 'data-testid': 'access-save' }, () => void run(actions, line, async () => {
        await sendJson<HostAccess>('PUT', idPath('hosts', a.host, '/access'), { owner: selectedId(owner), groups: shared.values() });
        await load();
      })),
      cred === 'active' ? confirmButton(t('access.revoke'), t('access.revokeQ', { host: a.host }), line, async () => {
        await sendJson('DELETE', idPath('hosts', a.host, '/credentials'));
        await load();
      }, { 'data-testid': 'access-revoke' }) : null,
      cred === 'active'
        ? confirmButton(t('install.rotate'), t('install.rotateQ', { host: a.host }), line, () => enroll(a.host, true), { 'data-testid': 'access-rotate', class: 'btn' })
        : button(t('install.newToken'), { 'data-testid': 'access-enroll' }, () => void run(actions, line, () => enroll(a.host, false))),
      confirmButton(t('access.remove'), t('access.removeQ', { host: a.host }), line, async () => {
        await sendJson('DELETE', idPath('hosts', a.host, ''));
        await load();
      }, { 'data-testid': 'access-remove' }));
    const title = a.known ? h('a', { class: 'link mono', href: `#/host/${encodeURIComponent(a.host)}` }, a.host) : h('span', { class: 'mono' }, a.host);
    table.row({ 'data-testid': 'access-row', 'data-host': a.host, 'data-cred': cred }, [
      h('div', null, title, devices.has(a.host) ? h('span', { class: 'tag snmp', 'data-testid': 'access-snmp', title: t('device.kind') }, 'SNMP') : null, a.label ? h('div', { class: 'muted' }, a.label) : null),
      h('span', { class: 'tag', 'data-known': a.known ? 'yes' : 'no' }, t(a.known ? 'access.known' : 'access.unknown')),
      agentVersionCell(a.agentVersion, boxVersion),
      owner,
      shared.el,
      credentialsCell(a),
      h('div', null, actions, line.el),
    ]);
  };

  const credentialsCell = (a: HostAccess): HTMLElement => {
    const cred = credentialState(a);
    return h('div', null,
      h('span', { class: 'cred', 'data-cred': cred, 'data-testid': 'access-cred' }, t(`cred.${cred}`)),
      a.credentials ? h('div', { class: 'muted small' }, h('span', { class: 'mono' }, a.credentials.username), ' · ',
        a.credentials.revokedAt === null ? formatDateTime(a.credentials.createdAt) : t('cred.revokedAt', { when: formatDateTime(a.credentials.revokedAt) })) : null);
  };

  const addForm = (users: User[], groups: Group[]): HTMLElement => {
    const host = input({ required: true, maxlength: 255, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', 'data-testid': 'enroll-host' });
    const owner = userSelect(users, null, { 'data-testid': 'enroll-owner' });
    const shared = checkboxList(t('access.groups'), groups, [], { 'data-testid': 'enroll-groups' }, t('groups.empty'));
    const line: MessageLine = messageLine({ 'data-testid': 'enroll-error' });
    const form = h('form', { class: 'form', 'data-testid': 'enroll-form' },
      field(t('enroll.host'), host, t('install.hostHint')),
      field(t('access.owner'), owner),
      shared.el,
      line.el,
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'enroll-submit' }, t('enroll.submit')));
    onSubmit(form, line, async () => {
      const id = normaliseHostId(host.value.trim());
      if (!id.ok) throw new Error(id.error);
      const body: { host: string; owner?: number; groups?: number[] } = { host: id.value, groups: shared.values() };
      const who = selectedId(owner);
      if (who !== null) body.owner = who;
      showEnrollment(await makeToken(body), false);
      host.value = '';
      await load();
    });
    return panel(t('enroll.title'), h('p', { class: 'muted small' }, t('install.formIntro')), form);
  };

  void load();
  return { el, destroy() { destroyed = true; } };
}
