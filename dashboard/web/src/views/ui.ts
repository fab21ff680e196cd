import { ApiError } from '../api.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import type { Role, User } from '../model.js';
import { clearFieldErrors, fieldErrorsOf, fixSentence, focusFirst, markFieldErrors } from './field-errors.js';

/**
 * Building blocks of the account and admin pages: labelled fields, message
 * lines, inline confirmation, copy buttons and tables that stack on phones.
 * Everything goes through h(), so names and messages stay text.
 */

type Attrs = Parameters<typeof h>[1];

/** A labelled control; the label wraps it, so clicking the text focuses it. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint muted' }, hint) : null);
}

export const input = (attrs: Attrs): HTMLInputElement => h('input', { type: 'text', class: 'input', ...attrs });

/** A page of the account or admin area: one h1, then its parts. */
export function page(title: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'admin' }, h('div', { class: 'page-head' }, h('h1', null, title)), ...children);
}

export function panel(title: string | null, ...children: (Node | null)[]): HTMLElement {
  return h('div', { class: 'panel' }, title ? h('h2', { class: 'panel-title' }, title) : null, ...children);
}

export const roleLabel = (role: Role): string => t(`role.${role}`);

/** What to tell the user about a failure: the server's message, plus the wait when it asked for one. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.retryAfter !== null && (error.status === 429 || error.status === 423)) {
      const sentence = /[.!?…]$/.test(error.message) ? error.message : `${error.message}.`;
      return `${sentence} ${t('error.retryIn', { wait: formatDuration(error.retryAfter) })}`;
    }
    return error.message;
  }
  if (error instanceof TypeError) return t('error.network'); // fetch could not reach the server
  return error instanceof Error ? error.message : String(error);
}

export interface MessageLine {
  el: HTMLElement;
  error(e: unknown): void;
  ok(text: string): void;
  clear(): void;
}

/** A line for a form's outcome: errors are announced (role=alert), successes are polite. */
export function messageLine(attrs: Attrs = null): MessageLine {
  const el = h('p', { class: 'form-msg', 'aria-live': 'polite', hidden: true, ...attrs });
  const show = (kind: string, text: string): void => {
    el.dataset.kind = kind;
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    setText(el, text);
    el.hidden = false;
  };
  return {
    el,
    error: (e) => show('error', errorText(e)),
    ok: (text) => show('ok', text),
    clear: () => {
      el.hidden = true;
      setText(el, '');
    },
  };
}

/** Wires a form's submit: no page load, buttons disabled while the request runs, failures shown. */
export function onSubmit(form: HTMLFormElement, line: MessageLine, action: () => Promise<void>): void {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void run(form, line, action);
  });
}

/** Runs `action` with the controls of `scope` disabled; its failure goes to `line`. */
export async function run(scope: HTMLElement, line: MessageLine, action: () => Promise<void>): Promise<void> {
  const buttons = [...scope.querySelectorAll('button')].filter((b) => !b.disabled);
  for (const b of buttons) b.disabled = true;
  scope.setAttribute('aria-busy', 'true');
  line.clear();
  clearFieldErrors(scope);
  try {
    await action();
  } catch (error) {
    // Wrong fields are marked where they are; the line says which to fix in words, not as a JSON path.
    const marked = markFieldErrors(scope, fieldErrorsOf(error));
    if (marked.length > 0) {
      line.error(new Error(fixSentence(marked)));
      focusFirst(marked);
    } else line.error(error);
  } finally {
    for (const b of buttons) b.disabled = false;
    scope.removeAttribute('aria-busy');
  }
}

export const button = (label: string, attrs: Attrs, onClick?: () => void): HTMLButtonElement =>
  h('button', { type: 'button', class: 'btn', ...attrs, ...(onClick ? { on: { click: onClick } } : {}) }, label);

/**
 * A destructive action asked twice, in place (no window.confirm: it blocks
 * the page and is easy to click through): the button turns into the question
 * with "confirm" and "cancel".
 */
export function confirmButton(label: string, question: string, line: MessageLine, action: () => Promise<void>, attrs: Attrs = null): HTMLElement {
  const wrap = h('span', { class: 'confirm' });
  const reset = (): void => {
    replaceChildren(wrap, button(label, { class: 'btn danger', ...attrs }, () => askInPlace(wrap, question, line, action, reset)));
  };
  reset();
  return wrap;
}

/**
 * The question of confirmButton, asked in `wrap` for any trigger (a select
 * that changed): "confirm" runs `action` (its failure goes to `line`),
 * "cancel" does not; either way `done(confirmed)` follows, if `wrap` is
 * still on the page.
 */
