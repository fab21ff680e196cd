import { apiPath, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { Group, User } from '../model.js';
import { NAME_MAX } from './sign-in.js';
import { button, checkboxList, confirmButton, dataTable, field, input, messageLine, namesOf, onSubmit, page, panel, type MessageLine } from './ui.js';

/** `#/admin/groups`: groups with their members and hosts; create, rename, edit members, delete. */
export function createGroupsView(): View {
  const pageLine = messageLine();
  const table = dataTable([t('groups.name'), t('groups.members'), t('groups.hosts'), ''], t('groups.empty'));
  const name = input({ required: true, maxlength: NAME_MAX, autocomplete: 'off', 'data-testid': 'group-name' });
  const formLine = messageLine({ 'data-testid': 'group-error' });
  const form = h('form', { class: 'form inline-form', 'data-testid': 'group-form' },
    field(t('groups.name'), name),
    h('button', { type: 'submit', class: 'btn primary' }, t('groups.create')),
    formLine.el);
  const el = page(t('nav.groups'), h('p', { class: 'muted' }, t('groups.intro')), pageLine.el, panel(null, table.el), panel(t('groups.create'), form));
  let destroyed = false;

  const load = async (): Promise<void> => {
    try {
      const [groups, users] = await Promise.all([getJson<Group[]>(apiPath('/groups')), getJson<User[]>(apiPath('/users'))]);
      if (!destroyed) renderRows(groups, users);
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  const patch = async (group: Group, body: Record<string, unknown>): Promise<void> => {
    await sendJson('PATCH', idPath('groups', group.id), body);
    await load();
  };

  const renderRows = (groups: Group[], users: User[]): void => {
    table.clear();
    const sortedUsers = [...users].sort((a, b) => a.name.localeCompare(b.name));
    for (const group of [...groups].sort((a, b) => a.name.localeCompare(b.name))) {
      const line = messageLine({ 'data-testid': 'row-error' });
      const actions = h('div', { class: 'actions' });
      const editor = h('div');
      const rename = (): void => {
        const value = input({ required: true, maxlength: NAME_MAX, value: group.name, 'aria-label': t('groups.newName'), 'data-testid': 'group-rename-input' });
        const f = h('form', { class: 'row-form' }, value,
          h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'group-rename-save' }, t('action.save')),
          button(t('action.cancel'), null, () => replaceChildren(editor)));
        onSubmit(f, line, () => patch(group, { name: value.value.trim() }));
        replaceChildren(editor, f);
        value.focus();
      };
      const members = (): void => {
        const boxes = checkboxList(t('groups.members'), sortedUsers, group.members, { 'data-testid': 'group-members' });
        const f = h('form', { class: 'row-form column' }, boxes.el,
          h('div', { class: 'actions' },
            h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'group-members-save' }, t('action.save')),
            button(t('action.cancel'), null, () => replaceChildren(editor))));
        onSubmit(f, line, () => patch(group, { members: boxes.values() }));
        replaceChildren(editor, f);
      };
      replaceChildren(actions,
        button(t('groups.rename'), { 'data-testid': 'group-rename' }, rename),
        button(t('groups.editMembers'), { 'data-testid': 'group-edit-members' }, members),
        deleteButton(group, line));
      table.row({ 'data-testid': 'group-row', 'data-group': group.name }, [
        h('span', { class: 'strong' }, group.name),
        namesOf(group.members, users) || '–',
        group.hosts.length ? h('span', { class: 'mono' }, group.hosts.join(', ')) : '–',
        h('div', null, actions, editor, line.el),
      ]);
    }
  };

  const deleteButton = (group: Group, line: MessageLine): HTMLElement =>
    confirmButton(t('action.delete'), t('groups.deleteQ', { name: group.name }), line, async () => {
      await sendJson('DELETE', idPath('groups', group.id));
      await load();
    }, { 'data-testid': 'group-delete' });

  onSubmit(form, formLine, async () => {
    await sendJson<Group>('POST', apiPath('/groups'), { name: name.value.trim() });
    name.value = '';
    await load();
  });

  void load();
  return { el, destroy() { destroyed = true; } };
}
