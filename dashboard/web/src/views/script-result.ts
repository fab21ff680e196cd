import { h } from '../dom.js';
import { formatBytes, formatNumber, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import type { NagiosStatus, Perfdata, ScriptResult } from '../script-types.js';
import { reasonText } from './run-view.js';
import { formatLatency } from './check-state.js';

/**
 * A script check's result (issue 14): its Nagios status as a pill with a
 * word (ok, warning, critical, unknown: the check's up/down alone would
 * hide a warning), the exit code, the agent's refusal if it did not run it,
 * its perfdata values with their warning and critical ranges, and the long
 * output (lines after the first) as text.
 */

export function nagiosPill(status: NagiosStatus, attrs: Record<string, string> = {}): HTMLElement {
  return h('span', { class: 'pill nagios', 'data-status': status, 'data-testid': 'nagios-status', ...attrs }, t(`scripts.status.${status}`));
}

/** One perfdata value in its unit, in the page's language. */
export function formatPerf(p: Pick<Perfdata, 'value' | 'unit'>): string {
  switch (p.unit) {
    case '%': return formatPercent(p.value, 2);
    case 's': return formatLatency(p.value);
    case 'B': return formatBytes(p.value);
    case 'c': return `${formatNumber(p.value, 0)} c`;
    default: return formatNumber(p.value, 3);
  }
}

/** The series key of one perfdata label (protocol/metric-series.ts): `<check>/<label>`, label lower-cased and sanitised. */
export function perfKey(check: string, label: string): string {
  return `${check}/${label.toLowerCase().replace(/[^a-z0-9._-]/g, '_').slice(0, 62)}`;
}

/** The lines a script result adds to a runner's result panel. */
export function scriptResultRows(r: ScriptResult): ([string, Node | string])[] {
  return [
    [t('scripts.result.status'), nagiosPill(r.status)],
    [t('scripts.result.exit'), h('span', { class: 'mono', 'data-testid': 'script-exit' }, r.exit === null ? '–' : String(r.exit))],
    [t('scripts.result.script'), h('span', { class: 'mono' }, `${r.script}@${r.version}`)],
  ];
}

/** Refusal, perfdata table and long output, under the result's lines. */
export function scriptResultBlocks(r: ScriptResult): HTMLElement[] {
  const blocks: HTMLElement[] = [];
  if (r.refused) blocks.push(h('p', { class: 'form-msg', 'data-kind': 'error', 'data-testid': 'script-refused', 'data-reason': r.refused }, t('scripts.result.refused', { reason: reasonText(r.refused) })));
  if (r.perfdata.length) {
    blocks.push(h('div', { class: 'ck-perf', 'data-testid': 'perfdata' },
      h('h4', null, t('scripts.perfdata')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'perf-table' },
        h('thead', null, h('tr', null, ...[t('scripts.perfdata.label'), t('scripts.perfdata.value'), t('scripts.perfdata.warn'), t('scripts.perfdata.crit'), t('scripts.perfdata.range')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, ...r.perfdata.map((p) => h('tr', { 'data-testid': 'perf-row', 'data-label': p.label },
          h('td', { class: 'mono' }, p.label),
          h('td', { class: 'num strong', 'data-testid': 'perf-value' }, formatPerf(p)),
          h('td', { class: 'mono' }, p.warn ?? '–'),
          h('td', { class: 'mono' }, p.crit ?? '–'),
          h('td', { class: 'num' }, p.min !== undefined || p.max !== undefined
            ? `${p.min !== undefined ? formatPerf({ value: p.min, unit: p.unit }) : '–'} – ${p.max !== undefined ? formatPerf({ value: p.max, unit: p.unit }) : '–'}` : '–'))))))));
  }
  if (r.long) blocks.push(h('div', null, h('h4', null, t('scripts.result.long')), h('pre', { class: 'ck-pre', 'data-testid': 'script-long' }, r.long)));
  return blocks;
}
