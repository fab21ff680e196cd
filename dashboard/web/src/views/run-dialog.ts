import { ApiError, getJson, idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatAgo } from '../format.js';
import { t } from '../i18n/index.js';
import { connection } from '../live.js';
import { isSettled, type ActionView, type RunOutputEvent, type RunView, type ScriptArgs } from '../script-types.js';
import { clearFieldErrors, fieldErrorsOf, fixSentence, focusFirst, markFieldErrors } from './field-errors.js';
import { argLines, createParamsForm, paramLabel, type ParamsForm } from './run-params.js';
import { renderOutcome, updateRunPill } from './run-view.js';
import { button, messageLine, run as runGuarded } from './ui.js';

/**
 * Running an action on a host (issue 14), from the host page, the scripts
 * library or an alert's suggested fix: a modal dialog that loads what the
 * host may run, asks for the arguments (prefilled), then asks "Run <name> on
 * <host>?" with the exact arguments, starts the run, and shows its output
 * live until it settles (done with its exit code, refused with the agent's
 * reason, or lost). Live parts come from the socket's `run` and
 * `run:output` events; GET /api/runs/:id every 2 s fills in whatever the
 * socket missed (a reconnect, an event before the run's id was known).
 * A native <dialog>: focus stays inside, Escape closes it, focus returns to
 * the button that opened it. Closing never stops the run.
 */

export interface RunDialogOptions {
  host: string;
  script: string;
  /** Values to prefill (a suggested fix's arguments). */
  args?: Record<string, string | number>;
  /** The dialog's title, e.g. the suggested fix's "restart nginx.service". */
  label?: string;
  /** Called with the run each time it changes (the host page refreshes its list). */
  onRun?: (run: RunView) => void;
}

/** Polling period while a run is not settled: the fallback for missed socket events. */
const POLL_MS = 2000;

let dialogs = 0;

