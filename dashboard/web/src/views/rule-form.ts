import {
  FOR_BOUNDS, HORIZON_HOURS_BOUNDS, MISSED_INTERVALS_BOUNDS, THRESHOLD_SPECS, thresholdBounds, WINDOW_HOURS_BOUNDS, type FieldBounds,
} from '../../../../alerts/rule-limits.js';
import { h, setText } from '../dom.js';
import { formatNumber } from '../format.js';
import { t, type MessageKey } from '../i18n/index.js';
import { THRESHOLD_RULES, type RuleSet } from '../model.js';
import { FieldErrors, type FieldError } from './field-errors.js';

/**
 * The rule fields shared by a host's alert settings and the admin defaults:
 * per threshold rule an on/off switch, warning and critical levels, the
 * "for" duration and the hysteresis; offline after missed intervals; the
 * disk-full forecast's horizon and history window; an SNMP device's
 * interface down (on/off and its "for"; issue 13). With `base` (the
 * defaults a host inherits), each field shows the default and a "use
 * default" button, and is marked when it differs. Each field's wrapper
 * carries `data-field` (`cpu.warning`), so errors mark it (field-errors.ts).
 */

type RuleName = keyof RuleSet;
/** What the form edits: some fields of some rules. */
export type RuleValues = { [R in RuleName]?: Partial<Record<keyof RuleSet[R], unknown>> };

export interface RuleEditor {
  el: HTMLElement;
  /**
   * Every field the form shows, checked first against the schema's bounds
   * (alerts/rule-limits.ts) and warning ≤ critical: throws FieldErrors
   * naming each wrong field, in the page's language, before anything is sent.
   */
  read(): RuleValues;
}

interface Entry { rule: RuleName; field: string; read(): unknown; bounds?: FieldBounds; unit?: string }

const UNITS: Record<(typeof THRESHOLD_RULES)[number], string> = { cpu: '%', mem: '%', swap: '%', disk: '%', load: '', temperature: '°C', ifUtil: '%' };

