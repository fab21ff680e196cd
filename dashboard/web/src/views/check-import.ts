import { ApiError, apiPath, sendJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CheckImportResult } from '../model.js';
import { dottedField } from './check-form.js';
import { button, messageLine, panel, run } from './ui.js';

/**
 * Checks as code in the browser: download every visible check as YAML or
 * JSON (GET /api/checks/export), or upload a file: the server's dry run says
 * what would be created, updated and deleted, then "Apply" does it. Errors
 * are listed per item of the file (`checks[2]…` → item 3).
 */

const MAX_FILE = 1024 * 1024;

/** Errors of an import grouped by item: `checks.2.http.acceptStatus.0` → item 3, `http.acceptStatus.0`. */
export function errorsByItem(fields: readonly { field: string; message: string }[]): { item: number | null; field: string; message: string }[] {
  return fields.map((f) => {
    const path = dottedField(f.field);
    const m = /^checks\.(\d+)(?:\.(.*))?$/.exec(path);
    return m ? { item: Number(m[1]) + 1, field: m[2] ?? '', message: f.message } : { item: null, field: path, message: f.message };
  });
}

export function createImportPanel(canImport: boolean, onApplied: () => void): HTMLElement {
  const exportLinks = h('div', { class: 'actions' },
    h('a', { class: 'btn', href: apiPath('/checks/export', { format: 'yaml' }), download: 'vigie-checks.yaml', 'data-testid': 'checks-export-yaml' }, t('checks.io.exportYaml')),
    h('a', { class: 'btn', href: apiPath('/checks/export', { format: 'json' }), download: 'vigie-checks.json', 'data-testid': 'checks-export-json' }, t('checks.io.exportJson')));
  if (!canImport) return panel(t('checks.io.title'), h('p', { class: 'muted' }, t('checks.io.exportIntro')), exportLinks);

  const line = messageLine({ 'data-testid': 'import-msg' });
  const file = h('input', { type: 'file', class: 'input', accept: '.yaml,.yml,.json,application/json,application/yaml,text/yaml', 'data-testid': 'import-file' });
  const mode = h('select', { class: 'input', 'data-testid': 'import-mode' },
    h('option', { value: 'merge' }, t('checks.io.merge')),
    h('option', { value: 'replace' }, t('checks.io.replace')));
  const outcome = h('div', { class: 'ck-import-outcome', 'data-testid': 'import-outcome', 'aria-live': 'polite' });
  const preview = button(t('checks.io.preview'), { class: 'btn primary', 'data-testid': 'import-preview' });
  const apply = button(t('checks.io.apply'), { class: 'btn primary', 'data-testid': 'import-apply', hidden: true });
  const scope = h('div', { class: 'form wide ck-import' },
    h('div', { class: 'inline-form form' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('checks.io.file')), file),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('checks.io.mode')), mode)),
    h('p', { class: 'field-hint muted' }, t('checks.io.modeHint')),
    h('div', { class: 'actions' }, preview, apply),
    line.el, outcome);

  let pending: { format: 'yaml' | 'json'; text: string; mode: string } | null = null;
  const reset = (): void => {
    pending = null;
    apply.hidden = true;
    replaceChildren(outcome);
  };
  file.addEventListener('change', reset);
  mode.addEventListener('change', reset);

  const list = (key: 'created' | 'updated' | 'deleted' | 'unchanged', ids: string[]): HTMLElement =>
    h('div', { class: 'ck-import-group', 'data-kind': key, 'data-testid': `import-${key}`, 'data-count': ids.length },
      h('strong', null, t(`checks.io.${key}`, { n: ids.length })),
      ids.length ? h('span', { class: 'mono' }, ` ${ids.join(', ')}`) : null);

  const showResult = (r: CheckImportResult, dry: boolean): void => {
    replaceChildren(outcome,
      h('p', { class: 'strong' }, dry ? t('checks.io.dryTitle') : t('checks.io.doneTitle')),
      list('created', r.created), list('updated', r.updated), list('deleted', r.deleted), list('unchanged', r.unchanged));
  };

  const showErrors = (error: unknown): boolean => {
    if (!(error instanceof ApiError) || error.fields.length === 0) return false;
    replaceChildren(outcome, h('p', { class: 'strong' }, t('checks.io.errors')),
      h('ul', { class: 'ck-import-errors', 'data-testid': 'import-errors' }, ...errorsByItem(error.fields).map((e) =>
        h('li', { 'data-item': e.item ?? '' },
          h('strong', null, e.item === null ? t('checks.io.fileLevel') : t('checks.io.item', { n: e.item })),
          e.field ? h('span', { class: 'mono' }, ` ${e.field}`) : null,
          `: ${e.message}`))));
    return true;
  };

  const send = async (dryRun: boolean): Promise<void> => {
    if (!pending) return;
    try {
      const r = await sendJson<CheckImportResult>('POST', apiPath('/checks/import'), { ...pending, dryRun });
      showResult(r, dryRun);
      apply.hidden = !dryRun;
      if (!dryRun) {
        pending = null;
        line.ok(t('checks.io.applied'));
        onApplied();
      }
    } catch (error) {
      apply.hidden = true;
      if (showErrors(error)) throw new Error(t('checks.io.refused'));
      throw error;
    }
  };

  preview.addEventListener('click', () => void run(scope, line, async () => {
    reset();
    const f = file.files?.[0];
    if (!f) throw new Error(t('checks.io.noFile'));
    if (f.size > MAX_FILE) throw new Error(t('checks.io.tooBig', { max: '1 MiB' }));
    const text = await f.text();
    const format = /\.json$/i.test(f.name) || /^\s*[{[]/.test(text) ? 'json' : 'yaml';
    pending = { format, text, mode: mode.value };
    await send(true);
  }));
  apply.addEventListener('click', () => void run(scope, line, () => send(false)));

  return panel(t('checks.io.title'), h('p', { class: 'muted' }, t('checks.io.intro')), exportLinks, scope);
}