export function openRunDialog(opts: RunDialogOptions): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const n = ++dialogs;
  const titleId = `run-dialog-title-${n}`;
  const title = h('h2', { id: titleId, class: 'run-title', 'data-testid': 'run-title' }, opts.label || t('runs.dialogTitle'));
  const where = h('p', { class: 'muted run-where' }, h('span', { class: 'mono' }, opts.script), ' → ', h('span', { class: 'mono' }, opts.host));
  const body = h('div', { class: 'run-body' });
  const closeX = h('button', { type: 'button', class: 'btn small run-x', 'aria-label': t('runs.close'), 'data-testid': 'run-close-x', on: { click: () => dialog.close() } }, '×');
  const dialog = h('dialog', { class: 'run-dialog', 'aria-labelledby': titleId, 'data-testid': 'run-dialog', 'data-host': opts.host, 'data-script': opts.script, 'data-step': 'loading' },
    h('div', { class: 'run-head' }, title, closeX), where, body);
  const cleanups: (() => void)[] = [];
  let closed = false;
  dialog.addEventListener('close', () => {
    closed = true;
    for (const c of cleanups.splice(0)) c();
    dialog.remove();
    if (opener?.isConnected) opener.focus();
  });
  document.body.appendChild(dialog);
  dialog.showModal();

  const step = (name: string, ...children: (Node | null)[]): void => {
    dialog.dataset.step = name;
    replaceChildren(body, ...children);
  };
  const closeButton = (): HTMLButtonElement => button(t('runs.close'), { 'data-testid': 'run-close' }, () => dialog.close());

  step('loading', h('p', { class: 'muted', role: 'status' }, t('runs.loading')));

  let action: ActionView | null = null;
  let params: ParamsForm | null = null;
  const paramsLine = messageLine({ 'data-testid': 'run-params-msg' });

  const showParams = (): void => {
    if (!action || !params) return;
    const form = h('form', { class: 'form', novalidate: true, 'data-testid': 'run-params-form' },
      action.description ? h('p', { class: 'muted small' }, action.description) : null,
      params.el,
      paramsLine.el,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'run-next' }, t('runs.next')),
        button(t('action.cancel'), { 'data-testid': 'run-cancel' }, () => dialog.close())));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void runGuarded(form, paramsLine, async () => {
        const args = params!.read();
        showConfirm(args);
      });
    });
    step('params', form);
    params.focus();
  };

  const showConfirm = (args: ScriptArgs): void => {
    if (!action) return;
    const line = messageLine({ 'data-testid': 'run-confirm-msg' });
    const questionId = `run-q-${n}`;
    const lines = argLines(args, action.params);
    const byName = new Map(action.params.map((p) => [p.name, p]));
    const go = button(t('runs.run'), { class: 'btn primary', 'data-testid': 'run-confirm', 'aria-describedby': questionId });
    const scope = h('div', { class: 'run-confirm', 'data-testid': 'run-confirm-step' },
      h('div', { id: questionId },
        h('p', { class: 'run-question strong', 'data-testid': 'run-question' }, t('runs.confirmQ', { name: action.name, host: opts.host })),
        lines.length
          ? h('div', null, h('p', { class: 'muted small' }, t('runs.withArgs')),
            h('dl', { class: 'kv run-args', 'data-testid': 'run-args' }, ...lines.flatMap(([name, value]) => {
              const p = byName.get(name);
              return [h('dt', null, p ? paramLabel(p) : name), h('dd', { class: 'mono', 'data-arg': name }, value)];
            })))
          : h('p', { class: 'muted small', 'data-testid': 'run-args' }, t('runs.noArgs'))),
      line.el,
      h('div', { class: 'actions' }, go,
        action.params.length ? button(t('runs.back'), { 'data-testid': 'run-back' }, showParams) : null,
        button(t('action.cancel'), { 'data-testid': 'run-cancel' }, () => dialog.close())));
    go.addEventListener('click', () => void runGuarded(scope, line, async () => {
      try {
        const answer = await sendJson<{ run: RunView }>('POST', idPath('scripts', action!.id, '/runs'), { host: opts.host, args });
        if (!closed) showRun(answer.run);
      } catch (error) {
        // A refused argument goes back to its field, marked with the server's words.
        const fields = fieldErrorsOf(error).filter((f) => f.field.startsWith('args.'));
        if (fields.length && params) {
          showParams();
          clearFieldErrors(params.el);
          const marked = markFieldErrors(params.el, fields);
          if (marked.length) {
            paramsLine.error(new Error(fixSentence(marked)));
            focusFirst(marked);
            return;
          }
        }
        throw error;
      }
    }));
    step('confirm', scope);
    go.focus();
  };

  const showRun = (initial: RunView): void => {
    let current = initial;
    let polled = initial.output ?? '';
    const chunks = new Map<number, string>();
    const pill = h('span', { class: 'pill run-state', 'data-testid': 'run-state' });
    const started = h('span', { class: 'muted small' });
    const outcome = h('div', { class: 'run-outcome', 'data-testid': 'run-outcome' });
    const output = h('pre', { class: 'run-output', tabindex: '0', role: 'log', 'aria-live': 'polite', 'aria-label': t('runs.output'), 'data-testid': 'run-output' });
    const waiting = h('p', { class: 'muted small', 'data-testid': 'run-waiting' }, t('runs.waiting'));
    const close = closeButton();
    const render = (): void => {
      dialog.dataset.state = current.state;
      dialog.dataset.runId = current.id;
      updateRunPill(pill, current);
      setText(started, t('runs.started', { who: current.by, when: formatAgo(current.startedAt, Date.now()) }));
      renderOutcome(outcome, current);
      // The socket's chunks and the last poll hold the same bytes in the same order: the longer is the more complete.
      const live = [...chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c).join('');
      const text = live.length > polled.length ? live : polled;
      const atBottom = output.scrollHeight - output.scrollTop - output.clientHeight < 24;
      setText(output, text);
      if (atBottom) output.scrollTop = output.scrollHeight;
      output.hidden = text === '';
      waiting.hidden = text !== '';
      setText(waiting, isSettled(current.state) ? t('runs.noOutput') : t('runs.waiting'));
      opts.onRun?.(current);
    };
    step('run', h('div', { class: 'run-live' },
      h('div', { class: 'run-status-line' }, pill, started),
      outcome,
      h('h3', { class: 'run-output-title' }, t('runs.output')),
      waiting, output,
      h('p', { class: 'muted small' }, t('runs.closeHint')),
      h('div', { class: 'actions' }, close)));
    const apply = (next: Partial<RunView>, full: boolean): void => {
      if (closed) return;
      // Never step back: a late poll must not undo a settled state.
      if (isSettled(current.state) && next.state && !isSettled(next.state)) return;
      current = { ...current, ...next, output: current.output };
      if (full && typeof next.output === 'string') polled = next.output;
      render();
    };

    let timer = 0;
    let finalFetched = false;
    const poll = async (): Promise<void> => {
      try {
        const answer = await getJson<{ run: RunView }>(idPath('runs', current.id));
        apply(answer.run, true);
        if (isSettled(answer.run.state)) {
          finalFetched = true;
          window.clearInterval(timer);
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) window.clearInterval(timer);
      }
    };
    const s = connection();
    const onRun = (e: unknown): void => {
      const r = e as Partial<RunView> | null;
      if (!r || r.id !== current.id || typeof r.state !== 'string') return;
      apply(r, false);
      // Settled: one last read for the complete output.
      if (isSettled(r.state as RunView['state']) && !finalFetched) void poll();
    };
    const onOutput = (e: unknown): void => {
      const o = e as Partial<RunOutputEvent> | null;
      if (!o || o.id !== current.id || typeof o.seq !== 'number' || typeof o.chunk !== 'string') return;
      chunks.set(o.seq, o.chunk);
      render();
    };
    s.on('run', onRun);
    s.on('run:output', onOutput);
    timer = window.setInterval(() => void poll(), POLL_MS);
    cleanups.push(() => {
      s.off('run', onRun);
      s.off('run:output', onOutput);
      window.clearInterval(timer);
    });
    render();
    if (isSettled(current.state)) void poll();
    close.focus();
  };

  void (async () => {
    try {
      const answer = await getJson<{ actions: ActionView[] }>(idPath('hosts', opts.host, '/actions'));
      if (closed) return;
      action = answer.actions.find((a) => a.id === opts.script) ?? null;
      if (!action) {
        step('error', h('p', { class: 'form-msg', 'data-kind': 'error', role: 'alert', 'data-testid': 'run-error' }, t('runs.notAvailable', { script: opts.label || opts.script, host: opts.host })),
          h('div', { class: 'actions' }, closeButton()));
        dialog.querySelector<HTMLElement>('[data-testid=run-close]')?.focus();
        return;
      }
      if (!opts.label) setText(title, action.name);
      params = createParamsForm(action.params, opts.args ?? {});
      if (action.params.length) showParams();
      else showConfirm({});
    } catch (error) {
      if (closed) return;
      step('error', h('p', { class: 'form-msg', 'data-kind': 'error', role: 'alert', 'data-testid': 'run-error' }, t('runs.loadError', { msg: error instanceof Error ? error.message : String(error) })),
        h('div', { class: 'actions' }, closeButton()));
      dialog.querySelector<HTMLElement>('[data-testid=run-close]')?.focus();
    }
  })();
}