let editors = 0;

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
    const el = h('label', {
      class: control.type === 'checkbox' ? 'rule-field check' : 'rule-field field',
      'data-field': `${rule}.${field}`, 'data-field-name': `${t(`rule.${rule}`)} › ${label}`,
    },
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

  const TESTIDS: Record<string, string> = { missedIntervals: 'missed', horizonHours: 'horizon', windowHours: 'window' };
  // One explanation of the hysteresis for the threshold rules, read with each of their fields.
  const hysteresisHintId = `rules-hysteresis-hint-${++editors}`;
  const windowHintId = `rules-window-hint-${editors}`;
  const num = (rule: RuleName, field: string, label: string, unit: string, bounds: FieldBounds, describedBy?: string): HTMLElement => {
    const value = fieldValue(values, rule, field);
    // No min/max attributes: the browser's own bubble would block the submit in English; read() says it in the page's language.
    const control = h('input', {
      type: 'number', class: 'input', step: bounds.integer ? 1 : 'any', inputmode: bounds.integer ? 'numeric' : 'decimal', value: typeof value === 'number' ? value : '',
      disabled: !editable, 'data-testid': `rule-${rule}-${TESTIDS[field] ?? field}`, ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    });
    const read = (): number => (control.value.trim() === '' ? Number.NaN : Number(control.value));
    entries.push({ rule, field, read, bounds, unit });
    const shown = (v: unknown): string => (typeof v === 'number' ? withUnit(v, unit) : '–');
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

  const thresholds = THRESHOLD_RULES.map((rule) => {
    const bounds = thresholdBounds(THRESHOLD_SPECS[rule]);
    return group(rule, `rule.${rule}`,
      toggle(rule, t('rules.enabled')),
      h('div', { class: 'rule-levels' },
        num(rule, 'warning', t('rules.warning'), UNITS[rule], bounds.level),
        num(rule, 'critical', t('rules.critical'), UNITS[rule], bounds.level),
        num(rule, 'for', t('rules.for'), 's', FOR_BOUNDS),
        num(rule, 'hysteresis', UNITS[rule] ? `${t('rules.hysteresis')} (${UNITS[rule]})` : t('rules.hysteresis'), UNITS[rule], bounds.hysteresis, hysteresisHintId)));
  });
  const ifDown = group('ifDown', 'rule.ifDown',
    toggle('ifDown', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('ifDown', 'for', t('rules.for'), 's', FOR_BOUNDS)));
  const offline = group('offline', 'rule.offline',
    toggle('offline', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('offline', 'missedIntervals', t('rules.missed'), '', MISSED_INTERVALS_BOUNDS)));
  const forecast = group('diskForecast', 'rule.diskForecast',
    toggle('diskForecast', t('rules.enabled')),
    h('div', { class: 'rule-levels' },
      num('diskForecast', 'horizonHours', t('rules.horizon'), 'h', HORIZON_HOURS_BOUNDS),
      num('diskForecast', 'windowHours', t('rules.window'), 'h', WINDOW_HOURS_BOUNDS, windowHintId)),
    h('p', { class: 'field-hint muted rule-hint', id: windowHintId }, t('rules.windowHint')));
  const services = group('services', 'rule.services',
    toggle('services', t('rules.enabled')),
    h('div', { class: 'rule-levels' }, num('services', 'for', t('rules.for'), 's', FOR_BOUNDS)));

  // Issue 15: the ignore list is edited in the settings file or API, and kept as it is here.
  const containers = group('containers', 'rule.containers',
    toggle('containers', t('rules.enabled')),
    h('div', { class: 'rule-levels' },
      num('containers', 'for', t('rules.for'), 's', FOR_BOUNDS),
      num('containers', 'restarts', t('rules.restarts'), '', { min: 1, max: 1000, integer: true }),
      num('containers', 'restartMinutes', t('rules.restartMinutes'), 'min', { min: 1, max: 1440 })));

  return {
    el: h('div', { class: 'rules-editor' },
      h('p', { class: 'field-hint muted rule-hint', id: hysteresisHintId }, t('rules.hysteresisHint')),
      h('div', { class: 'rules' }, ...thresholds, ifDown, offline, forecast, services, containers)),
    read() {
      const out: Record<string, Record<string, unknown>> = {};
      const problems: FieldError[] = [];
      for (const e of entries) {
        const value = e.read();
        (out[e.rule] ??= {})[e.field] = value;
        const problem = e.bounds && typeof value === 'number' ? boundsProblem(value, e.bounds, e.unit ?? '') : null;
        if (problem) problems.push({ field: `${e.rule}.${e.field}`, message: problem });
      }
      for (const rule of THRESHOLD_RULES) {
        const { warning, critical } = out[rule] ?? {};
        const wrong = problems.some((p) => p.field.startsWith(`${rule}.`));
        if (!wrong && typeof warning === 'number' && typeof critical === 'number' && warning > critical) {
          problems.push({ field: `${rule}.warning`, message: t('rules.err.order', { v: withUnit(critical, UNITS[rule]) }) });
        }
      }
      if (problems.length > 0) throw new FieldErrors(problems);
      return out as RuleValues;
    },
  };
}

const withUnit = (v: number, unit: string): string => `${formatNumber(v, 2)}${unit ? ` ${unit}` : ''}`;

/** What is wrong with a typed number, in the page's language, or null. */
function boundsProblem(value: number, bounds: FieldBounds, unit: string): string | null {
  if (!Number.isFinite(value)) return t('form.err.number');
  if (bounds.integer && !Number.isInteger(value)) return t('form.err.integer');
  if (value < bounds.min || value > bounds.max) return t('form.err.range', { min: withUnit(bounds.min, unit), max: withUnit(bounds.max, unit) });
  return null;
}

/**
 * What a host's override should hold: the fields that differ from the
 * defaults, over whatever the override had that this form does not show
 * (the forecast's minimum points and fit quality), which are kept as they were.
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
