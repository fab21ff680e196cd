import { apiPath, idPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import { hostChoice, type Labelled } from '../model.js';
import type { ScriptInput, ScriptParam, ScriptView } from '../script-types.js';
import { asFieldErrors } from './check-form.js';
import { FieldErrors, type FieldError } from './field-errors.js';
import { INTERPRETERS, KINDS, LIMITS, PARAM_NAME_RE, PARAM_TYPES, SCRIPT_ID_RE } from './script-limits.js';
import { button, messageLine, onSubmit } from './ui.js';

/**
 * The script editor (issue 14), for admins: id, name, description, kind,
 * interpreter, the body in a monospace textarea, typed parameters built row
 * by row, timeout, interval (checks), and the hosts and groups it may run
 * on. Each field's wrapper carries `data-field`, its path in the request
 * (`params.1.root`), so the server's field errors are shown next to it.
 * Empty optional fields are left out: the server's defaults apply.
 */

export interface ScriptFormContext {
  /** Agents (not SNMP devices): where a script may run. */
  hosts: ({ id: string } & Labelled)[];
  groups: { id: number; name: string }[];
}

type Attrs = Parameters<typeof h>[1];

interface ParamRow {
  el: HTMLElement;
  name: HTMLInputElement;
  type: HTMLSelectElement;
  label: HTMLInputElement;
  required: HTMLInputElement;
  values: HTMLTextAreaElement;
  min: HTMLInputElement;
  max: HTMLInputElement;
  root: HTMLInputElement;
  maxLength: HTMLInputElement;
  pattern: HTMLInputElement;
  allowDash: HTMLInputElement;
  dflt: HTMLInputElement;
}

export function createScriptForm(existing: ScriptView | null, ctx: ScriptFormContext, done: (saved: ScriptView | null) => void): HTMLElement {
  const line = messageLine({ 'data-testid': 'script-form-msg' });
  const fld = (path: string, label: string, control: HTMLElement, hint?: string, attrs: Attrs = null): HTMLLabelElement =>
    h('label', { class: 'field', 'data-field': path, 'data-field-name': label, ...attrs },
      h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint muted' }, hint) : null);
  const text = (testid: string, value: string | number | undefined | null, attrs: Attrs = null): HTMLInputElement =>
    h('input', { type: 'text', class: 'input', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', 'data-testid': testid, value: value === undefined || value === null ? '' : String(value), ...attrs });
  // No min/max attributes: the browser's bubble would speak its own language; the server names the field.
  const num = (testid: string, value: number | undefined, placeholder?: number): HTMLInputElement =>
    text(testid, value, { type: 'number', step: '1', inputmode: 'numeric', placeholder: placeholder === undefined ? null : String(placeholder) });
  const select = (testid: string, options: readonly [string, string][], value: string): HTMLSelectElement => {
    const el = h('select', { class: 'input', 'data-testid': testid }, ...options.map(([v, l]) => h('option', { value: v }, l)));
    el.value = value;
    return el;
  };
  const checkbox = (testid: string, checked: boolean): HTMLInputElement => h('input', { type: 'checkbox', 'data-testid': testid, checked });

  const s = existing;
  const id = text('script-id', s?.id, { required: true, maxlength: 63, disabled: s !== null, placeholder: 'pg-replication' });
  const name = text('script-name', s?.name, { required: true, maxlength: 120, spellcheck: 'true', autocapitalize: 'sentences' });
  const description = h('textarea', { class: 'input', rows: 2, maxlength: 1000, 'data-testid': 'script-description' });
  description.value = s?.description ?? '';
  const kind = select('script-kind', KINDS.map((k) => [k, t(`scripts.kind.${k}`)]), s?.kind ?? 'check');
  const interpreter = select('script-interpreter', INTERPRETERS.map((i) => [i, i]), s?.interpreter ?? 'sh');
  const body = h('textarea', { class: 'input script-body', rows: 14, spellcheck: 'false', autocapitalize: 'none', autocomplete: 'off', wrap: 'off', 'data-testid': 'script-body' });
  body.value = s?.body ?? '#!/bin/sh\n';
  // Tab indents inside the body (Escape then Tab leaves it, as in any code editor on the web).
  let escaped = false;
  body.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') escaped = true;
    else if (ev.key === 'Tab' && !ev.shiftKey && !escaped) {
      ev.preventDefault();
      body.setRangeText('\t', body.selectionStart, body.selectionEnd, 'end');
    } else escaped = false;
  });
  const timeout = num('script-timeout', s?.timeout, LIMITS.timeout.default);
  const interval = num('script-interval', s?.interval, LIMITS.interval.default);
  const enabled = checkbox('script-enabled', s?.enabled ?? true);

  const chosenHosts = new Set(s?.hosts ?? []);
  const hostIds = [...new Set([...ctx.hosts.map((x) => x.id), ...chosenHosts])].sort();
  const hostBoxes = hostIds.map((hid) => ({
    id: hid,
    box: h('input', { type: 'checkbox', value: hid, checked: chosenHosts.has(hid), 'data-testid': 'script-host', 'data-host': hid }),
    name: (() => { const x = ctx.hosts.find((y) => y.id === hid); return x ? hostChoice(x) : hid; })(),
  }));
  const chosenGroups = new Set(s?.groups ?? []);
  const groupIds = [...new Set([...ctx.groups.map((g) => g.id), ...chosenGroups])];
  const groupBoxes = groupIds.map((gid) => ({
    id: gid,
    box: h('input', { type: 'checkbox', value: gid, checked: chosenGroups.has(gid), 'data-testid': 'script-group', 'data-group': gid }),
    name: ctx.groups.find((g) => g.id === gid)?.name ?? t('checks.groupN', { id: gid }),
  }));
  const hostsSet = h('fieldset', { class: 'checks', 'data-field': 'hosts', 'data-field-name': t('scripts.f.hosts') },
    h('legend', null, t('scripts.f.hosts')),
    ...(hostBoxes.length ? hostBoxes.map((x) => h('label', { class: 'check' }, x.box, x.name)) : [h('span', { class: 'muted' }, t('scripts.f.noHosts'))]));
  const groupsSet = h('fieldset', { class: 'checks', 'data-field': 'groups', 'data-field-name': t('scripts.f.groups') },
    h('legend', null, t('scripts.f.groups')),
    ...(groupBoxes.length ? groupBoxes.map((x) => h('label', { class: 'check' }, x.box, x.name)) : [h('span', { class: 'muted' }, t('groups.empty'))]));

  // Parameters: one row each, numbered by their index in the request (`params.<i>.<field>`).
  const paramRows = h('div', { class: 'param-rows', 'data-testid': 'script-params' });
  const rows: ParamRow[] = [];
  const renumber = (): void => {
    rows.forEach((r, i) => {
      for (const key of ['name', 'type', 'label', 'required', 'values', 'min', 'max', 'root', 'maxLength', 'pattern', 'allowDash'] as const) {
        const wrap = r[key].closest<HTMLElement>('[data-field]');
        if (wrap) wrap.dataset.field = `params.${i}.${key}`;
      }
      const d = r.dflt.closest<HTMLElement>('[data-field]');
      if (d) d.dataset.field = `params.${i}.default`;
    });
  };
  const addRow = (p: ScriptParam | null): void => {
    const row: ParamRow = {
      el: h('div'),
      name: text('param-name', p?.name, { maxlength: 32, placeholder: 'service', class: 'input mono' }),
      type: select('param-type', PARAM_TYPES.map((x) => [x, t(`scripts.f.type.${x}`)]), p?.type ?? 'string'),
      label: text('param-label', p?.label, { maxlength: 80, spellcheck: 'true' }),
      required: checkbox('param-required', p?.required ?? true),
      values: h('textarea', { class: 'input', rows: 3, 'data-testid': 'param-values', spellcheck: 'false' }),
      min: num('param-min', p?.type === 'integer' ? p.min : undefined),
      max: num('param-max', p?.type === 'integer' ? p.max : undefined),
      root: text('param-root', p?.type === 'path' ? p.root : undefined, { class: 'input mono', placeholder: '/var/log' }),
      maxLength: num('param-max-length', p?.type === 'string' ? p.maxLength : undefined, LIMITS.stringChars),
      pattern: text('param-pattern', p?.type === 'string' ? p.pattern : undefined, { class: 'input mono', placeholder: '^[a-z0-9@._-]+$' }),
      allowDash: checkbox('param-allow-dash', p?.type === 'string' ? p.allowDash === true : false),
      dflt: text('param-default', p?.default, { class: 'input mono' }),
    };
    row.values.value = p?.type === 'enum' ? p.values.join('\n') : '';
    const remove = button(t('scripts.f.paramRemove'), { class: 'btn small param-remove', 'data-testid': 'param-remove' }, () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      renumber();
    });
    const only = (type: ScriptParam['type'], ...els: HTMLElement[]): HTMLElement => h('div', { class: 'inline-form form', 'data-param-part': type }, ...els);
    const parts = [
      only('enum', fld('params.x.values', t('scripts.f.paramValues'), row.values)),
      only('integer', fld('params.x.min', t('scripts.f.paramMin'), row.min), fld('params.x.max', t('scripts.f.paramMax'), row.max)),
      only('path', fld('params.x.root', t('scripts.f.paramRoot'), row.root, t('scripts.err.root'))),
      only('string',
        fld('params.x.maxLength', t('scripts.f.paramMaxLength'), row.maxLength),
        fld('params.x.pattern', t('scripts.f.paramPattern'), row.pattern),
        h('label', { class: 'check', 'data-field': 'params.x.allowDash', 'data-field-name': t('scripts.f.paramAllowDash') }, row.allowDash, t('scripts.f.paramAllowDash'))),
    ];
    const sync = (): void => {
      for (const part of parts) part.hidden = part.dataset.paramPart !== row.type.value;
    };
    row.type.addEventListener('change', sync);
    sync();
    row.el = h('div', { class: 'param-row', 'data-testid': 'param-row' },
      h('div', { class: 'inline-form form' },
        fld('params.x.name', t('scripts.f.paramName'), row.name),
        fld('params.x.type', t('scripts.f.paramType'), row.type),
        fld('params.x.label', t('scripts.f.paramLabel'), row.label),
        h('label', { class: 'check', 'data-field': 'params.x.required', 'data-field-name': t('scripts.f.paramRequired') }, row.required, t('scripts.f.paramRequired'))),
      ...parts,
      h('div', { class: 'inline-form form' }, fld('params.x.default', t('scripts.f.paramDefault'), row.dflt), h('div', { class: 'param-remove' }, remove)));
    rows.push(row);
    paramRows.appendChild(row.el);
    renumber();
  };
  for (const p of s?.params ?? []) addRow(p);
  const addParam = button(t('scripts.f.paramAdd'), { class: 'btn small', 'data-testid': 'param-add' }, () => {
    if (rows.length >= LIMITS.params) return;
    addRow(null);
    rows.at(-1)?.name.focus();
  });

  const intervalField = fld('interval', t('scripts.f.interval'), interval, t('scripts.f.rangeHint', { min: LIMITS.interval.min, max: LIMITS.interval.max }));
  const syncKind = (): void => {
    intervalField.hidden = kind.value !== 'check';
  };
  kind.addEventListener('change', syncKind);
  syncKind();

  const form = h('form', { class: 'form ck-form', 'data-testid': 'script-form', novalidate: true, autocomplete: 'off' },
    h('div', { class: 'inline-form form' },
      fld('id', t('scripts.f.id'), id, s ? t('scripts.f.idFixed') : t('scripts.f.idHint')),
      fld('name', t('scripts.f.name'), name)),
    fld('description', t('scripts.f.description'), description),
    h('div', { class: 'inline-form form' },
      fld('kind', t('scripts.f.kind'), kind, t('scripts.f.kindHint')),
      fld('interpreter', t('scripts.f.interpreter'), interpreter),
      fld('timeout', t('scripts.f.timeout'), timeout, t('scripts.f.rangeHint', { min: LIMITS.timeout.min, max: LIMITS.timeout.max })),
      intervalField),
    fld('body', t('scripts.f.body'), body, t('scripts.f.bodyHint')),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('scripts.f.params')),
      h('p', { class: 'muted small' }, t('scripts.f.paramsHint')),
      paramRows,
      h('div', { 'data-field': 'params', 'data-field-name': t('scripts.f.params') }, addParam)),
    h('fieldset', { class: 'ck-part' }, h('legend', null, t('scripts.f.where')),
      h('p', { class: 'muted small' }, t('scripts.f.whereHint')),
      hostsSet, groupsSet),
    h('label', { class: 'check', 'data-field': 'enabled', 'data-field-name': t('scripts.f.enabled') }, enabled, t('scripts.f.enabled')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'script-save' }, s ? t('action.save') : t('scripts.create')),
      button(t('action.cancel'), { 'data-testid': 'script-cancel' }, () => done(null))),
    line.el);

  const read = (): ScriptInput => {
    const problems: FieldError[] = [];
    const integer = (el: HTMLInputElement, path: string): number | undefined => {
      const raw = el.value.trim();
      if (raw === '') return undefined;
      const v = Number(raw);
      if (!Number.isInteger(v)) problems.push({ field: path, message: t('form.err.integer') });
      return v;
    };
    const scriptId = (s?.id ?? id.value).trim();
    if (!s && !SCRIPT_ID_RE.test(scriptId)) problems.push({ field: 'id', message: t('scripts.err.id') });
    if (name.value.trim() === '') problems.push({ field: 'name', message: t('scripts.err.required') });
    const params: ScriptParam[] = rows.map((r, i) => {
      const at = (k: string): string => `params.${i}.${k}`;
      const pname = r.name.value.trim();
      if (!PARAM_NAME_RE.test(pname)) problems.push({ field: at('name'), message: t('scripts.err.paramName') });
      const common = {
        name: pname,
        ...(r.label.value.trim() ? { label: r.label.value.trim() } : {}),
        required: r.required.checked,
      };
      const dflt = r.dflt.value;
      const type = r.type.value as ScriptParam['type'];
      if (type === 'enum') {
        const values = r.values.value.split('\n').map((v) => v.trim()).filter(Boolean);
        if (!values.length) problems.push({ field: at('values'), message: t('scripts.err.required') });
        return { ...common, type, values, ...(dflt.trim() ? { default: dflt.trim() } : {}) };
      }
      if (type === 'integer') {
        const min = integer(r.min, at('min'));
        const max = integer(r.max, at('max'));
        const d = integer(r.dflt, at('default'));
        return { ...common, type, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(d !== undefined ? { default: d } : {}) };
      }
      if (type === 'path') {
        const root = r.root.value.trim();
        if (!root.startsWith('/')) problems.push({ field: at('root'), message: t('scripts.err.root') });
        return { ...common, type, root, ...(dflt.trim() ? { default: dflt.trim() } : {}) };
      }
      const maxLength = integer(r.maxLength, at('maxLength'));
      return {
        ...common, type: 'string' as const,
        ...(maxLength !== undefined ? { maxLength } : {}),
        ...(r.pattern.value.trim() ? { pattern: r.pattern.value.trim() } : {}),
        ...(r.allowDash.checked ? { allowDash: true } : {}),
        ...(dflt !== '' ? { default: dflt } : {}),
      };
    });
    const t1 = integer(timeout, 'timeout');
    const i1 = kind.value === 'check' ? integer(interval, 'interval') : undefined;
    const out: ScriptInput = {
      name: name.value.trim(),
      description: description.value.trim(),
      kind: kind.value as ScriptInput['kind'],
      interpreter: interpreter.value as ScriptInput['interpreter'],
      body: body.value,
      params,
      ...(t1 !== undefined ? { timeout: t1 } : {}),
      ...(i1 !== undefined ? { interval: i1 } : {}),
      hosts: hostBoxes.filter((x) => x.box.checked).map((x) => x.id),
      groups: groupBoxes.filter((x) => x.box.checked).map((x) => x.id),
      enabled: enabled.checked,
    };
    if (!s) out.id = scriptId;
    if (problems.length) throw new FieldErrors(problems);
    return out;
  };

  onSubmit(form, line, async () => {
    const input = read();
    try {
      const saved = s
        ? await sendJson<ScriptView>('PUT', idPath('scripts', s.id), input)
        : await sendJson<ScriptView>('POST', apiPath('/scripts'), input);
      done(saved);
    } catch (error) {
      throw asFieldErrors(error);
    }
  });
  return h('div', { class: 'panel ck-form-panel', 'data-testid': 'script-form-panel' },
    h('h2', { class: 'panel-title' }, s ? t('scripts.editTitle', { name: s.name }) : t('scripts.newTitle')), form);
}

/** Puts a panel in `slot`, or clears it. */
export function showPanel(slot: HTMLElement, el: HTMLElement | null): void {
  replaceChildren(slot, el);
  el?.scrollIntoView({ block: 'start' });
  el?.querySelector<HTMLElement>('input:not([disabled]), select, textarea')?.focus({ preventScroll: true });
}
