import { checkState } from '../../../../checks/view.js';
import { h, setText } from '../dom.js';
import { formatAgo, formatDuration, formatNumber, formatPercent } from '../format.js';
import { t } from '../i18n/index.js';
import type { CheckResultRecord, CheckRunnerView, CheckState, CheckView } from '../model.js';

/**
 * What the Checks pages say about a check's state, whatever the page: the
 * badge (a word and a shape, never a colour alone), latency and percentages
 * in the page's language, and the state recomputed after a live result with
 * the server's own rule (paused, pending, down, partial, up).
 */

/** Runners with a result, and those of them that are down. */
export function runnerCounts(runners: readonly CheckRunnerView[]): { withResult: number; down: number } {
  const withResult = runners.filter((r) => r.result !== null);
  return { withResult: withResult.length, down: withResult.filter((r) => r.result?.state === 'down').length };
}

/** The check with one runner's new result; null when that runner is not one of the check's (the list must be reloaded). */
export function withResult(check: CheckView, rec: CheckResultRecord): CheckView | null {
  const i = check.runners.findIndex((r) => r.runner === rec.runner);
  if (i < 0) return null;
  const runners = check.runners.map((r, j) => (j === i ? { ...r, result: rec.result, receivedAt: rec.receivedAt } : r));
  // The server's own rule (checks/view.ts), for a live update between two loads.
  return { ...check, runners, state: checkState(check, runners) };
}

/** "Up", "Down", "Down from 1 of 2 places", "Pending", "Paused". */
export function stateText(check: Pick<CheckView, 'state' | 'runners'>): string {
  if (check.state === 'partial') {
    const { withResult, down } = runnerCounts(check.runners);
    return t('checks.state.partialN', { down, total: withResult });
  }
  return t(`checks.state.${check.state}`);
}

// A symbol with the word: the state reads without colour, and at a glance in a long list.
const SYMBOL: Record<CheckState, string> = { up: '▲', down: '▼', partial: '◆', pending: '…', paused: 'Ⅱ' };

/** The badge of a state: symbol and word, coloured by `data-ck` (app.css). */
export function stateBadge(check: Pick<CheckView, 'state' | 'runners'>, attrs: Record<string, string> = {}): HTMLElement {
  const el = h('span', { class: 'ck-badge', ...attrs });
  updateBadge(el, check);
  return el;
}

export function updateBadge(el: HTMLElement, check: Pick<CheckView, 'state' | 'runners'>): void {
  el.dataset.ck = check.state;
  const text = stateText(check);
  el.replaceChildren(h('span', { class: 'ck-sym', 'aria-hidden': 'true' }, SYMBOL[check.state]), text);
  el.title = t(`checks.stateHint.${check.state}`);
}

/** The state of one runner's latest result. */
export function runnerState(r: CheckRunnerView): 'up' | 'down' | 'pending' {
  return r.result ? r.result.state : 'pending';
}

export function runnerBadge(r: CheckRunnerView): HTMLElement {
  const state = runnerState(r);
  return h('span', { class: 'ck-badge small', 'data-ck': state, 'data-testid': 'runner-state' },
    h('span', { class: 'ck-sym', 'aria-hidden': 'true' }, SYMBOL[state]), t(`checks.state.${state}`));
}

/** Seconds → "123 ms" / "1.2 s". */
export function formatLatency(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  if (seconds < 1) return `${formatNumber(seconds * 1000, seconds < 0.01 ? 1 : 0)} ms`;
  return `${formatNumber(seconds, 2)} s`;
}

/** The latency shown for a check: the slowest of its runners' latest results (the one people would feel). */
export function checkLatency(check: Pick<CheckView, 'runners'>): number | null {
  const values = check.runners.map((r) => r.result?.latency).filter((v): v is number => typeof v === 'number');
  return values.length ? Math.max(...values) : null;
}

/** Availability: two decimals below 100 %, so 99.95 % does not read as 100 %; "no data" is not 100 %. */
export function formatAvailability(percent: number | null | undefined): string {
  if (typeof percent !== 'number' || !Number.isFinite(percent)) return t('checks.noData');
  return formatPercent(percent >= 100 ? 100 : Math.floor(percent * 100) / 100, 2);
}

/** "99 % target · 80 % of the budget left (1 h 12 min)". */
export function budgetText(check: Pick<CheckView, 'budget' | 'sla'>): string {
  const b = check.budget;
  const target = formatPercent(check.sla, 3);
  if (b.leftPercent === null) return t('checks.budgetNone', { target });
  // Below zero: more downtime than the target allows (the server may say by how much).
  if (b.leftPercent < 0) return t('checks.budgetOver', { target, over: formatDuration(Math.max(0, b.usedSeconds - b.allowedSeconds)) });
  const leftSeconds = Math.max(0, b.allowedSeconds - b.usedSeconds);
  return t('checks.budgetLeft', { target, left: formatPercent(b.leftPercent, 0), time: formatDuration(leftSeconds) });
}

/** The most telling message: a down runner's, else the newest. */
export function lastMessage(check: Pick<CheckView, 'runners'>): string {
  const results = check.runners.filter((r) => r.result).sort((a, b) => (b.receivedAt ?? 0) - (a.receivedAt ?? 0));
  const down = results.find((r) => r.result?.state === 'down');
  return (down ?? results[0])?.result?.message ?? '';
}

/** What a runner is called: its label with its id, else its id. */
export const runnerName = (r: Pick<CheckRunnerView, 'runner' | 'label'>): string =>
  r.label && r.label !== r.runner ? `${r.label} (${r.runner})` : r.runner;

/** A runner's age line, updated in place by `tickAges`. */
export function ageCell(r: CheckRunnerView): HTMLElement {
  const el = h('span', { class: 'ck-age muted', 'data-received': r.receivedAt ?? '' });
  setText(el, formatAgo(r.receivedAt, Date.now()));
  return el;
}

/** Refreshes every age under `root` ("12 s ago" keeps counting). */
export function tickAges(root: HTMLElement): void {
  const now = Date.now();
  for (const el of root.querySelectorAll<HTMLElement>('.ck-age')) {
    const ts = Number(el.dataset.received);
    setText(el, formatAgo(ts > 0 ? ts : null, now));
  }
}
