import { h, replaceChildren } from '../dom.js';
import { t } from '../i18n/index.js';
import type { CheckView } from '../model.js';
import {
  ageCell, budgetText, checkLatency, formatAvailability, formatLatency, lastMessage, runnerBadge, runnerName, stateBadge,
} from './check-state.js';
import { nagiosPill } from './script-result.js';

/**
 * One check in the list: state, name, kind and target; latency,
 * availability over 24 h / 7 d / 30 d, SLA target and error budget; the
 * last message; and each runner's state, latency and age of its result.
 * `update` redraws it in place when a live result arrives.
 */

const metric = (label: string, value: string, testid: string, empty = false): HTMLElement =>
  h('div', { class: 'ck-metric', 'data-testid': testid }, h('span', { class: 'ck-metric-label' }, label), h('span', { class: 'ck-metric-value', 'data-empty': empty }, value));

export function checkHref(id: string): string {
  return `#/checks/${encodeURIComponent(id)}`;
}

export interface CheckCard {
  el: HTMLElement;
  update(c: CheckView): void;
}

export function createCheckCard(initial: CheckView): CheckCard {
  const el = h('article', { class: 'ck-card', 'data-testid': 'check-row' });
  const update = (c: CheckView): void => {
    el.dataset.id = c.id;
    el.dataset.state = c.state;
    el.dataset.ck = c.state;
    el.dataset.group = c.groupId === null ? '' : String(c.groupId);
    const msg = lastMessage(c);
    replaceChildren(el,
      h('div', { class: 'ck-card-head' },
        stateBadge(c, { 'data-testid': 'check-state' }),
        h('a', { class: 'ck-name', href: checkHref(c.id), 'data-testid': 'check-name' }, c.name),
        h('span', { class: 'tag ck-kind' }, t(`checks.kind.${c.kind}`))),
      h('div', { class: 'ck-target mono muted', 'data-testid': 'check-target' }, c.port !== undefined && c.kind !== 'http' ? `${c.target}:${c.port}` : c.target),
      h('div', { class: 'ck-metrics' },
        metric(t('checks.col.latency'), formatLatency(checkLatency(c)), 'check-latency', checkLatency(c) === null),
        metric(t('checks.col.day'), formatAvailability(c.availability.day), 'check-day', c.availability.day === null),
        metric(t('checks.col.week'), formatAvailability(c.availability.week), 'check-week', c.availability.week === null),
        metric(t('checks.col.month'), formatAvailability(c.availability.month), 'check-month', c.availability.month === null),
        h('div', { class: 'ck-metric ck-budget', 'data-testid': 'check-budget' }, h('span', { class: 'ck-metric-label' }, t('checks.col.sla')), h('span', { class: 'ck-metric-value small' }, budgetText(c)))),
      msg ? h('p', { class: 'ck-msg', 'data-testid': 'check-message' }, msg) : null,
      c.runners.length
        ? h('table', { class: 'ck-runners-table' },
          h('thead', null, h('tr', null, ...[t('checks.col.runner'), t('checks.col.state'), t('checks.col.latency'), t('checks.col.age')].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', null, ...c.runners.map((r) => h('tr', { 'data-testid': 'runner-row', 'data-runner': r.runner },
            h('td', { class: 'ck-runner-name' }, runnerName(r)),
            // A script check also says its Nagios status: a warning is up, yet worth seeing (issue 14).
            h('td', null, runnerBadge(r), r.result?.script ? nagiosPill(r.result.script.status, { class: 'pill nagios small' }) : null),
            h('td', { class: 'num' }, formatLatency(r.result?.latency)),
            h('td', null, ageCell(r))))))
        : null);
  };
  update(initial);
  return { el, update };
}
