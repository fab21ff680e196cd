import { h, setText } from '../dom.js';
import { formatNumber } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { THRESHOLD_RULES, type RuleSet } from '../model.js';

/**
 * The rule fields shared by a host's alert settings and the admin defaults:
 * per threshold rule an on/off switch, warning and critical levels and the
 * "for" duration; offline after missed intervals; the disk-full forecast.
 * With `base` (the defaults a host inherits), each field shows the default
 * and a "use default" button, and is marked when it differs.
 */

type RuleName = keyof RuleSet;
/** What the form edits: some fields of some rules. */
export type RuleValues = { [R in RuleName]?: Partial<Record<keyof RuleSet[R], unknown>> };

export interface RuleEditor {
  el: HTMLElement;
  /** Every field the form shows, as typed (an empty number reads as NaN, sent as null, refused by the server naming it). */
  read(): RuleValues;
}

interface Entry { rule: RuleName; field: string; read(): unknown }

const UNITS: Record<(typeof THRESHOLD_RULES)[number], string> = { cpu: '%', mem: '%', swap: '%', disk: '%', load: '', temperature: '°C' };

const fieldValue = (set: RuleSet | null, rule: RuleName, field: string): unknown =>
  set ? (set[rule] as Record<string, unknown>)[field] : undefined;

export function createRuleEditor(values: RuleSet, base: RuleSet | null, editable: boolean): RuleEditor {
  const entries: Entry[] = [];

  /** A control with its label, the default beside it, and "use default". */
  const wrap = (rule: RuleName, field: string, label: string, control: HTMLInputElement, shown: (v: unknown) => string, current: () => unknown, reset: (v: unknown) => void): HTMLElement => {
    const baseValue = fieldValue(base, rule, field);
    const note = h('span', { class: 'field-hint muted' });
    const useDefault = base && editable
      ? h('button', { type: 'button', class: 'linkish', 'data-testid': `rule-${rule}-${field}-default` }, t('rules.useDefault'))
      : null;
    const el = h('label', { class: control.type === 'checkbox' ? 'rule-field check' : 'rule-field field' },
      control.type === 'checkbox' ? control : null,
      h('span', { class: control.type === 'checkbox' ? '' : 'field-label' }, label),
      control.type === 'checkbox' ? null : control,
      base ? h('span', { class: 'rule-default' }, note, useDefault) : null);
    const sync = (): void => {
      if (!base) return;
      const differs = current() !== baseValue;
      el.toggleAttribute('data-overridden', differs);
      setText(note, t('rules.default', { v: shown(baseValue) }));
      if (useDefault) useDefault.hidden = !differs;
    };
    useDefault?.addEventListener('click', (ev) => {
      ev.preventDefault(); // inside a label: do not toggle the control
      reset(baseValue);
      sync();
    });
    control.addEventListener('input', sync);
    control.addEventListener('change', sync);
    sync();
    return el;
  };

  const num = (rule: RuleName, field: string, label: string, unit: string, attrs: Record<string, string | number> = {}): HTMLElement => {
    const value = fieldValue(values, rule, field);
    const control = h('input', {
      type: 'number', class: 'input', step: 'any', inputmode: 'decimal', value: typeof value === 'number' ? value : '',
      disabled: !editable, 'data-testid': `rule-${rule}-${field === 'missedIntervals' ? 'missed' : field === 'horizonHours' ? 'horizon' : field}`, ...attrs,
    });
    const read = (): number => (control.value.trim() === '' ? Number.NaN : Number(control.value));
    entries.push({ rule, field, read });
    const shown = (v: unknown): string => (typeof v === 'number' ? `${formatNumber(v, 2)}${unit ? ` ${unit}` : ''}` : '–');
    return wrap(rule, field, label, control, shown, read, (v) => { control.value = typeof v === 'number' ? String(v) : ''; });
  };

  const toggle = (rule: RuleName, label: string): HTMLElement => {
    const control = h('input', { type: 'checkbox', class: 'switch', role: 'switch', checked: fieldValue(values, rule, 'enabled') === true, disabled: !editable, 'data-testid': `rule-${rule}-enabled` });
    entries.push({ rule, field: 'enabled', read: () => control.checked });
    const shown = (v: unknown): string => t(v === true ? 'rules.on' : 'rules.off');
    return wrap(rule, 'enabled', label, control, shown, () => control.checked, (v) => { control.checked = v === true; });
  };

  const group = (rule: RuleName, title: MessageKey, ...fields: HTMLElement[]): HTMLElement =>
    h('fieldset', { class: 'rule', 'data-rule': rule }, h('legend', null, t(title)), ...fields);

  const thresholds = THRESHOLD_RULES.map((rule) => group(rule, `rule.${rule}`,
    toggle(rule, t('rules.enabled')),
    h('div', { class: 'rule-levels' },
      num(rule, 'warning', t('rules.warning'), UNITS[rule], { min: rule === 'temperature' ? -100 : 0 }),
      num(rule, 'critical', t('rules.critical'), UNITS[rule], { min: rule === 'temperature' ? -100 : 0 }),
      num(rule, 'for', t('rules.for'), 's', { min: 0, max: 86_400 }))));
  const offline = group('offline', 'rule.offline',
    toggle('offline', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('offline', 'missedIntervals', t('rules.missed'), '', { min: 1, max: 100, step: 1 })));
  const forecast = group('diskForecast', 'rule.diskForecast',
    toggle('diskForecast', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('diskForecast', 'horizonHours', t('rules.horizon'), 'h', { min: 0.1 })));
  const services = group('services', 'rule.services',
    toggle('services', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('services', 'for', t('rules.for'), 's', { min: 0, max: 86_400 })));

  return {
    el: h('div', { class: 'rules' }, ...thresholds, offline, forecast, services),
    read() {
      const out: Record<string, Record<string, unknown>> = {};
      for (const e of entries) (out[e.rule] ??= {})[e.field] = e.read();
      return out as RuleValues;
    },
  };
}

/**
 * What a host's override should hold: the fields that differ from the
 * defaults, over whatever the override had that this form does not show
 * (hysteresis, forecast window…), which are kept as they were.
 */
export function overrideFrom(values: RuleValues, defaults: RuleSet, previous: RuleValues): RuleValues {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [rule, fields] of Object.entries(previous)) out[rule] = { ...fields };
  for (const [rule, fields] of Object.entries(values) as [RuleName, Record<string, unknown>][]) {
    const target = (out[rule] ??= {});
    for (const [field, value] of Object.entries(fields)) {
      if (value === fieldValue(defaults, rule, field)) delete target[field];
      else target[field] = value;
    }
    if (Object.keys(target).length === 0) delete out[rule];
  }
  return out as RuleValues;
}
