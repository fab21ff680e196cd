import { getJson, idPath } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { ScriptVersionView, ScriptView } from '../script-types.js';
import { button, errorText } from './ui.js';

/**
 * Every version of a script, newest first (GET /api/scripts/:id/versions):
 * when, by whom, its interpreter, timeout, parameters and body, each in a
 * <details> so a long history stays short; the newest is open.
 */
export function createVersionsPanel(script: ScriptView, close: () => void): HTMLElement {
  const list = h('div', { class: 'versions', 'data-testid': 'script-versions-list' }, h('p', { class: 'muted' }, t('runs.loading')));
  const el = h('div', { class: 'panel', 'data-testid': 'script-versions-panel', 'data-id': script.id },
    h('div', { class: 'panel-head' }, h('h2', { class: 'panel-title' }, `${t('scripts.versions')} · ${script.name}`),
      button(t('scripts.hideVersions'), { class: 'btn small', 'data-testid': 'script-versions-close' }, close)),
    list);
  void (async () => {
    try {
      const answer = await getJson<{ versions: ScriptVersionView[] }>(idPath('scripts', script.id, '/versions'));
      if (!answer.versions.length) {
        replaceChildren(list, h('p', { class: 'muted' }, t('scripts.versionsEmpty')));
        return;
      }
      replaceChildren(list, ...answer.versions.map((v, i) => h('details', { open: i === 0, 'data-testid': 'script-version-entry', 'data-version': v.version },
        h('summary', null, t('scripts.versionLine', { version: v.version, when: formatDateTime(v.at), who: v.by ?? 'vigie' })),
        h('dl', { class: 'kv' },
          h('dt', null, t('scripts.col.interpreter')), h('dd', { class: 'mono' }, v.interpreter),
          h('dt', null, t('scripts.f.timeout')), h('dd', null, String(v.timeout)),
          h('dt', null, t('scripts.f.params')), h('dd', { class: 'mono' }, v.params.length ? v.params.map((p) => `${p.name}: ${p.type}`).join(', ') : '—'),
          h('dt', null, 'sha256'), h('dd', { class: 'mono small' }, v.sha256)),
        h('pre', { class: 'version-body', 'data-testid': 'script-version-body' }, v.body))));
    } catch (error) {
      replaceChildren(list, h('p', { class: 'form-msg', 'data-kind': 'error', role: 'alert' }, errorText(error)));
    }
  })();
  return el;
}
