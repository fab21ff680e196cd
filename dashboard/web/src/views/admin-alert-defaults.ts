import { ApiError, apiPath, getJson, sendJson } from '../api.js';
import { h, replaceChildren, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { AlertSettings, RuleSet } from '../model.js';
import type { ScriptView } from '../script-types.js';
import { createRuleActionsEditor, type ActionChoice } from './rule-actions.js';
import { createRuleEditor } from './rule-form.js';
import { field, input, messageLine, onSubmit, page, panel } from './ui.js';

/**
 * `#/admin/alert-defaults`: the rules every host inherits. The per-host
 * overrides (`hosts`) are sent back as the server has them.
 */
/** A field wrapper that errors on `path` mark (views/field-errors.ts). */
const fieldAt = (path: string, label: HTMLLabelElement): HTMLLabelElement => {
  label.dataset.field = path;
  label.dataset.fieldName = label.querySelector('.field-label')?.textContent ?? path;
  return label;
};

export function createAlertDefaultsView(): View {
  const loadLine = messageLine();
  const errorLine = messageLine({ 'data-testid': 'rules-error' });
  const form = h('form', { class: 'rules-form', 'data-testid': 'rules-form', hidden: true });
  const el = page(t('nav.alertDefaults'), h('p', { class: 'muted' }, t('defaults.intro')), loadLine.el, form);
  let destroyed = false;

  const render = (settings: AlertSettings, choices: ActionChoice[]): void => {
    const editor = createRuleEditor(settings.defaults, null, true);
    const actions = createRuleActionsEditor({ values: settings.defaults, choices, editable: true });
    const watch = input({ value: settings.defaults.services.watch.join(', '), autocomplete: 'off', spellcheck: 'false', 'data-testid': 'defaults-watch' });
    replaceChildren(form,
      panel(t('rules.thresholds'), editor.el),
      panel(t('rules.services'), fieldAt('services.watch', field(t('defaults.watch'), watch, t('defaults.watchHint')))),
      panel(t('rules.action.title'), actions.el),
      h('div', { class: 'actions sticky-actions' }, h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'rules-save' }, t('action.save')), errorLine.el));
    form.hidden = false;
    onSubmit(form, errorLine, async () => {
      const values = editor.read() as Record<string, Record<string, unknown>>;
      const defaults: Record<string, unknown> = {};
      for (const [rule, current] of Object.entries(settings.defaults)) defaults[rule] = { ...current, ...values[rule] };
      const names = watch.value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
      (defaults.services as Record<string, unknown>).watch = [...new Set(names)];
      // Automatic actions (issue 14): each rule's action, or none.
      for (const [rule, chosen] of Object.entries(actions.read())) {
        const target = defaults[rule] as Record<string, unknown>;
        if (chosen.action) target.action = chosen.action;
        else delete target.action;
      }
      // Overrides are edited on each host's page, maybe right now: send back the newest ones untouched.
      const { hosts } = await getJson<AlertSettings>(apiPath('/alert-settings'));
      const saved = await sendJson<AlertSettings>('PUT', apiPath('/alert-settings'), { defaults: defaults as RuleSet, hosts });
      settings.defaults = saved.defaults;
      settings.hosts = saved.hosts;
      errorLine.ok(t('rules.saved'));
    });
  };

  void (async () => {
    try {
      const settings = await getJson<AlertSettings>(apiPath('/alert-settings'));
      // The library's enabled actions (issue 14); none listed when the library is not there.
      const scripts = await getJson<{ scripts: ScriptView[] }>(apiPath('/scripts')).then((r) => r.scripts, () => [] as ScriptView[]);
      const choices = scripts.filter((x) => x.kind === 'action' && x.enabled).map((x) => ({ id: x.id, name: x.name, params: x.params }));
      if (!destroyed) render(settings, choices);
    } catch (error) {
      if (destroyed) return;
      if (error instanceof ApiError && error.code === 'VIGIE_ERR_NOT_FOUND') loadLine.ok(t('rules.unavailable'));
      else loadLine.error(error);
    }
  })();
  return { el, destroy() { destroyed = true; } };
}
