import { alertDuration, alertHref, alertWords, checkOf, valueLine } from '../alert-format.js';
import { idPath, sendJson } from '../api.js';
import { h, replaceChildren, setText } from '../dom.js';
import { formatDateTime } from '../format.js';
import { t } from '../i18n/index.js';
import type { AlertView } from '../model.js';
import { openRunDialog } from './run-dialog.js';
import { button, input, messageLine, onSubmit, run } from './ui.js';

/** Silence choices, in minutes. */
export const SILENCE_MINUTES = [15, 60, 240, 1440] as const;

export interface AlertRow {
  el: HTMLElement;
  /** Refreshes the "for 5 min" text. */
  tick(now: number): void;
  /** The acknowledgement being written, if its form is open: carried over when the row is rebuilt. */
  draft(): AckDraft | null;
}

/** An open acknowledgement form: its text, and whether the user was typing in it. */
export interface AckDraft {
  comment: string;
  focused: boolean;
}

export interface AlertRowOptions {
  /** Operators and admins acknowledge and silence. */
  canAct: boolean;
  /** The server's answer after an action (the live event follows too). */
  onChanged(alert: AlertView): void;
  /** Keep the advice open when the row is rebuilt after a change. */
  open?: boolean;
  /** Reopen the acknowledgement form as it was (the alert's value changed while someone was writing). */
  draft?: AckDraft | null;
}

const hostName = (a: AlertView): string => a.hostLabel || a.host;

/**
 * One alert: severity, host, title and detail, how long and how far over its
 * level, its maintenance / acknowledged / silenced marks, and the advice and
 * diagnosis lines (pre-formatted text) in a part that opens.
 */
export function createAlertRow(alert: AlertView, opts: AlertRowOptions): AlertRow {
  const firing = alert.state === 'firing';
  // Put in words here, in the viewer's language, so the "for X" of the detail follows the clock like the duration line.
  const words = alertWords(alert, Date.now());
  const title = h('span', { class: 'alert-title', 'data-testid': 'alert-title' }, words.title);
  const detail = h('p', { class: 'alert-detail', 'data-testid': 'alert-detail' }, words.detail);
  const duration = h('span', { class: 'alert-duration', 'data-testid': 'alert-duration' });
  const line = messageLine({ 'data-testid': 'alert-error' });
  const marks = h('div', { class: 'alert-marks' },
    alert.maintenance || alert.inMaintenance ? h('span', { class: 'tag maint', 'data-testid': 'alert-maintenance' }, t('alerts.maintenance')) : null,
    alert.ack ? h('span', { class: 'tag', 'data-testid': 'alert-acked' }, t('alerts.ackedBy', { by: alert.ack.by, when: formatDateTime(alert.ack.at) })) : null,
    alert.ack?.comment ? h('q', { class: 'alert-comment' }, alert.ack.comment) : null,
    alert.silenced && alert.silenced.until > Date.now()
      ? h('span', { class: 'tag', 'data-testid': 'alert-silenced' }, t('alerts.silencedUntil', { until: formatDateTime(alert.silenced.until), by: alert.silenced.by }))
      : null);
  // A check alert's host is the runner; its check has a page of its own (issue 12).
  const check = checkOf(alert);
  const more = words.advice || alert.context.length
    ? h('details', { class: 'alert-more', open: opts.open === true },
      h('summary', null, t('alerts.whatToDo')),
      words.advice ? h('p', { class: 'alert-advice', 'data-testid': 'alert-advice' }, words.advice) : null,
      alert.context.length ? h('h4', null, t(check ? 'alerts.check.context' : 'alerts.context')) : null,
      alert.context.length ? h('pre', { class: 'alert-context', 'data-testid': 'alert-context' }, alert.context.join('\n')) : null)
    : null;
  const actions = firing && opts.canAct ? createActions(alert, opts, line) : null;
  // The built-in action that usually fixes it (issue 14): operators and admins run it through the run dialog, after a confirmation.
  const fix = firing && alert.fix
    ? h('p', { class: 'alert-fix', 'data-testid': 'alert-fix', 'data-script': alert.fix.script },
      h('span', null, t('alerts.fix.label', { label: alert.fix.label })),
      opts.canAct
        ? button(t('alerts.fix.run'), { class: 'btn small primary', 'data-testid': 'alert-fix-run' }, () =>
          openRunDialog({ host: alert.host, script: alert.fix!.script, args: alert.fix!.args, label: alert.fix!.label }))
        : null)
    : null;
  const checkLink = check
    ? h('a', { class: 'alert-check link', href: alertHref(alert), 'data-testid': 'alert-check', title: t('alerts.check.open') }, check.name)
    : null;
  const el = h('article', {
    class: 'alert-row', 'data-testid': 'alert-row', 'data-alert-id': alert.id, 'data-rule': alert.rule, 'data-host': alert.host,
    'data-state': alert.state, 'data-severity': alert.severity, 'data-acked': alert.ack ? 'yes' : 'no',
  },
  h('div', { class: 'alert-head' },
    h('span', { class: 'pill sev', 'data-sev': alert.severity }, t(`severity.${alert.severity}`)),
    checkLink,
    h('a', { class: 'alert-host link', href: `#/host/${encodeURIComponent(alert.host)}` }, hostName(alert)),
    title),
  detail,
  h('div', { class: 'alert-facts muted' },
    duration,
    h('span', null, valueLine(alert)),
    h('span', { class: 'mono' }, alert.rule)),
  marks,
  fix,
  more,
  actions?.el ?? null,
  line.el);
  const tick = (now: number): void => {
    const d = alertDuration(alert, now);
    setText(duration, firing
      ? t('alerts.firingFor', { d, since: formatDateTime(alert.since) })
      : t('alerts.lasted', { d, when: formatDateTime(alert.resolvedAt) }));
    if (firing) setText(detail, alertWords(alert, now).detail);
  };
  tick(Date.now());
  if (actions && opts.draft) actions.openAck(opts.draft);
  return { el, tick, draft: () => actions?.draft() ?? null };
}

