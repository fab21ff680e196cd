import { ApiError, currentUser, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText, type View } from '../dom.js';
import { t } from '../i18n/index.js';
import type { HostAlertSettings, RuleSetOverride } from '../model.js';
import type { ActionView } from '../script-types.js';
import { createRuleActionsEditor, sameAction, type ActionChoice } from './rule-actions.js';
import { createRuleEditor, overrideFrom, type RuleValues } from './rule-form.js';
import { messageLine, onSubmit, page, panel } from './ui.js';

/**
 * `#/host/<id>/alerts`: one host's alert settings (seed 001's settings page):
 * every rule with its switch, levels and duration, each field showing the
 * default it would inherit; and a searchable list of the host's services
 * with checkboxes for the ones to watch. The saved override holds only what
 * differs from the defaults. Viewers read; operators and admins edit.
 */
export function createHostAlertsView(id: string): View {
  const editable = currentUser()?.role !== 'viewer';
  const back = h('a', { class: 'back', href: `#/host/${encodeURIComponent(id)}` }, `← ${t('rules.backToHost')}`);
  const loadLine = messageLine();
  const errorLine = messageLine({ 'data-testid': 'rules-error' });
  const form = h('form', { class: 'rules-form', 'data-testid': 'rules-form', hidden: true });
  const el = h('section', { class: 'admin' }, back, page(t('rules.title', { host: id })), h('p', { class: 'muted' }, t(editable ? 'rules.intro' : 'rules.readOnly')), loadLine.el, form);
  let destroyed = false;

  const render = (s: HostAlertSettings, choices: ActionChoice[]): void => {
    const editor = createRuleEditor(s.effective, s.defaults, editable);
    const watch = createWatchList(s, editable);
    const actions = createRuleActionsEditor({ values: s.effective, override: s.override, choices, editable });
    const save = editable ? h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'rules-save' }, t('action.save')) : null;
    replaceChildren(form,
      panel(t('rules.thresholds'), editor.el),
      panel(t('rules.services'), watch.el),
      panel(t('rules.action.title'), actions.el),
      h('div', { class: 'actions sticky-actions' }, save, errorLine.el));
    form.hidden = false;
    if (!editable) return;
    onSubmit(form, errorLine, async () => {
      const values = overrideFrom(editor.read(), s.defaults, s.override as RuleValues) as Record<string, Record<string, unknown>>;
      const chosen = watch.values();
      const sameAsDefault = sameSet(chosen, s.defaults.services.watch);
      if (sameAsDefault) {
        if (values.services) delete values.services.watch;
      } else {
        (values.services ??= {}).watch = chosen;
      }
      // Automatic actions (issue 14): the action when it differs from the defaults', and this host's opt-in.
      for (const [rule, chosen] of Object.entries(actions.read())) {
        const target = (values[rule] ??= {});
        const inherited = (s.defaults[rule as keyof typeof s.defaults] as { action?: Parameters<typeof sameAction>[0] }).action;
        if (chosen.action === null || sameAction(chosen.action, inherited)) delete target.action;
        else target.action = chosen.action;
        if (chosen.autoAction) target.autoAction = true;
        else delete target.autoAction;
      }
      for (const rule of Object.keys(values)) if (Object.keys(values[rule]!).length === 0) delete values[rule];
      const answer = await sendJson<{ override: RuleSetOverride }>('PUT', idPath('hosts', id, '/alert-settings'), values);
      s.override = answer.override;
      errorLine.ok(t('rules.saved'));
    });
  };

  const load = async (): Promise<void> => {
    try {
      const s = await getJson<HostAlertSettings>(idPath('hosts', id, '/alert-settings'));
      if (destroyed) return;
      setText(el.querySelector('h1') ?? el, t('rules.title', { host: s.host }));
      // The actions this host may run (operators and admins; a viewer only reads the settings).
      const choices = editable
        ? await getJson<{ actions: ActionView[] }>(idPath('hosts', s.host, '/actions')).then((a) => a.actions, () => [] as ActionView[])
        : [];
      if (destroyed) return;
      render(s, choices);
    } catch (error) {
      if (destroyed) return;
      if (error instanceof ApiError && error.code === 'VIGIE_ERR_NOT_FOUND') loadLine.ok(t('rules.unavailable'));
      else loadLine.error(error);
    }
  };
  void load();
  return { el, destroy() { destroyed = true; } };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

const MAX_SHOWN = 300;

/** The host's services with a checkbox each; the search only hides rows, checked ones stay checked. */
function createWatchList(s: HostAlertSettings, editable: boolean): { el: HTMLElement; values(): string[] } {
  const watched = new Set(s.effective.services.watch);
  // Watched names the host no longer reports stay listed, so they can be unchecked.
  const names = [...new Set([...s.services, ...watched])].sort((a, b) => a.localeCompare(b));
  const search = h('input', { type: 'search', class: 'filter', placeholder: t('rules.searchServices'), 'aria-label': t('rules.searchServices'), 'data-testid': 'services-search' });
  const count = h('span', { class: 'muted panel-note' });
  const rows = names.map((name) => {
    const box = h('input', { type: 'checkbox', checked: watched.has(name), disabled: !editable, 'data-testid': 'service-watch', 'data-service': name });
    box.addEventListener('change', () => {
      if (box.checked) watched.add(name);
      else watched.delete(name);
      renderCount();
    });
    const missing = !s.services.includes(name);
    return { name, el: h('li', null, h('label', { class: 'check' }, box, h('span', { class: 'svc-name' }, name), missing ? h('span', { class: 'muted small' }, t('rules.notReported')) : null)) };
  });
  const list = h('ul', { class: 'services watch-list' });
  const empty = h('p', { class: 'muted' }, names.length ? t('services.noMatch') : t('services.none'));
  const renderCount = (): void => setText(count, t('rules.watching', { n: watched.size }));
  const filter = (): void => {
    const needle = search.value.trim().toLowerCase();
    // Watched first, so what matters is at the top of a long list.
    const shown = rows.filter((r) => !needle || r.name.toLowerCase().includes(needle))
      .sort((a, b) => Number(watched.has(b.name)) - Number(watched.has(a.name)) || a.name.localeCompare(b.name))
      .slice(0, MAX_SHOWN);
    replaceChildren(list, ...shown.map((r) => r.el));
    empty.hidden = shown.length > 0;
  };
  search.addEventListener('input', filter);
  filter();
  renderCount();
  return {
    el: h('div', null, h('div', { class: 'panel-head' }, h('span', { class: 'muted small' }, t('rules.servicesHint')), count), search, list, empty),
    values: () => names.filter((n) => watched.has(n)),
  };
}
