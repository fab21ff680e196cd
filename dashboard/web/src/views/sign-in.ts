import { ApiError, sendJson, setSession } from '../api.js';
import { h, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { User } from '../model.js';
import { field, input, messageLine, onSubmit } from './ui.js';

/** The two screens before the app: first-start setup and login. */

export interface SignedIn {
  user: User;
  csrf: string;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;
export const NAME_MAX = 64;

/** Attributes of a field that sets a password (the browser checks length before the server does). */
export const newPasswordAttrs = (testid: string): Record<string, string | number | boolean> => ({
  type: 'password', autocomplete: 'new-password', minlength: PASSWORD_MIN, maxlength: PASSWORD_MAX, 'data-testid': testid,
});

function card(title: string, intro: string | null, form: HTMLFormElement): HTMLElement {
  return h('section', { class: 'signin' }, h('div', { class: 'panel signin-card' }, h('h1', null, title), intro ? h('p', { class: 'muted' }, intro) : null, form));
}

/** First start: the setup code from the server log, then the first admin's name and password. */
export function createSetupView(onDone: (s: SignedIn) => void, onAlreadyDone: () => void): View {
  const code = input({ autocomplete: 'one-time-code', required: true, spellcheck: 'false', autocapitalize: 'characters', 'data-testid': 'setup-code' });
  const name = input({ autocomplete: 'username', required: true, maxlength: NAME_MAX, 'data-testid': 'setup-name' });
  const password = input({ ...newPasswordAttrs('setup-password'), required: true });
  const password2 = input({ ...newPasswordAttrs('setup-password2'), required: true });
  const line = messageLine({ 'data-testid': 'setup-error' });
  const form = h('form', { class: 'form', 'data-testid': 'setup-form' },
    field(t('setup.code'), code, t('setup.codeHint')),
    field(t('setup.name'), name),
    field(t('field.password'), password, t('field.passwordHint', { n: PASSWORD_MIN })),
    field(t('field.password2'), password2),
    line.el,
    h('button', { type: 'submit', class: 'btn primary' }, t('setup.submit')));
  onSubmit(form, line, async () => {
    if (password.value !== password2.value) {
      line.error(new Error(t('field.mismatch')));
      password2.focus();
      return;
    }
    try {
      const answer = await sendJson<SignedIn>('POST', '/api/setup', { code: code.value.trim(), name: name.value.trim(), password: password.value });
      setSession(answer.user, answer.csrf);
      onDone(answer);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VIGIE_ERR_SETUP_DONE') onAlreadyDone();
      else throw error;
    }
  });
  queueMicrotask(() => code.focus());
  return { el: card(t('setup.title'), t('setup.intro'), form), destroy() {} };
}

/** Name and password; the server's refusal (wrong password, wait, locked) is shown as it says it. */
export function createLoginView(onDone: (s: SignedIn) => void, notice: string | null = null): View {
  const name = input({ autocomplete: 'username', required: true, maxlength: NAME_MAX, 'data-testid': 'login-name' });
  const password = input({ type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' });
  const line = messageLine({ 'data-testid': 'login-error' });
  const form = h('form', { class: 'form', 'data-testid': 'login-form' },
    field(t('login.name'), name),
    field(t('field.password'), password),
    line.el,
    h('button', { type: 'submit', class: 'btn primary' }, t('login.submit')));
  onSubmit(form, line, async () => {
    const answer = await sendJson<SignedIn>('POST', '/api/session', { name: name.value.trim(), password: password.value });
    setSession(answer.user, answer.csrf);
    onDone(answer);
  });
  queueMicrotask(() => name.focus());
  return { el: card(t('login.title'), notice, form), destroy() {} };
}
