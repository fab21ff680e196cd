import { h } from '../dom.js';
import { locale, t } from '../i18n/index.js';
import type { DailyAvailability } from '../model.js';
import { formatAvailability } from './check-state.js';

/**
 * The 90-day strip: one bar per UTC day, oldest first. A day without data
 * is grey and says "no data" (it is not 100 %); a day below 100 % is marked
 * by how bad it was. The lowest runner counts, so an outage seen from one
 * place of two still shows. Each bar's title and label give the date and %.
 */

export type DayLevel = 'none' | 'full' | 'minor' | 'major' | 'down';

/** How a day looks: its worst runner's availability against the SLA target. */
export function dayLevel(d: DailyAvailability, sla: number): DayLevel {
  const v = d.worst ?? d.percent;
  if (v === null) return 'none';
  if (v >= 100) return 'full';
  if (v >= sla) return 'minor';
  return v > 0 ? 'major' : 'down';
}

export function createDailyBars(days: readonly DailyAvailability[], sla: number): HTMLElement {
  const fmt = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' });
  const bars = days.map((d) => {
    const level = dayLevel(d, sla);
    let text = `${fmt.format(d.day)}: ${formatAvailability(d.percent)}`;
    if (d.worst !== null && d.percent !== null && d.worst < d.percent) text += ` · ${t('checks.bars.worst', { v: formatAvailability(d.worst) })}`;
    return h('span', { class: 'ck-bar', role: 'img', 'data-level': level, 'data-day': new Date(d.day).toISOString().slice(0, 10), 'data-testid': 'day-bar', title: text, 'aria-label': text });
  });
  const known = days.filter((d) => d.percent !== null);
  const first = days[0];
  const last = days.at(-1);
  return h('div', { class: 'ck-bars-wrap' },
    h('div', { class: 'ck-bars', 'data-testid': 'day-bars', role: 'group', 'aria-label': t('checks.bars.label', { n: days.length }) }, ...bars),
    h('div', { class: 'ck-bars-axis muted small' },
      h('span', null, first ? fmt.format(first.day) : ''),
      h('span', null, known.length ? t('checks.bars.known', { n: known.length, total: days.length }) : t('checks.bars.empty')),
      h('span', null, last ? t('checks.bars.today') : '')),
    h('div', { class: 'ck-legend muted small' },
      ...(['full', 'minor', 'major', 'down', 'none'] as const).map((l) => h('span', { class: 'ck-legend-item' }, h('span', { class: 'ck-bar', 'data-level': l, 'aria-hidden': 'true' }), t(`checks.bars.${l}`)))));
}
