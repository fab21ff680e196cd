import { escapeControls } from '../checks/alert-context.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import type { EventLog } from '../events/event-log.js';
import type { ScriptArgs } from '../protocol/schemas/script.js';
import { actionLabel, fixFor, type FixableAlert } from './fixes.js';
import type { ActionFacts } from './action-words.js';
import { effectiveRules, type AlertSettings, type RuleAction, type RuleSet } from './rules.js';
import type { Alert } from './types.js';

/**
 * Automatic actions (issue 14, docs/alerts.md "Automatic actions"): when an
 * alert fires, its rule may run an action of the script library on the host.
 * Opt-in twice — the rule's `action.auto` AND the host override's
 * `autoAction: true` — and limited: at most once per `cooldownMs` per host
 * and alert rule (remembered in the event log, so a restart does not reset
 * it), never while a maintenance window covers the alert. The run goes
 * through the server's run service (scripts/run-service.ts: signed, checked,
 * logged like an operator's run, `by: rule:<rule>`); this module decides and
 * reports, the alert service notifies.
 */

/** What the run service is asked (scripts/run-service.ts `start`). */
export interface RunRequest {
  script: string;
  host: string;
  args: ScriptArgs;
  by: string;
  trigger: 'manual' | 'rule';
  rule?: string;
}

/** The fields of the run service's RunView an automatic action reads. */
export interface RunOutcome {
  id: string;
  state: 'pending' | 'running' | 'done' | 'refused' | 'lost';
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  duration: number | null;
  output: string;
  refusal?: { reason: string; message: string };
}

/** The server's run service, as automatic actions use it (injected: the script library owns it). */
export interface RunService {
  /** Validates and sends a run; a validation error (unknown or disabled script, bad argument, host offline) is returned, not thrown. */
  start(req: RunRequest): { ok: true; value: RunOutcome } | { ok: false; error: string };
  /** Settles once the run is done, refused or lost. */
  wait(id: string): Promise<RunOutcome>;
}

export interface AutoActionOptions {
  runs: RunService;
  settings(): AlertSettings;
  /** Whether a maintenance window covers the alert now. */
  inMaintenance(alert: Alert): boolean;
  /** `alerts.autoActionCooldown`, ms. */
  cooldownMs: number;
  clock: Clock;
  events: EventLog;
  log?: Logger;
}

/** An action decided for a fired alert, not run yet. */
export type PlannedAction = ActionFacts & { state: 'running' };

export interface AutoActions {
  /**
   * The action to run for a fired alert now, or null. A plan counts against
   * the cooldown at once (two alerts firing together cannot both run it).
   * A host that opted in but is cooling down or in maintenance gets an
   * `alert.auto_action_skipped` event saying so.
   */
  plan(alert: Alert & { context?: readonly string[] }): PlannedAction | null;
  /** Runs a plan; resolves with what came of it, or null when the service closes first. */
  run(plan: PlannedAction, alert: Alert): Promise<ActionFacts | null>;
  /** Stops waiting for runs in flight (their follow-ups are not sent). */
  close(): void;
}

type ActingRule = Exclude<keyof RuleSet, 'offline' | 'ifDown' | 'containers'>;

/** The settings rule an alert rule id belongs to; null for rules that cannot act (offline, interfaces down, checks). */
export function settingsRuleOf(rule: string): ActingRule | null {
  const family = rule.includes(':') ? rule.slice(0, rule.indexOf(':')) : rule;
  switch (family) {
    case 'cpu': case 'mem': case 'swap': case 'load': case 'temperature': case 'disk': return family;
    case 'disk_forecast': return 'diskForecast';
    case 'service': return 'services';
    case 'if_util': return 'ifUtil';
    default: return null;
  }
}

/** The rule's action for `host` and whether both opt-ins are given. */
export function autoActionOf(settings: AlertSettings, host: string, rule: string): { action: RuleAction; optedIn: boolean } | null {
  const name = settingsRuleOf(rule);
  if (name === null) return null;
  const action = effectiveRules(settings, host)[name].action;
  if (!action?.auto) return null;
  const override = Object.hasOwn(settings.hosts, host) ? (settings.hosts[host]?.[name] as { autoAction?: boolean } | undefined) : undefined;
  return { action, optedIn: override?.autoAction === true };
}

/** Output lines a follow-up notice carries at most, and characters per line. */
export const OUTPUT_LINES = 10;
const LINE_CHARS = 200;

/** The last lines of a run's output, escaped and cut: what a chat message can hold. */
export function lastLines(output: string, n = OUTPUT_LINES): string[] {
  const lines = output.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-n).map((l) => {
    const line = escapeControls(l.replace(/\t/g, '  '));
    return line.length <= LINE_CHARS ? line : `${line.slice(0, LINE_CHARS - 1)}…`;
  });
}

const keyOf = (host: string, rule: string): string => `${host}/${rule}`;

