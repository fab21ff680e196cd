import { apiPath, sendJson } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import { hostChoice, type Labelled } from '../model.js';
import type { ScriptView } from '../script-types.js';
import { asFieldErrors } from './check-form.js';
import { FieldErrors } from './field-errors.js';
import { createParamsForm } from './run-params.js';
import { LIMITS } from './script-limits.js';
import { button, messageLine, onSubmit } from './ui.js';

/**
 * A check script of the library runs only once a check names it (issue 14:
 * the checks catalog holds script checks, kind `script`, and each runner
 * gets it in its signed bundle). This panel makes that check from the
 * script's row: its arguments (typed, as in the run dialog), its runners
 * and interval; POST /api/checks with `kind: 'script'`. Wrong fields are
 * marked where they are (`script.args.<name>` on the argument's field).
 */

export function createScriptCheckForm(script: ScriptView, hosts: ({ id: string } & Labelled)[], done: (checkId: string | null) => void): HTMLElement {
  const line = messageLine({ 'data-testid': 'script-check-msg' });
  const params = createParamsForm(script.params);
  const id = h('input', { type: 'text', class: 'input mono', value: script.id, maxlength: 63, spellcheck: 'false', autocomplete: 'off', 'data-testid': 'script-check-id' });
  const interval = h('input', { type: 'number', class: 'input', step: '1', inputmode: 'numeric', value: String(script.interval ?? LIMITS.interval.default), 'data-testid': 'script-check-interval' });
  // Where the script may run: its hosts, or every agent when it names groups (the server checks).
  const candidates = hosts.filter((x) => script.groups.length > 0 || script.hosts.includes(x.id));
  const boxes = candidates.map((x) => ({ id: x.id, box: h('input', { type: 'checkbox', value: x.id, checked: script.hosts.includes(x.id), 'data-testid': 'script-check-runner', 'data-runner': x.id }), label: hostChoice(x) }));
  const fld = (path: string, label: string, control: HTMLElement, hint?: string): HTMLLabelElement =>
    h('label', { class: 'field', 'data-field': path, 'data-field-name': label }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint muted' }, hint) : null);
  const form = h('form', { class: 'form ck-form', novalidate: true, 'data-testid': 'script-check-form' },
    h('p', { class: 'muted small' }, t('scripts.check.intro')),
    h('div', { class: 'inline-form form' },
      fld('id', t('scripts.check.id'), id),
      fld('interval', t('scripts.f.interval'), interval, t('scripts.f.rangeHint', { min: LIMITS.interval.min, max: LIMITS.interval.max }))),
    params.el,
    h('fieldset', { class: 'checks', 'data-field': 'runners', 'data-field-name': t('checks.f.runners') },
      h('legend', null, t('checks.f.runners')),
      ...(boxes.length ? boxes.map((b) => h('label', { class: 'check' }, b.box, b.label)) : [h('span', { class: 'muted' }, t('scripts.noHost'))])),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'script-check-save' }, t('scripts.check.create')),
      button(t('action.cancel'), { 'data-testid': 'script-check-cancel' }, () => done(null))),
    line.el);
  onSubmit(form, line, async () => {
    const args = params.read();
    const every = Number(interval.value.trim());
    if (!Number.isInteger(every)) throw new FieldErrors([{ field: 'interval', message: t('form.err.integer') }]);
    const runners = boxes.filter((b) => b.box.checked).map((b) => b.id);
    try {
      const made = await sendJson<{ id: string }>('POST', apiPath('/checks'), {
        id: id.value.trim(), name: script.name, kind: 'script', target: script.id, script: { id: script.id, args },
        interval: every, ...(runners.length ? { runners } : {}),
      });
      done(made.id);
    } catch (error) {
      throw asFieldErrors(error);
    }
  });
  return h('div', { class: 'panel ck-form-panel', 'data-testid': 'script-check-panel' },
    h('h2', { class: 'panel-title' }, t('scripts.check.title', { name: script.name })), form);
}