interface Actions {
  el: HTMLElement;
  openAck(draft: AckDraft): void;
  draft(): AckDraft | null;
}

function createActions(alert: AlertView, opts: AlertRowOptions, line: ReturnType<typeof messageLine>): Actions {
  const formSlot = h('div');
  let comment: HTMLInputElement | null = null;
  /** Focus promised to the field, not given yet: a second rebuild in the same task must pass it on. */
  let focusPending = false;
  const wrap = h('div', { class: 'alert-actions' });
  const post = async (path: string, body: unknown): Promise<void> => {
    opts.onChanged(await sendJson<AlertView>('POST', idPath('alerts', alert.id, path), body));
  };
  const openAck = (draft: AckDraft): void => {
    const field = input({ maxlength: 500, autocomplete: 'off', placeholder: t('alerts.ackComment'), 'aria-label': t('alerts.ackComment'), 'data-testid': 'alert-ack-comment' });
    field.value = draft.comment;
    comment = field;
    const form = h('form', { class: 'row-form' }, field,
      h('button', { type: 'submit', class: 'btn primary small', 'data-testid': 'alert-ack-save' }, t('alerts.ack')),
      button(t('action.cancel'), { class: 'btn small' }, () => {
        comment = null;
        replaceChildren(formSlot);
      }));
    onSubmit(form, line, () => post('/ack', { comment: field.value.trim() }));
    replaceChildren(formSlot, form);
    // After the rebuilt row is in the page (a detached input cannot take focus), caret at the end.
    focusPending = draft.focused;
    if (draft.focused) queueMicrotask(() => {
      focusPending = false;
      if (!field.isConnected) return; // rebuilt again meanwhile: the newer row has the focus to give
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
    });
  };
  const ack = button(alert.ack ? t('alerts.ackAgain') : t('alerts.ack'), { class: 'btn small', 'data-testid': 'alert-ack' }, () => openAck({ comment: '', focused: true }));
  const silence = h('div', { class: 'silence', role: 'group', 'aria-label': t('alerts.silenceFor'), 'data-testid': 'alert-silence' },
    h('span', { class: 'muted small' }, t('alerts.silenceFor')),
    ...SILENCE_MINUTES.map((m) => button(m < 60 ? t('dur.minutes', { n: m }) : t('dur.hours', { n: m / 60 }), { class: 'btn small', 'data-minutes': m }, () =>
      void run(wrap, line, () => post('/silence', { minutes: m })))));
  replaceChildren(wrap, h('div', { class: 'actions' }, ack, silence), formSlot);
  return {
    el: wrap,
    openAck,
    draft: () => (comment ? { comment: comment.value, focused: focusPending || document.activeElement === comment } : null),
  };
}
