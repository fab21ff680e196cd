import type { HostSummary } from '../../../../ingest/types.js';
import { idPath, sendJson } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { button, input, messageLine, onSubmit } from './ui.js';

export const LABEL_MAX = 64;

/**
 * The host page's "edit label" control (operators and admins): a button that
 * opens a small form; an empty label clears it (null), so the enrolled id shows again.
 */
export function createLabelEditor(id: string, current: () => string | null, onSaved: (host: HostSummary) => void): { button: HTMLButtonElement; form: HTMLFormElement } {
  const field = input({ maxlength: LABEL_MAX, autocomplete: 'off', 'aria-label': t('label.input'), placeholder: t('label.placeholder'), 'data-testid': 'label-input' });
  const line = messageLine({ 'data-testid': 'label-error' });
  const cancel = button(t('action.cancel'), { 'data-testid': 'label-cancel' });
  const form = h('form', { class: 'row-form label-form', hidden: true },
    field,
    h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'label-save' }, t('action.save')),
    cancel,
    line.el);
  const edit = button(t('label.edit'), { class: 'btn small', 'data-testid': 'label-edit' });
  const close = (): void => {
    form.hidden = true;
    edit.hidden = false;
    line.clear();
    edit.focus();
  };
  edit.addEventListener('click', () => {
    field.value = current() ?? '';
    form.hidden = false;
    edit.hidden = true;
    field.focus();
    field.select();
  });
  cancel.addEventListener('click', close);
  onSubmit(form, line, async () => {
    const label = field.value.trim() || null;
    const host = await sendJson<HostSummary>('PATCH', idPath('hosts', id), { label });
    onSaved({ label, ...host } as HostSummary); // the server's label wins when the summary carries it
    close();
  });
  return { button: edit, form };
}
