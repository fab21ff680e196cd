import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';

/**
 * Wrong fields marked where they are, not named by a JSON path in a message
 * line (issue 11): a form's field wrappers carry `data-field` (their path in
 * the request body, e.g. `cpu.warning`) and `data-field-name` (what the user
 * reads); an error's field matches a wrapper when it holds that path
 * (`defaults.cpu.warning`, `hosts.web-1.cpu.warning`, `services.watch.0`).
 */

export interface FieldError {
  field: string;
  message: string;
}

/** Problems the browser finds before sending, in the server's shape; messages already in the page's language. */
export class FieldErrors extends Error {
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('\n'));
    this.name = 'FieldErrors';
  }
}

/** The wrong fields an error names: found by the browser, or sent by the server in the envelope (docs/api.md). */
export function fieldErrorsOf(error: unknown): FieldError[] {
  if (error instanceof FieldErrors) return error.fields;
  if (error instanceof ApiError) return error.fields.map((f) => ({ field: f.field, message: t('form.refused', { msg: f.message }) }));
  return [];
}

let seq = 0;

/**
 * Marks each wrong field found in `scope`: aria-invalid on its control, the
 * message under it (announced with the control). Returns the wrappers
 * marked, in the order of the errors; typing in a field clears its mark.
 */
export function markFieldErrors(scope: HTMLElement, errors: readonly FieldError[]): HTMLElement[] {
  const wrappers = [...scope.querySelectorAll<HTMLElement>('[data-field]')];
  const marked: HTMLElement[] = [];
  for (const e of errors) {
    const wrap = wrappers.find((w) => {
      const path = w.dataset.field ?? '';
      // `.cpu.warning.` in `.hosts.web-1.cpu.warning.`, or `.services.watch.` in `.defaults.services.watch.0.`
      return path !== '' && `.${e.field}.`.includes(`.${path}.`);
    });
    if (!wrap || marked.includes(wrap)) continue;
    const control = wrap.querySelector<HTMLElement>('input, select, textarea');
    const message = h('span', { class: 'field-error', id: `field-error-${++seq}`, 'data-testid': 'field-error' }, e.message);
    wrap.appendChild(message);
    wrap.dataset.invalid = '';
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.dataset.describedBefore = control.getAttribute('aria-describedby') ?? '';
      control.setAttribute('aria-describedby', `${control.dataset.describedBefore} ${message.id}`.trim());
      const clear = (): void => clearField(wrap);
      control.addEventListener('input', clear, { once: true });
      control.addEventListener('change', clear, { once: true });
    }
    marked.push(wrap);
  }
  return marked;
}

/** Removes every mark in `scope` (before a new attempt). */
export function clearFieldErrors(scope: HTMLElement): void {
  for (const wrap of scope.querySelectorAll<HTMLElement>('[data-field][data-invalid]')) clearField(wrap);
}

function clearField(wrap: HTMLElement): void {
  delete wrap.dataset.invalid;
  for (const m of wrap.querySelectorAll('.field-error')) m.remove();
  const control = wrap.querySelector<HTMLElement>('[aria-invalid]');
  if (!control) return;
  control.removeAttribute('aria-invalid');
  const before = control.dataset.describedBefore ?? '';
  if (before) control.setAttribute('aria-describedby', before);
  else control.removeAttribute('aria-describedby');
}

/** The sentence for the form's message line: which field to fix, by the name the user reads. */
export function fixSentence(marked: readonly HTMLElement[]): string {
  const first = marked[0];
  const name = first?.dataset.fieldName ?? first?.querySelector('.field-label')?.textContent ?? '';
  return marked.length > 1 ? t('form.fixMany', { field: name, n: marked.length - 1 }) : t('form.fixOne', { field: name });
}

/** Moves focus to the first marked field's control. */
export function focusFirst(marked: readonly HTMLElement[]): void {
  marked[0]?.querySelector<HTMLElement>('input, select, textarea')?.focus();
}
