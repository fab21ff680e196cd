import type { ContainerMetrics, MetricsPayload } from '../../../../protocol/payloads.js';
import { h, replaceChildren } from '../dom.js';
import { formatBytes, formatPercent, formatRate } from '../format.js';
import { t } from '../i18n/index.js';

/** Problems first, then by name: a stopped or unhealthy container is what one looks for. */
const ORDER: Record<string, number> = { dead: 0, exited: 1, restarting: 2, paused: 3, created: 4, removing: 5, running: 6 };
const rank = (c: ContainerMetrics): number => (c.health === 'unhealthy' ? -1 : ORDER[c.state] ?? 9);

/**
 * The host page's Containers panel (issue 15, docs/containers.md): one row per
 * container of the sample's `containers` group, updated live with each
 * sample. Hidden while the host reports no containers. Text goes through
 * text nodes only (names come from the host).
 */
export function createContainersPanel(): { el: HTMLElement; update(m: MetricsPayload | null | undefined): void } {
  const summary = h('span', { class: 'muted panel-note', 'data-testid': 'containers-summary' });
  const body = h('tbody');
  const table = h('table', { class: 'table containers' },
    h('thead', null, h('tr', null,
      h('th', null, t('containers.name')), h('th', null, t('containers.state')), h('th', null, t('containers.health')),
      h('th', { class: 'num' }, t('containers.restarts')), h('th', { class: 'num' }, t('containers.cpu')), h('th', { class: 'num' }, t('containers.memory')),
      h('th', { class: 'num' }, t('containers.net')))),
    body);
  const el = h('section', { class: 'panel containers-panel', 'data-testid': 'containers', hidden: true },
    h('div', { class: 'panel-head' }, h('h3', null, t('containers.title')), summary),
    h('div', { class: 'table-wrap' }, table));

  return {
    el,
    update(m) {
      // A sample without the group (the collector failed once) keeps the last table.
      if (!m || m.containers === undefined) return;
      const all = [...m.containers].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
      el.hidden = all.length === 0;
      summary.textContent = t('containers.summary', { running: all.filter((c) => c.state === 'running').length, n: all.length });
      // `data-label` names each cell where a phone shows the rows as cards (app.css, max-width 760px).
      const cell = (label: string, cls: string | null, ...children: (Node | string | null)[]): HTMLElement =>
        h('td', { 'data-label': label, ...(cls ? { class: cls } : {}) }, ...children);
      replaceChildren(body, ...all.map((c) => h('tr', { 'data-state': c.state, 'data-health': c.health, 'data-name': c.name },
        cell('', null, h('div', { class: 'ctr-name' }, c.name), h('div', { class: 'muted small mono' }, c.image)),
        // One wrapper: the card layout has two columns, label and value.
        cell(t('containers.state'), null, h('div', null, h('span', { class: 'ctr-state' }, h('span', { class: 'dot' }), t(`containers.s.${c.state}`)),
          c.exitCode !== undefined && c.state !== 'running' ? h('div', { class: 'muted small' }, t('containers.exit', { code: c.exitCode })) : null)),
        cell(t('containers.health'), 'ctr-health', t(`containers.h.${c.health}`)),
        cell(t('containers.restarts'), 'num', String(c.restarts)),
        cell(t('containers.cpu'), 'num', c.cpu === undefined ? '–' : formatPercent(c.cpu, 1)),
        cell(t('containers.memory'), 'num', c.memUsed === undefined ? '–' : c.memLimit ? `${formatBytes(c.memUsed)} / ${formatBytes(c.memLimit)}` : formatBytes(c.memUsed)),
        cell(t('containers.net'), 'num', c.rxRate === undefined && c.txRate === undefined ? '–' : `↓ ${formatRate(c.rxRate)} ↑ ${formatRate(c.txRate)}`))));
    },
  };
}