export function askInPlace(wrap: HTMLElement, question: string, line: MessageLine, action: () => Promise<void>, done: (confirmed: boolean) => void): void {
  const yes = button(t('action.confirm'), { class: 'btn danger', 'data-testid': 'confirm-yes' });
  const no = button(t('action.cancel'), { class: 'btn', 'data-testid': 'confirm-no' }, () => done(false));
  yes.addEventListener('click', () => void run(wrap, line, action).then(() => { if (wrap.isConnected) done(true); }));
  replaceChildren(wrap, h('span', { class: 'confirm-q' }, question), yes, no);
  no.focus();
}

/** Copies the text of `source`: the clipboard API where allowed (HTTPS, localhost), else select and copy. */
export function copyButton(source: HTMLElement, attrs: Attrs = null): HTMLButtonElement {
  const btn = button(t('action.copy'), { class: 'btn', ...attrs });
  btn.addEventListener('click', () => {
    const text = source.textContent ?? '';
    const done = (ok: boolean): void => {
      setText(btn, ok ? t('action.copied') : t('action.copyManually'));
      window.setTimeout(() => setText(btn, t('action.copy')), 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), () => done(selectAndCopy(source)));
    } else {
      done(selectAndCopy(source));
    }
  });
  return btn;
}

function selectAndCopy(el: HTMLElement): boolean {
  const range = document.createRange();
  range.selectNodeContents(el);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  try {
    // Deprecated, but the only way to copy over plain HTTP on a LAN; the text stays selected if it fails.
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** A secret or command shown once, with its copy button. */
export function secretBox(text: string, testid: string): HTMLElement {
  const code = h('code', { class: 'secret mono', 'data-testid': testid }, text);
  return h('div', { class: 'secret-box' }, code, copyButton(code, { 'data-testid': `${testid}-copy` }));
}

export interface DataTable {
  el: HTMLElement;
  body: HTMLTableSectionElement;
  /** Adds a row; each cell is labelled with its column for the stacked phone layout. */
  row(attrs: Attrs, cells: (Node | string | null)[]): HTMLTableRowElement;
  clear(): void;
}

/** A table that scrolls sideways if it must and turns into stacked rows under 600 px (app.css). */
export function dataTable(columns: string[], emptyText: string): DataTable {
  const body = h('tbody');
  const empty = h('p', { class: 'muted table-empty' }, emptyText);
  const table = h('table', { class: 'table' }, h('thead', null, h('tr', null, ...columns.map((c) => h('th', { scope: 'col' }, c)))), body);
  const el = h('div', { class: 'table-wrap' }, table, empty);
  const sync = (): void => {
    empty.hidden = body.rows.length > 0;
  };
  sync();
  return {
    el,
    body,
    row(attrs, cells) {
      const tr = h('tr', attrs, ...cells.map((c, i) => h('td', { 'data-label': columns[i] ?? '' }, c)));
      body.appendChild(tr);
      sync();
      return tr;
    },
    clear() {
      body.replaceChildren();
      sync();
    },
  };
}

export interface CheckboxList {
  el: HTMLFieldSetElement;
  values(): number[];
}

/** Checkboxes for a set of ids (groups, members), in a fieldset with its legend. */
export function checkboxList(legend: string, items: { id: number; name: string }[], checked: Iterable<number>, attrs: Attrs = null, emptyText = t('admin.none')): CheckboxList {
  const on = new Set(checked);
  const boxes = items.map((item) => ({ id: item.id, box: h('input', { type: 'checkbox', value: item.id, checked: on.has(item.id), 'data-name': item.name }) }));
  const el = h('fieldset', { class: 'checks', ...attrs },
    h('legend', null, legend),
    ...(boxes.length ? boxes.map(({ box }, i) => h('label', { class: 'check' }, box, items[i]?.name ?? '')) : [h('span', { class: 'muted' }, emptyText)]));
  return { el, values: () => boxes.filter(({ box }) => box.checked).map(({ id }) => id) };
}

/** A select of users with a "nobody" choice (host owner). */
export function userSelect(users: User[], selected: number | null, attrs: Attrs = null): HTMLSelectElement {
  const select = h('select', { class: 'input', ...attrs },
    h('option', { value: '' }, t('access.noOwner')),
    ...users.map((u) => h('option', { value: u.id }, u.name)));
  select.value = selected === null ? '' : String(selected);
  return select;
}

export const selectedId = (select: HTMLSelectElement): number | null => (select.value === '' ? null : Number(select.value));

/** Names for ids, in the given order, skipping unknown ones. */
export function namesOf(ids: number[], all: { id: number; name: string }[]): string {
  const byId = new Map(all.map((x) => [x.id, x.name]));
  return ids.map((id) => byId.get(id)).filter((n): n is string => n !== undefined).join(', ');
}
