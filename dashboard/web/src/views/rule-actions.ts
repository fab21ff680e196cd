import { h, replaceChildren } from '../dom.js';
import { t, type MessageKey } from '../i18n/index.js';
import type { RuleSet, RuleSetOverride } from '../model.js';
import type { ScriptArgs, ScriptParam } from '../script-types.js';
import { input } from './ui.js';

/**
 * Automatic actions of the alert rules (issue 14, docs/alerts.md "Automatic
 * actions"), for the admin defaults and a host's settings: per rule that may
 * act, an action of the script library, its arguments (left empty, the alert
 * fills them: the service, the runaway process), "run automatically", and on
 * a host's page "this host opts in". Both switches are needed for a run.
 */

/** Rules whose alerts happen on a host an agent runs on (offline and interfaces cannot act). */
export const ACTING_RULES = ['cpu', 'mem', 'swap', 'disk', 'load', 'temperature', 'diskForecast', 'services'] as const;
export type ActingRule = (typeof ACTING_RULES)[number];

/** An action to choose: `GET /api/hosts/:id/actions` on a host, the library's enabled actions for the defaults. */
export interface ActionChoice { id: string; name: string; params: ScriptParam[] }

type RuleAction = NonNullable<RuleSet['cpu']['action']>;

export interface RuleActionValue {
  /** null: no action. */
  action: RuleAction | null;
  /** A host's opt-in; undefined on the defaults page. */
  autoAction?: boolean;
}

export interface RuleActionsEditor {
  el: HTMLElement;
  read(): Record<ActingRule, RuleActionValue>;
}

export interface RuleActionsOptions {
  /** The rules as they apply (a host: its effective rules). */
  values: RuleSet;
  /** A host's override (its opt-ins); absent on the defaults page. */
  override?: RuleSetOverride;
  choices: ActionChoice[];
  editable: boolean;
}

export function createRuleActionsEditor(opts: RuleActionsOptions): RuleActionsEditor {
  const hostPage = opts.override !== undefined;
  const rows = ACTING_RULES.map((rule) => createRow(rule, opts, hostPage));
  return {
    el: h('div', { class: 'rule-actions', 'data-testid': 'rule-actions' },
      h('p', { class: 'field-hint muted' }, t(hostPage ? 'rules.action.hostIntro' : 'rules.action.intro')),
      h('div', { class: 'rules' }, ...rows.map((r) => r.el))),
    read: () => Object.fromEntries(rows.map((r) => [r.rule, r.read()])) as Record<ActingRule, RuleActionValue>,
  };
}

function createRow(rule: ActingRule, opts: RuleActionsOptions, hostPage: boolean): { rule: ActingRule; el: HTMLElement; read(): RuleActionValue } {
  const current = (opts.values[rule] as { action?: RuleAction }).action;
  const choices = [...opts.choices];
  // An action set before (or no longer listed for this host) stays choosable, so saving keeps it.
  if (current && !choices.some((c) => c.id === current.script)) choices.push({ id: current.script, name: current.script, params: [] });
  const select = h('select', { class: 'input', disabled: !opts.editable, 'data-testid': `rule-action-${rule}-script` },
    h('option', { value: '' }, t('rules.action.none')),
    ...choices.map((c) => h('option', { value: c.id, selected: c.id === current?.script }, c.name === c.id ? c.id : `${c.name} (${c.id})`)));
  const argsSlot = h('div', { class: 'rule-levels' });
  let argInputs: { param: ScriptParam; el: HTMLInputElement }[] = [];
  const renderArgs = (): void => {
    const chosen = choices.find((c) => c.id === select.value);
    const given: ScriptArgs = chosen?.id === current?.script ? current?.args ?? {} : {};
    argInputs = (chosen?.params ?? []).map((param) => ({
      param,
      el: input({
        value: given[param.name] === undefined ? '' : String(given[param.name]), disabled: !opts.editable, autocomplete: 'off',
        placeholder: param.type === 'enum' ? param.values.join(' | ') : t('rules.action.fromAlert'),
        'data-testid': `rule-action-${rule}-arg`, 'data-param': param.name,
      }),
    }));
    replaceChildren(argsSlot, ...argInputs.map(({ param, el }) =>
      h('label', { class: 'rule-field field', 'data-field': `${rule}.action.args.${param.name}` }, h('span', { class: 'field-label' }, param.label ?? param.name), el)));
  };
  select.addEventListener('change', renderArgs);
  renderArgs();
  const auto = h('input', { type: 'checkbox', class: 'switch', role: 'switch', checked: current?.auto === true, disabled: !opts.editable, 'data-testid': `rule-action-${rule}-auto` });
  const optIn = hostPage
    ? h('input', { type: 'checkbox', class: 'switch', role: 'switch', checked: (opts.override?.[rule] as { autoAction?: boolean } | undefined)?.autoAction === true, disabled: !opts.editable, 'data-testid': `rule-action-${rule}-host` })
    : null;
  const el = h('fieldset', { class: 'rule', 'data-action-rule': rule, 'data-testid': `rule-action-${rule}` },
    h('legend', null, t(`rule.${rule}` as MessageKey)),
    h('label', { class: 'rule-field field', 'data-field': `${rule}.action.script` }, h('span', { class: 'field-label' }, t('rules.action.script')), select),
    argsSlot,
    h('label', { class: 'rule-field check', 'data-field': `${rule}.action.auto` }, auto, h('span', null, t('rules.action.auto'))),
    optIn ? h('label', { class: 'rule-field check', 'data-field': `${rule}.autoAction` }, optIn, h('span', null, t('rules.action.host'))) : null);
  return {
    rule,
    el,
    read() {
      const value: RuleActionValue = { action: null };
      if (select.value !== '') {
        const args: ScriptArgs = {};
        for (const { param, el: field } of argInputs) {
          const raw = field.value.trim();
          if (raw === '') continue; // the alert fills it (alerts/fixes.ts), or the server says it is required
          args[param.name] = param.type === 'integer' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
        }
        value.action = { script: select.value, ...(Object.keys(args).length > 0 ? { args } : {}), auto: auto.checked };
      }
      if (optIn) value.autoAction = optIn.checked;
      return value;
    },
  };
}

/** Same action, whatever the key order of its arguments. */
export function sameAction(a: RuleAction | null | undefined, b: RuleAction | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const args = (x: RuleAction): string => JSON.stringify(Object.entries(x.args ?? {}).sort(([p], [q]) => (p < q ? -1 : 1)));
  return a.script === b.script && a.auto === b.auto && args(a) === args(b);
}
