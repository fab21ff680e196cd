import { h } from '../dom.js';
import { formatDateTime, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import type { CheckResultPayload, CheckRunnerView } from '../model.js';
import { ageCell, formatLatency, runnerBadge, runnerName } from './check-state.js';
import { scriptResultBlocks, scriptResultRows } from './script-result.js';

/**
 * The latest result of each runner, in detail: HTTP phases and status, the
 * certificate (days left, issuer, chain, host-name match), DNS answers, ping
 * loss and RTT; and the last failure's path trace or response excerpt, as
 * text in a <pre>.
 */

const DAY_MS = 864e5;

const kv = (pairs: ([string, Node | string] | null)[]): HTMLElement =>
  h('dl', { class: 'kv' }, ...pairs.filter((p): p is [string, Node | string] => p !== null).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));

const yesNo = (ok: boolean, testid: string): HTMLElement =>
  h('span', { class: 'ck-yesno', 'data-ok': ok ? 'yes' : 'no', 'data-testid': testid }, ok ? `✓ ${t('checks.yes')}` : `✗ ${t('checks.no')}`);

/** Days left on a certificate; negative once expired. */
export const certDaysLeft = (notAfter: number, now: number): number => Math.floor((notAfter - now) / DAY_MS);

function phases(r: CheckResultPayload): HTMLElement | null {
  if (!r.phases) return null;
  const p = r.phases;
  const parts: ['dns' | 'connect' | 'tls' | 'firstByte', number | null][] = [['dns', p.dns], ['connect', p.connect], ['tls', p.tls], ['firstByte', p.firstByte]];
  const total = parts.reduce((s, [, v]) => s + (v ?? 0), 0);
  // A stacked bar with each phase's share, and the numbers in words beside it (the bar alone would be colour only).
  const bar = h('div', { class: 'ck-phases-bar', 'aria-hidden': 'true' }, ...parts.map(([name, v]) => {
    const seg = h('span', { class: 'ck-phase', 'data-phase': name });
    seg.style.flexGrow = String(total > 0 && v ? v / total : 0);
    return seg;
  }));
  return h('div', { class: 'ck-phases', 'data-testid': 'http-phases' }, bar,
    h('ul', { class: 'ck-phase-list' }, ...parts.map(([name, v]) => h('li', { 'data-phase': name },
      h('span', { class: 'ck-phase-key', 'aria-hidden': 'true' }), h('span', null, `${t(`checks.phase.${name}`)}:`), h('strong', null, v === null ? t('checks.phase.skipped') : formatLatency(v))))));
}

function cert(r: CheckResultPayload, now: number): HTMLElement | null {
  if (!r.cert) return null;
  const c = r.cert;
  const days = certDaysLeft(c.notAfter, now);
  return h('div', { class: 'ck-cert', 'data-testid': 'cert' },
    h('h4', null, t('checks.cert.title')),
    kv([
      [t('checks.cert.daysLeft'), h('span', { class: 'strong', 'data-testid': 'cert-days', 'data-days': days }, days < 0 ? t('checks.cert.expired', { n: -days }) : t('checks.cert.days', { n: days }))],
      [t('checks.cert.notAfter'), formatDateTime(c.notAfter)],
      [t('checks.cert.subject'), h('span', { class: 'mono' }, c.subject)],
      [t('checks.cert.issuer'), h('span', { class: 'mono' }, c.issuer)],
      [t('checks.cert.chain'), yesNo(c.chainValid, 'cert-chain')],
      [t('checks.cert.hostname'), yesNo(c.hostnameMatch, 'cert-hostname')],
      c.error ? [t('checks.cert.error'), c.error] : null,
    ]));
}

function ping(r: CheckResultPayload): HTMLElement | null {
  if (!r.ping) return null;
  const p = r.ping;
  return h('div', { class: 'ck-ping', 'data-testid': 'ping' }, kv([
    [t('checks.ping.loss'), `${formatPercent(p.loss, 1)} (${t('checks.ping.received', { received: p.received, sent: p.sent })})`],
    [t('checks.ping.rtt'), `${formatLatency(p.min)} / ${formatLatency(p.avg)} / ${formatLatency(p.max)}`],
  ]));
}

function answers(r: CheckResultPayload): HTMLElement | null {
  if (!r.answers) return null;
  return h('div', { class: 'ck-answers' }, h('h4', null, t('checks.dns.answers')),
    r.answers.length
      ? h('ul', { class: 'ck-answer-list mono', 'data-testid': 'dns-answers' }, ...r.answers.map((a) => h('li', null, a)))
      : h('p', { class: 'muted' }, t('checks.dns.none')));
}

/** One runner's latest result. */
export function runnerResultPanel(r: CheckRunnerView, now = Date.now()): HTMLElement {
  const res = r.result;
  const head = h('div', { class: 'panel-head' }, h('h3', null, runnerName(r)), runnerBadge(r));
  if (!res) return h('section', { class: 'panel ck-result', 'data-runner': r.runner, 'data-testid': 'runner-result' }, head, h('p', { class: 'muted' }, t('checks.noResult')));
  return h('section', { class: 'panel ck-result', 'data-runner': r.runner, 'data-testid': 'runner-result' },
    head,
    kv([
      [t('checks.col.message'), h('span', { 'data-testid': 'result-message' }, res.message)],
      [t('checks.col.latency'), formatLatency(res.latency)],
      res.status !== undefined ? [t('checks.http.status'), String(res.status)] : null,
      ...(res.script ? scriptResultRows(res.script) : []),
      [t('checks.col.age'), ageCell(r)],
    ]),
    phases(res), cert(res, now), ping(res), answers(res), ...(res.script ? scriptResultBlocks(res.script) : []));
}

/** The last failure among the runners' latest results: its trace, else its excerpt. */
export function lastFailurePanel(runners: readonly CheckRunnerView[]): HTMLElement {
  const failed = runners.filter((r) => r.result?.state === 'down').sort((a, b) => (b.receivedAt ?? 0) - (a.receivedAt ?? 0));
  const f = failed[0];
  const title = h('h2', { class: 'panel-title' }, t('checks.failure.title'));
  if (!f?.result) return h('section', { class: 'panel ck-failure', 'data-testid': 'last-failure' }, title, h('p', { class: 'muted' }, t('checks.failure.none')));
  const res = f.result;
  const blocks: HTMLElement[] = [];
  if (res.trace) blocks.push(h('h4', null, t('checks.failure.trace')), h('pre', { class: 'ck-pre', 'data-testid': 'failure-trace' }, res.trace));
  if (res.excerpt) blocks.push(h('h4', null, t('checks.failure.excerpt')), h('pre', { class: 'ck-pre', 'data-testid': 'failure-excerpt' }, res.excerpt));
  if (!blocks.length) blocks.push(h('p', { class: 'muted' }, t('checks.failure.noDetail')));
  return h('section', { class: 'panel ck-failure', 'data-testid': 'last-failure' }, title,
    h('p', null, t('checks.failure.line', { runner: runnerName(f), when: formatDateTime(f.receivedAt ?? res.ts), msg: res.message })),
    ...blocks);
}
