import { h, replaceChildren, setText } from '../dom.js';
import { formatBytes, formatDuration } from '../format.js';
import { t } from '../i18n/index.js';
import { formatLatency } from './check-state.js';
import type { RefusalReason, RunView } from '../script-types.js';

/**
 * How a run reads, wherever it is shown (the run dialog, a host's recent
 * runs): its state as a pill with a word, then what came of it: exit code
 * and duration, killed or timed out, output dropped, the agent's refusal
 * with its reason, or no answer at all.
 */

/** The state's pill; `data-run` colours it (scripts.css), the word says it without colour. */
export function runStatePill(run: Pick<RunView, 'state' | 'exit'>, attrs: Record<string, string> = {}): HTMLElement {
  const el = h('span', { class: 'pill run-state', ...attrs });
  updateRunPill(el, run);
  return el;
}

export function updateRunPill(el: HTMLElement, run: Pick<RunView, 'state' | 'exit'>): void {
  el.dataset.run = run.state;
  // A run that ended with a non-zero exit did run, but did not succeed: coloured as a failure.
  el.dataset.ok = run.state === 'done' ? String(run.exit === 0) : '';
  setText(el, t(`runs.state.${run.state}`));
}

// Every refusal reason of the contract; a reason this page does not know yet is shown as its code.
const REASONS = ['no-key', 'bad-signature', 'wrong-host', 'expired', 'not-yet-valid', 'replayed', 'scripts-off', 'checks-only', 'not-allowed', 'unknown-script', 'bad-args', 'no-interpreter', 'busy'] as const satisfies readonly RefusalReason[];
const _all: Exclude<RefusalReason, (typeof REASONS)[number]> extends never ? true : never = true;
void _all;

/** A refusal reason in words. */
export function reasonText(reason: string): string {
  if (reason === 'server') return t('runs.reason.server');
  return (REASONS as readonly string[]).includes(reason) ? t(`runs.reason.${reason as RefusalReason}`) : reason;
}

/** The lines under a settled run: exit and duration, signal, timeout, dropped output, refusal, lost. */
export function runOutcome(run: RunView): HTMLElement {
  const el = h('div', { class: 'run-outcome', 'data-testid': 'run-outcome' });
  renderOutcome(el, run);
  return el;
}

export function renderOutcome(el: HTMLElement, run: RunView): void {
  const parts: HTMLElement[] = [];
  if (run.state === 'done') {
    parts.push(h('dl', { class: 'kv' },
      h('dt', null, t('runs.exit')), h('dd', { class: 'mono strong', 'data-testid': 'run-exit' }, run.exit === null ? '–' : String(run.exit)),
      run.duration !== null ? h('dt', null, t('runs.duration')) : null,
      run.duration !== null ? h('dd', { 'data-testid': 'run-duration' }, run.duration < 60 ? formatLatency(run.duration) : formatDuration(run.duration)) : null));
    if (run.signal) parts.push(h('p', { class: 'form-msg', 'data-kind': 'error' }, t('runs.signal', { signal: run.signal })));
    if (run.timedOut) parts.push(h('p', { class: 'form-msg', 'data-kind': 'error', 'data-testid': 'run-timed-out' }, t('runs.timedOut')));
    if (run.dropped > 0) parts.push(h('p', { class: 'muted small', 'data-testid': 'run-dropped' }, t('runs.dropped', { size: formatBytes(run.dropped) })));
  } else if (run.state === 'refused') {
    parts.push(h('p', { class: 'form-msg', 'data-kind': 'error', role: 'alert', 'data-testid': 'run-refusal', 'data-reason': run.refusal?.reason ?? '' },
      t('runs.refusedBy', { reason: reasonText(run.refusal?.reason ?? '?'), message: run.refusal?.message ?? '' })));
  } else if (run.state === 'lost') {
    parts.push(h('p', { class: 'form-msg', 'data-kind': 'error', role: 'alert', 'data-testid': 'run-lost' }, t('runs.lostText', { host: run.host })));
  }
  replaceChildren(el, ...parts);
}

/** The run's output as text (never markup), or a line saying there is none. */
export function outputBlock(text: string, attrs: Record<string, string> = {}): HTMLElement {
  return text
    ? h('pre', { class: 'run-output', tabindex: '0', ...attrs }, text)
    : h('p', { class: 'muted small', ...attrs }, t('runs.noOutput'));
}
