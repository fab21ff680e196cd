import type { HostSummary } from '../../../../ingest/types.js';
import { apiPath, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { formatAgo } from '../format.js';
import { t } from '../i18n/index.js';
import { deviceSource, hostChoice, type Group, type Labelled } from '../model.js';
import type { ScriptView } from '../script-types.js';
import { openRunDialog } from './run-dialog.js';
import { createScriptCheckForm } from './script-check-form.js';
import { createScriptForm, showPanel, type ScriptFormContext } from './script-form.js';
import { createVersionsPanel } from './script-versions.js';
import { button, confirmButton, dataTable, messageLine, page, panel } from './ui.js';

/**
 * `#/scripts` (issue 14): the script library. Admins write scripts here
 * (new, edit, enable or disable, delete, each version's body); a built-in
 * may be disabled, never edited or deleted. Operators read it and run an
 * action on a host they watch (choose the host, then the run dialog asks
 * for its arguments and a confirmation). Viewers have no such page: the
 * server answers them 403 and the header has no link.
 */

async function formContext(): Promise<ScriptFormContext> {
  const [hosts, groups] = await Promise.all([
    getJson<(HostSummary & Labelled)[]>(apiPath('/hosts')),
    getJson<Array<Pick<Group, 'id' | 'name'>>>(apiPath('/me/groups')),
  ]);
  return {
    // Scripts run on agents: an SNMP device runs nothing.
    hosts: hosts.filter((x) => deviceSource(x.info) === null).sort((a, b) => a.id.localeCompare(b.id)),
    groups: groups.map((g) => ({ id: g.id, name: g.name })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function createScriptsView(): View {
  const role = currentUser()?.role;
  const admin = role === 'admin';
  const pageLine = messageLine({ 'data-testid': 'scripts-msg' });
  const formSlot = h('div');
  const columns = [t('scripts.col.script'), t('scripts.col.kind'), t('scripts.col.interpreter'), t('scripts.col.version'), t('scripts.col.enabled'), t('scripts.col.where'), ''];
  const table = dataTable(columns, admin ? t('scripts.emptyAdmin') : t('scripts.empty'));
  table.el.dataset.testid = 'scripts-table';
  const addButton = admin ? button(t('scripts.add'), { class: 'btn primary', 'data-testid': 'scripts-add' }, () => void openForm(null)) : null;
  const el = page(t('nav.scripts'),
    h('p', { class: 'muted' }, admin ? t('scripts.intro') : t('scripts.introOperator')),
    pageLine.el,
    addButton ? h('div', { class: 'actions' }, addButton) : null,
    formSlot,
    panel(null, table.el));
  let destroyed = false;
  let ctx: ScriptFormContext | null = null;
  let hosts: (HostSummary & Labelled)[] = [];
  let groupNames = new Map<number, string>();

  const context = async (): Promise<ScriptFormContext> => (ctx ??= await formContext());

  const openForm = async (existing: ScriptView | null): Promise<void> => {
    pageLine.clear();
    try {
      const c = await context();
      if (destroyed) return;
      showPanel(formSlot, createScriptForm(existing, c, (saved) => {
        showPanel(formSlot, null);
        if (saved) void load().then(() => pageLine.ok(existing ? t('scripts.saved', { name: saved.name, version: saved.version }) : t('scripts.created', { name: saved.name })));
      }));
    } catch (error) {
      pageLine.error(error);
    }
  };

  const whereCell = (sc: ScriptView): HTMLElement => {
    if (sc.builtin) return h('span', { class: 'muted script-where' }, t('scripts.everywhere'));
    const parts = [
      ...sc.hosts.map((x) => h('span', { class: 'tag mono', 'data-testid': 'script-where-host' }, x)),
      ...sc.groups.map((g) => h('span', { class: 'tag', 'data-testid': 'script-where-group' }, groupNames.get(g) ?? t('checks.groupN', { id: g }))),
    ];
    return h('div', { class: 'script-where' }, ...(parts.length ? parts : [h('span', { class: 'muted' }, t('scripts.allHosts'))]));
  };

  /** An operator's (or admin's) way to run an action: a host to choose, then the dialog. */
  const runControl = (sc: ScriptView): HTMLElement | null => {
    if (sc.kind !== 'action' || !sc.enabled) return null;
    const agents = hosts.filter((x) => deviceSource(x.info) === null && (sc.builtin || sc.hosts.includes(x.id) || sc.groups.length > 0));
    if (!agents.length) return h('span', { class: 'muted small' }, t('scripts.noHost'));
    const selectId = `script-run-host-${sc.id}`;
    const select = h('select', { class: 'input', id: selectId, 'data-testid': 'script-run-host', 'aria-label': `${t('scripts.runOn')} (${sc.name})` },
      ...agents.map((x) => h('option', { value: x.id }, hostChoice(x))));
    const go = button(t('scripts.run'), { class: 'btn small primary', 'data-testid': 'script-run' }, () => openRunDialog({ host: select.value, script: sc.id }));
    return h('div', { class: 'script-run' }, select, go);
  };

  const row = (sc: ScriptView): void => {
    const line = messageLine({ 'data-testid': 'row-error' });
    const controls: (HTMLElement | null)[] = [];
    if (admin) {
      if (sc.canEdit && !sc.builtin) controls.push(button(t('scripts.edit'), { class: 'btn small', 'data-testid': 'script-edit' }, () => void openForm(sc)));
      const toggle = button(sc.enabled ? t('scripts.disable') : t('scripts.enable'), { class: 'btn small', 'data-testid': 'script-toggle' }, () => void (async () => {
        toggle.disabled = true;
        try {
          const saved = await sendJson<ScriptView>('PATCH', idPath('scripts', sc.id), { enabled: !sc.enabled });
          await load();
          pageLine.ok(saved.enabled ? t('scripts.enabledMsg', { name: sc.name }) : t('scripts.disabledMsg', { name: sc.name }));
        } catch (error) {
          line.error(error);
          toggle.disabled = false;
        }
      })());
      controls.push(toggle);
      if (!sc.builtin) {
        controls.push(confirmButton(t('action.delete'), t('scripts.deleteQ', { name: sc.name }), line, async () => {
          await sendJson('DELETE', idPath('scripts', sc.id));
          await load();
          pageLine.ok(t('scripts.deleted', { name: sc.name }));
        }, { 'data-testid': 'script-delete', class: 'btn small danger' }));
      }
    }
    if (admin && sc.kind === 'check' && sc.enabled) {
      controls.push(button(t('scripts.check.add'), { class: 'btn small', 'data-testid': 'script-add-check' }, () => {
        pageLine.clear();
        showPanel(formSlot, createScriptCheckForm(sc, hosts.filter((x) => deviceSource(x.info) === null), (checkId) => {
          showPanel(formSlot, null);
          if (checkId) {
            pageLine.ok(t('scripts.check.created', { id: checkId }));
            pageLine.el.append(' ', h('a', { class: 'link', href: `#/checks/${encodeURIComponent(checkId)}`, 'data-testid': 'script-check-link' }, t('scripts.check.open')));
          }
        }));
      }));
    }
    controls.push(button(t('scripts.versions'), { class: 'btn small', 'data-testid': 'script-versions' }, () => showPanel(formSlot, createVersionsPanel(sc, () => showPanel(formSlot, null)))));
    table.row({ 'data-testid': 'script-row', 'data-id': sc.id, 'data-enabled': String(sc.enabled) }, [
      h('div', null,
        h('span', { class: 'strong', 'data-testid': 'script-name' }, sc.name),
        sc.builtin ? h('span', { class: 'tag builtin', title: t('scripts.builtinHint'), 'data-testid': 'script-builtin' }, t('scripts.builtin')) : null,
        h('div', { class: 'mono muted small', 'data-testid': 'script-id' }, sc.id),
        sc.description ? h('div', { class: 'muted small' }, sc.description) : null,
        sc.params.length ? h('div', { class: 'muted small' }, t('scripts.paramsN', { n: sc.params.length }), ': ', h('span', { class: 'mono' }, sc.params.map((p) => p.name).join(', '))) : null),
      h('span', { class: `tag kind-${sc.kind}`, 'data-testid': 'script-kind' }, t(`scripts.kind.${sc.kind}`)),
      h('span', { class: 'mono', 'data-testid': 'script-interpreter' }, sc.interpreter),
      h('div', null,
        h('span', { class: 'strong', 'data-testid': 'script-version' }, t('scripts.versionN', { n: sc.version })),
        h('div', { class: 'muted small' }, t('scripts.updated', { when: formatAgo(sc.updatedAt, Date.now()), who: sc.updatedBy ?? 'vigie' }))),
      h('span', { class: sc.enabled ? 'pill pill-on' : 'pill', 'data-testid': 'script-enabled' }, sc.enabled ? t('scripts.on') : t('scripts.off')),
      whereCell(sc),
      h('div', { class: 'script-controls' }, runControl(sc), h('div', { class: 'actions' }, ...controls), line.el),
    ]);
  };

  const load = async (): Promise<void> => {
    try {
      const [answer, seen, groups] = await Promise.all([
        getJson<{ scripts: ScriptView[] }>(apiPath('/scripts')),
        getJson<(HostSummary & Labelled)[]>(apiPath('/hosts')).catch(() => [] as (HostSummary & Labelled)[]),
        getJson<Array<Pick<Group, 'id' | 'name'>>>(apiPath('/me/groups')).catch(() => []),
      ]);
      if (destroyed) return;
      hosts = seen.sort((a, b) => a.id.localeCompare(b.id));
      groupNames = new Map(groups.map((g) => [g.id, g.name]));
      table.clear();
      // Yours first, then the built-ins; each by name.
      const sorted = [...answer.scripts].sort((a, b) => Number(a.builtin) - Number(b.builtin) || a.name.localeCompare(b.name));
      for (const sc of sorted) row(sc);
      table.el.dataset.loaded = 'true';
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  void load();
  replaceChildren(formSlot);
  return {
    el,
    destroy() {
      destroyed = true;
    },
  };
}
