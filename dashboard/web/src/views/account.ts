import { apiPath, currentUser, getJson, loadSession, sendJson, sessionLost, setSession } from '../api.js';
import { h, setText, type View } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { User } from '../model.js';
import { NAME_MAX, newPasswordAttrs, PASSWORD_MIN } from './sign-in.js';
import { createTokensPanel } from './tokens.js';
import { field, input, messageLine, onSubmit, page, panel, roleLabel } from './ui.js';

/** `#/account`: my name and password (the current password is asked), my API tokens. */
export function createAccountView(): View {
  const me = currentUser();
  if (!me) return { el: h('section'), destroy() {} };
  const who = h('p', { class: 'muted', 'data-testid': 'me-who' });
  const showWho = (u: User): void => setText(who, t('me.who', { name: u.name, role: roleLabel(u.role) }));
  showWho(me);
  // This browser's sign-in and the one before it: the user's own last login is this one (issue 11).
  const signIn = h('p', { class: 'muted', 'data-testid': 'me-signin', hidden: true });
  void getJson<{ signIn: { at: number; previousAt: number | null } | null }>(apiPath('/session')).then((s) => {
    if (!s.signIn) return;
    setText(signIn, t('me.signIn', { at: formatDateTime(s.signIn.at), previous: s.signIn.previousAt === null ? t('time.never') : formatDateTime(s.signIn.previousAt) }));
    signIn.hidden = false;
  }, () => { /* the line stays hidden; the rest of the page works */ });

  const current = input({ type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'me-current' });
  const name = input({ autocomplete: 'username', required: true, maxlength: NAME_MAX, value: me.name, 'data-testid': 'me-name' });
  const password = input(newPasswordAttrs('me-password'));
  const password2 = input(newPasswordAttrs('me-password2'));
  const line = messageLine({ 'data-testid': 'me-msg' });
  const form = h('form', { class: 'form', 'data-testid': 'me-form' },
    field(t('me.name'), name),
    field(t('me.newPassword'), password, t('me.passwordHint', { n: PASSWORD_MIN })),
    field(t('field.password2'), password2),
    field(t('me.current'), current, t('me.currentHint')),
    line.el,
    h('button', { type: 'submit', class: 'btn primary' }, t('action.save')));

  onSubmit(form, line, async () => {
    const user = currentUser();
    if (!user) return;
    const body: { currentPassword: string; name?: string; password?: string } = { currentPassword: current.value };
    const newName = name.value.trim();
    if (newName !== user.name) body.name = newName;
    if (password.value || password2.value) {
      if (password.value !== password2.value) {
        line.error(new Error(t('field.mismatch')));
        password2.focus();
        return;
      }
      body.password = password.value;
    }
    if (body.name === undefined && body.password === undefined) {
      line.error(new Error(t('me.nothing')));
      return;
    }
    const answer = await sendJson<User | { user: User; csrf?: string }>('PATCH', apiPath('/me'), body);
    // The contract allows either the user alone or { user, csrf } (a password change starts a new session).
    const fresh = 'user' in answer ? answer : { user: answer, csrf: undefined };
    if (fresh.csrf) setSession(fresh.user, fresh.csrf);
    else {
      setSession(fresh.user, null);
      const s = await loadSession(); // pick up a rotated CSRF token, or learn the session ended
      if (!s.user) {
        sessionLost();
        return;
      }
    }
    current.value = '';
    password.value = '';
    password2.value = '';
    name.value = fresh.user.name;
    showWho(fresh.user);
    line.ok(t('me.saved'));
  });

  const tokens = createTokensPanel(me.role === 'admin');
  const tokensLine = messageLine();
  const el = page(t('nav.account'), panel(t('me.title'), who, signIn, form), h('div', null, tokensLine.el, tokens.el));
  let destroyed = false;
  tokens.load().catch((e: unknown) => {
    if (!destroyed) tokensLine.error(e);
  });
  return { el, destroy() { destroyed = true; } };
}
