import { apiPath, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { ROLES, type Group, type Role, type User } from '../model.js';
import { NAME_MAX, newPasswordAttrs, PASSWORD_MIN } from './sign-in.js';
import { askInPlace, button, checkboxList, confirmButton, dataTable, field, input, messageLine, namesOf, onSubmit, page, panel, roleLabel, run, type MessageLine } from './ui.js';

/** `#/admin/users`: every user with role, groups, last login and lock; add, change role, reset password, unlock, delete. */

const roleSelect = (selected: Role, attrs: Record<string, string>): HTMLSelectElement => {
  const select = h('select', { class: 'input', ...attrs }, ...ROLES.map((r) => h('option', { value: r }, roleLabel(r))));
  select.value = selected;
  return select;
};

export function createUsersView(): View {
  const pageLine = messageLine();
  const table = dataTable([t('users.name'), t('users.role'), t('users.groups'), t('users.lastLogin'), t('users.lockedUntil'), ''], t('users.empty'));
  const formSlot = h('div');
  const el = page(t('nav.users'), pageLine.el, panel(null, table.el), formSlot);
  let destroyed = false;

  const load = async (): Promise<void> => {
    try {
      const [users, groups] = await Promise.all([getJson<User[]>(apiPath('/users')), getJson<Group[]>(apiPath('/groups'))]);
      if (destroyed) return;
      renderRows(users, groups);
      if (!formSlot.firstChild) replaceChildren(formSlot, addForm(groups));
    } catch (error) {
      if (!destroyed) pageLine.error(error);
    }
  };

  const patch = async (user: User, body: Record<string, unknown>): Promise<void> => {
    await sendJson('PATCH', idPath('users', user.id), body);
    await load();
  };

  const renderRows = (users: User[], groups: Group[]): void => {
    table.clear();
    const now = Date.now();
    const me = currentUser();
    for (const user of [...users].sort((a, b) => a.name.localeCompare(b.name))) {
      const line = messageLine({ 'data-testid': 'row-error' });
      const role = roleSelect(user.role, { 'aria-label': t('users.roleOf', { name: user.name }), 'data-testid': 'row-role' });
      const actions = h('div', { class: 'actions' });
      // A role change is asked first, naming the user and both roles (issue 11); cancel puts the select back.
      const roleConfirm = h('span', { class: 'confirm role-confirm', 'data-testid': 'role-confirm' });
      role.addEventListener('change', () => {
        const to = role.value as Role;
        if (to === user.role) return;
        role.disabled = true;
        line.clear();
        askInPlace(roleConfirm, t('users.roleChangeQ', { name: user.name, from: roleLabel(user.role), to: roleLabel(to) }), line, async () => {
          try {
            await patch(user, { role: to });
          } catch (error) {
            role.value = user.role; // e.g. 409: it would leave no admin
            throw error;
          }
        }, (confirmed) => {
          replaceChildren(roleConfirm);
          role.disabled = false;
          if (!confirmed) role.value = user.role;
          role.focus();
        });
      });
      const locked = user.lockedUntil !== null && user.lockedUntil > now;
      const isMe = me?.id === user.id;
      replaceChildren(actions,
        button(t('users.resetPassword'), { 'data-testid': 'user-reset' }, () => resetForm(user, actions, line)),
        locked ? button(t('users.unlock'), { 'data-testid': 'user-unlock' }, () => void run(actions, line, () => patch(user, { unlock: true }))) : null,
        isMe ? null : confirmButton(t('action.delete'), t('users.deleteQ', { name: user.name }), line, async () => {
          await sendJson('DELETE', idPath('users', user.id));
          await load();
        }, { 'data-testid': 'user-delete' }));
      table.row({ 'data-testid': 'user-row', 'data-user': user.name }, [
        h('span', null, h('span', { class: 'strong' }, user.name), isMe ? h('span', { class: 'tag' }, t('users.you')) : null),
        h('div', { class: 'role-cell' }, role, roleConfirm),
        namesOf(user.groups, groups) || '–',
        user.lastLoginAt === null ? t('time.never') : formatDateTime(user.lastLoginAt),
        locked ? h('span', { class: 'warn-text', 'data-testid': 'user-locked' }, formatDateTime(user.lockedUntil)) : '–',
        h('div', null, actions, line.el),
      ]);
    }
  };

  /** The new password for one user, in their row. */
  const resetForm = (user: User, actions: HTMLElement, line: MessageLine): void => {
    const password = input({ ...newPasswordAttrs('reset-password'), required: true, 'aria-label': t('users.newPasswordFor', { name: user.name }) });
    const form = h('form', { class: 'row-form' }, password,
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'reset-save' }, t('action.save')),
      button(t('action.cancel'), null, () => void load()));
    onSubmit(form, line, async () => {
      await patch(user, { password: password.value });
    });
    replaceChildren(actions, form);
    password.focus();
  };

  const addForm = (groups: Group[]): HTMLElement => {
    const name = input({ required: true, maxlength: NAME_MAX, autocomplete: 'off', 'data-testid': 'user-name' });
    const role = roleSelect('viewer', { 'data-testid': 'user-role' });
    const password = input({ ...newPasswordAttrs('user-password'), required: true });
    const memberOf = checkboxList(t('users.groups'), groups, [], { 'data-testid': 'user-groups' }, t('groups.empty'));
    const line = messageLine({ 'data-testid': 'user-error' });
    const form = h('form', { class: 'form', 'data-testid': 'user-form' },
      field(t('users.name'), name),
      field(t('users.role'), role, t('users.roleHint')),
      field(t('users.initialPassword'), password, t('field.passwordHint', { n: PASSWORD_MIN })),
      memberOf.el,
      line.el,
      h('button', { type: 'submit', class: 'btn primary' }, t('users.add')));
    onSubmit(form, line, async () => {
      const created = await sendJson<User>('POST', apiPath('/users'), { name: name.value.trim(), password: password.value, role: role.value, groups: memberOf.values() });
      replaceChildren(formSlot, addForm(groups)); // fresh, empty form
      await load();
      pageLine.ok(t('users.added', { name: created.name }));
    });
    return panel(t('users.add'), form);
  };

  void load();
  return { el, destroy() { destroyed = true; } };
}
