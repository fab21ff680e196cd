import { apiPath, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import { SCOPES, type ApiToken, type Scope } from '../model.js';
import { button, confirmButton, dataTable, field, input, messageLine, onSubmit, panel, secretBox } from './ui.js';

/** API tokens: mine (an admin sees everyone's), create with a scope, the secret shown once, revoke. */

export const scopeLabel = (scope: Scope): string => t(`scope.${scope}`);

export function createTokensPanel(isAdmin: boolean): { el: HTMLElement; load(): Promise<void> } {
  const name = input({ required: true, maxlength: 64, autocomplete: 'off', 'data-testid': 'token-name' });
  const scope = h('select', { class: 'input', 'data-testid': 'token-scope' }, ...SCOPES.map((s) => h('option', { value: s }, scopeLabel(s))));
  const formLine = messageLine({ 'data-testid': 'token-error' });
  const form = h('form', { class: 'form inline-form', 'data-testid': 'token-form' },
    field(t('tokens.name'), name),
    field(t('tokens.scope'), scope),
    h('button', { type: 'submit', class: 'btn primary' }, t('tokens.create')),
    formLine.el);
  const created = h('div', { class: 'once', hidden: true });
  const listLine = messageLine();
  const columns = [t('tokens.name'), ...(isAdmin ? [t('tokens.user')] : []), t('tokens.scope'), t('tokens.prefix'), t('col.created'), t('tokens.lastUsed'), ''];
  const table = dataTable(columns, t('tokens.empty'));
  const el = panel(t('tokens.title'), h('p', { class: 'muted' }, t('tokens.intro')), form, created, listLine.el, table.el);

  const load = async (): Promise<void> => {
    const tokens = await getJson<ApiToken[]>(apiPath('/tokens'));
    table.clear();
    for (const tok of [...tokens].sort((a, b) => b.createdAt - a.createdAt)) {
      table.row({ 'data-testid': 'token-row', 'data-token': tok.name }, [
        h('span', { class: 'strong' }, tok.name),
        ...(isAdmin ? [tok.userName] : []),
        scopeLabel(tok.scope),
        h('span', { class: 'mono' }, `${tok.prefix}…`),
        formatDateTime(tok.createdAt),
        tok.lastUsedAt === null ? t('time.never') : formatDateTime(tok.lastUsedAt),
        confirmButton(t('tokens.revoke'), t('tokens.revokeQ', { name: tok.name }), listLine, async () => {
          await sendJson('DELETE', idPath('tokens', tok.id));
          await load();
        }, { 'data-testid': 'token-revoke' }),
      ]);
    }
  };

  onSubmit(form, formLine, async () => {
    const answer = await sendJson<{ token: ApiToken; secret: string }>('POST', apiPath('/tokens'), { name: name.value.trim(), scope: scope.value });
    name.value = '';
    replaceChildren(created,
      h('p', { class: 'warn', role: 'status' }, t('tokens.once', { name: answer.token.name })),
      secretBox(answer.secret, 'token-secret'),
      button(t('action.done'), { class: 'btn' }, () => {
        created.hidden = true;
        created.replaceChildren(); // the secret leaves the page
      }));
    created.hidden = false;
    await load();
  });

  return { el, load };
}