export function createAutoActions(opts: AutoActionOptions): AutoActions {
  const { runs, events, clock } = opts;
  const log = opts.log ?? createLogger('alerts');
  /** When each (host, rule) last started an automatic action, ms; seeded from the event log. */
  const lastRun = new Map<string, number>();
  for (const e of events.query({ type: 'alert.auto_action', from: clock.now() - opts.cooldownMs, limit: 10_000 })) {
    const rule = typeof e.data?.rule === 'string' ? e.data.rule : null;
    if (e.host && rule) lastRun.set(keyOf(e.host, rule), Math.max(lastRun.get(keyOf(e.host, rule)) ?? 0, e.ts));
  }
  let closed = false;
  let onClose: () => void = () => {};
  const closing = new Promise<null>((resolve) => (onClose = () => resolve(null)));

  const skipped = (alert: Alert, why: 'cooldown' | 'maintenance', action: RuleAction, extra: Record<string, unknown> = {}): null => {
    events.append({
      type: 'alert.auto_action_skipped', host: alert.host,
      message: `Automatic action ${action.script} of rule ${alert.rule} on ${alert.host} not run: ${why === 'cooldown' ? 'it already ran within the cooldown' : 'a maintenance window covers the host'}`,
      data: { rule: alert.rule, script: action.script, why, ...extra },
    });
    return null;
  };

  return {
    plan(alert) {
      if (closed || alert.state !== 'firing' || alert.device) return null;
      const found = autoActionOf(opts.settings(), alert.host, alert.rule);
      if (!found?.optedIn) return null;
      const { action } = found;
      if (opts.inMaintenance(alert)) return skipped(alert, 'maintenance', action);
      const now = clock.now();
      const last = lastRun.get(keyOf(alert.host, alert.rule));
      if (last !== undefined && now - last < opts.cooldownMs) return skipped(alert, 'cooldown', action, { lastRun: last, until: last + opts.cooldownMs });
      lastRun.set(keyOf(alert.host, alert.rule), now);
      // The suggested fix knows what the alert is about (the service, the runaway pid): the rule's own args win.
      const fix = fixFor(alert as FixableAlert);
      const same = fix !== null && fix.script === action.script;
      const args: ScriptArgs = { ...(same ? fix.args : {}), ...(action.args ?? {}) };
      const plan: PlannedAction = { script: action.script, args, rule: alert.rule, state: 'running', ...(same && fix.name ? { name: fix.name } : {}) };
      events.append({
        type: 'alert.auto_action', host: alert.host,
        message: `Automatic action of rule ${alert.rule} on ${alert.host}: ${actionLabel(plan.script, args, 'en', plan.name ? { name: plan.name } : {})}`,
        data: { rule: alert.rule, script: plan.script, args, by: `rule:${alert.rule}`, ...(plan.name ? { name: plan.name } : {}) },
      });
      return plan;
    },

    async run(plan, alert) {
      const request: RunRequest = { script: plan.script, host: alert.host, args: plan.args, by: `rule:${plan.rule}`, trigger: 'rule', rule: plan.rule };
      let started: ReturnType<RunService['start']>;
      try {
        started = runs.start(request);
      } catch (error) {
        started = { ok: false, error: (error as Error).message ?? String(error) };
      }
      let facts: ActionFacts;
      if (!started.ok) {
        facts = { ...plan, state: 'error', error: started.error };
      } else {
        const id = started.value.id;
        let view: RunOutcome | null;
        try {
          view = await Promise.race([runs.wait(id), closing]);
        } catch (error) {
          view = { ...started.value, state: 'lost', output: `(${(error as Error).message})` };
        }
        if (view === null) {
          log.warn({ host: alert.host, rule: plan.rule, run: id }, 'automatic action still running at shutdown: no follow-up notice');
          return null;
        }
        facts = {
          ...plan, runId: id, state: view.state === 'pending' || view.state === 'running' ? 'lost' : view.state,
          exit: view.exit, signal: view.signal, timedOut: view.timedOut, duration: view.duration,
          ...(view.refusal ? { refusal: view.refusal } : {}),
          output: lastLines(view.output),
        };
      }
      events.append({
        type: 'alert.auto_action_done', host: alert.host,
        message: `Automatic action of rule ${plan.rule} on ${alert.host} (${plan.script}): ${facts.state}${facts.state === 'done' ? `, exit ${facts.exit ?? facts.signal ?? '?'}` : ''}${facts.refusal ? `: ${facts.refusal.reason}` : ''}${facts.error ? `: ${facts.error}` : ''}`,
        data: {
          rule: plan.rule, script: plan.script, args: plan.args, ...(plan.name ? { name: plan.name } : {}), run: facts.runId ?? null, state: facts.state,
          exit: facts.exit ?? null, signal: facts.signal ?? null, timedOut: facts.timedOut ?? false,
          ...(facts.refusal ? { refusal: facts.refusal } : {}), ...(facts.error ? { error: facts.error } : {}),
        },
      });
      return facts;
    },

    close() {
      closed = true;
      onClose();
    },
  };
}
