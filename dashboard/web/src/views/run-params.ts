import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import type { ScriptArgs, ScriptParam } from '../script-types.js';
import { FieldErrors, type FieldError } from './field-errors.js';

/**
 * An action's arguments as a form: one typed control per parameter (a
 * choice as a select, a whole number as a number input, a path with its
 * root shown before it, free text with its limits said), prefilled with the
 * caller's values, else the parameter's default. Wrappers carry
 * `data-field="args.<name>"`, the path the server names in a refusal. The
 * browser checks only what a person would get wrong (empty, not a number);
 * the server and the agent check everything (protocol/script-args.ts).
 */

export interface ParamsForm {
  el: HTMLElement;
  /** The arguments typed, in the server's shape; throws FieldErrors when one is missing or not a number. */
  read(): ScriptArgs;
  focus(): void;
}

/** What a parameter is called on screen: its label, else its name. */
export const paramLabel = (p: ScriptParam): string => p.label || p.name;

/** The sentence under an integer's or a string's control; '' when nothing needs saying. */
export function paramHint(p: ScriptParam): string {
  const parts: string[] = [];
  if (p.description) parts.push(p.description);
  if (p.type === 'integer') {
    if (p.min !== undefined && p.max !== undefined) parts.push(t('runs.hint.between', { min: p.min, max: p.max }));
    else if (p.min !== undefined) parts.push(t('runs.hint.atLeast', { min: p.min }));
    else if (p.max !== undefined) parts.push(t('runs.hint.atMost', { max: p.max }));
    else parts.push(t('runs.hint.integer'));
  } else if (p.type === 'path') {
    parts.push(t('runs.hint.path', { root: p.root }));
  } else if (p.type === 'string') {
    if (p.maxLength !== undefined) parts.push(t('runs.hint.maxLength', { n: p.maxLength }));
    if (p.pattern) parts.push(t('runs.hint.pattern', { pattern: p.pattern }));
    if (!p.allowDash) parts.push(t('runs.hint.noDash'));
  }
  return parts.join(' ');
}

let forms = 0;

export function createParamsForm(params: readonly ScriptParam[], given: Readonly<Record<string, string | number>> = {}): ParamsForm {
  const n = ++forms;
  const controls: { p: ScriptParam; el: HTMLInputElement | HTMLSelectElement }[] = [];
  const initial = (p: ScriptParam): string => {
    const v = Object.hasOwn(given, p.name) ? given[p.name] : p.default;
    return v === undefined ? '' : String(v);
  };
  const rows = params.map((p, i) => {
    const id = `run-param-${n}-${i}`;
    const hintId = `${id}-hint`;
    const hint = paramHint(p);
    const common = { id, 'data-testid': 'run-param', 'data-param': p.name, 'aria-describedby': hint ? hintId : null, 'aria-required': p.required === false ? null : 'true' };
    let control: HTMLInputElement | HTMLSelectElement;
    if (p.type === 'enum') {
      const value = initial(p);
      control = h('select', { class: 'input', ...common },
        // No silent first choice: an empty value is picked on purpose (optional) or refused (required).
        !p.values.includes(value) || p.required === false ? h('option', { value: '' }, t('runs.choose')) : null,
        ...p.values.map((v) => h('option', { value: v }, v)));
      control.value = p.values.includes(value) ? value : '';
    } else if (p.type === 'integer') {
      control = h('input', { type: 'number', step: '1', inputmode: 'numeric', class: 'input', value: initial(p), ...common });
    } else {
      control = h('input', {
        type: 'text', class: p.type === 'path' ? 'input mono' : 'input', value: initial(p), autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
        maxlength: p.type === 'string' ? p.maxLength ?? null : null, ...common,
      });
    }
    controls.push({ p, el: control });
    const label = paramLabel(p);
    return h('div', { class: 'field run-param', 'data-field': `args.${p.name}`, 'data-field-name': label },
      h('label', { class: 'field-label', for: id }, label, p.label && p.label !== p.name ? h('span', { class: 'mono muted run-param-name' }, ` ${p.name}`) : null,
        p.required === false ? h('span', { class: 'muted' }, ` ${t('runs.optional')}`) : null),
      p.type === 'path' ? h('div', { class: 'run-path' }, h('span', { class: 'run-root mono', 'data-testid': 'run-param-root' }, p.root), control) : control,
      hint ? h('span', { class: 'field-hint muted', id: hintId }, hint) : null);
  });
  const el = h('div', { class: 'run-params form', 'data-testid': 'run-params' },
    ...(rows.length ? rows : [h('p', { class: 'muted', 'data-testid': 'run-no-params' }, t('runs.noParams'))]));
  return {
    el,
    read() {
      const args: ScriptArgs = {};
      const problems: FieldError[] = [];
      for (const { p, el: c } of controls) {
        const raw = c instanceof HTMLInputElement && p.type !== 'path' && p.type !== 'string' ? c.value.trim() : c.value;
        if (raw === '') {
          if (p.required !== false) problems.push({ field: `args.${p.name}`, message: t('scripts.err.required') });
          continue;
        }
        if (p.type === 'integer') {
          const v = Number(raw);
          if (!Number.isInteger(v)) problems.push({ field: `args.${p.name}`, message: t('form.err.integer') });
          else args[p.name] = v;
        } else args[p.name] = raw;
      }
      if (problems.length) throw new FieldErrors(problems);
      return args;
    },
    focus() {
      controls[0]?.el.focus();
    },
  };
}

/** "size = 200" lines, in the parameters' order, for the confirmation and the runs list. */
export function argLines(args: Readonly<ScriptArgs>, params: readonly ScriptParam[] = []): [string, string][] {
  const order = params.map((p) => p.name);
  const names = Object.keys(args).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 1e3 : ia) - (ib < 0 ? 1e3 : ib) || a.localeCompare(b);
  });
  return names.map((name) => [name, String(args[name])]);
}
