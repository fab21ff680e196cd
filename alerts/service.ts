import { EventBus } from '../core/event-bus.js';
import { onceClose, type Handle } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { HOUR_MS, MINUTE_MS, systemClock, type Clock } from '../core/time.js';
import type { EventLog } from '../events/event-log.js';
import type { HostSummary, IngestHandle } from '../ingest/types.js';
import type { AlertNotice } from '../notify/types.js';
import { encodePayload, type AlertPayload } from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import { briefContext, checkContext } from '../checks/alert-context.js';
import { createCheckRules, parseCheckRule, type CheckRules } from '../checks/alert-rules.js';
import type { CheckCatalog } from '../checks/types.js';
import { alertFacts, describeAlert, type Lang } from './advice.js';
import { createRuleEngine, type RuleEngine } from './engine.js';
import { activeWindows, type MaintenanceWindow } from './maintenance.js';
import type { AlertSettings } from './rules.js';
import type { AlertRecord, AlertStore } from './store.js';
import type { Alert, AlertTransition } from './types.js';
import { createTransitionBudget } from './transition-budget.js';
import { suggestedFix, type SuggestedFix } from './fixes.js';
import { wordsWithAction, type ActionFacts } from './action-words.js';
import { createAutoActions, type RunService } from './auto-action.js';

/** What the service needs to know about a host besides its metrics. */
export interface HostContext {
  label: string | null;
  groupIds: number[];
  groupNames: string[];
}

export interface AlertServiceOptions {
  ingest: IngestHandle;
  store: AlertStore;
  events: EventLog;
  topics: Topics;
  /** Publishes on the server's MQTT connection (retained alert topics); rejects when not delivered to the broker. */
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  hostContext(host: string): HostContext;
  /** Asks the host's agent for context (top processes, largest directories, log lines); lines to show. */
  diagnose?(alert: Alert): Promise<string[]>;
  notify?(notice: AlertNotice): void;
  lang?: Lang;
  /** Base URL of the dashboard, for links in notifications. */
  dashboardUrl?(): string | null;
  clock?: Clock;
  log?: Logger;
  /** How often `for:` durations and staleness are re-checked. */
  tickMs?: number;
  /** Alerts left firing by a previous run that the engine does not confirm within this are resolved. */
  adoptGraceMs?: number;
  /** Transitions per host and minute that may ask for a diagnosis and notify (alerts/transition-budget.ts); default 30. */
  transitionsPerHostPerMinute?: number;
  /** The network checks (issue 12): their results on the ingest's `check` event alert through checks/alert-rules.ts. */
  checks?: CheckCatalog;
  /** A group's name by id: a check's group routes its alerts' notices like a host's groups. */
  groupName?(id: number): string | null;
  /**
   * Whether the action `script` is enabled and may run on `host` (the script
   * library, issue 14): a suggested fix is shown only then. Without it, every fix shows.
   */
  canRunFix?(host: string, script: string): boolean;
  /**
   * The server's run service (scripts/run-service.ts, issue 14): with it, a
   * rule's automatic action runs when its alert fires (alerts/auto-action.ts).
   */
  runs?: RunService;
  /** `alerts.autoActionCooldown` in ms: one automatic action per host and rule within it (default 1 h). */
  autoActionCooldownMs?: number;
}

/** A firing alert as the dashboard and the API show it: the stored record in words. */
export interface AlertView extends AlertRecord {
  title: string;
  detail: string;
  advice: string;
  hostLabel: string | null;
  /** A maintenance window covers the host now. */
  inMaintenance: boolean;
  /** The built-in action that usually fixes it (issue 14, alerts/fixes.ts), when it may run on the host. */
  fix?: SuggestedFix;
}

export interface AlertCounts {
  firing: number;
  critical: number;
  warning: number;
  acknowledged: number;
  maintenance: number;
}

export interface AlertService extends Handle {
  engine: RuleEngine;
  /** The check rules (issue 12); null when the service was started without a check catalog. */
  checkRules: CheckRules | null;
  store: AlertStore;
  /** Firing alerts, newest first, in words in `lang` (default: the service's). */
  firing(lang?: Lang): AlertView[];
  /** A stored alert in words in `lang` (default: the service's): the API renders in its caller's language. */
  view(record: AlertRecord, lang?: Lang): AlertView;
  acknowledge(id: number, by: string, comment: string): AlertView;
  silence(id: number, minutes: number, by: string): AlertView;
  counts(): AlertCounts;
  settings(): AlertSettings;
  saveSettings(settings: AlertSettings): void;
  maintenance(): MaintenanceWindow[];
  /** Windows active now for a host. */
  maintenanceOf(host: string): MaintenanceWindow[];
  /**
   * Forgets a removed host: its alerts end (cause `removed`), unnotified.
   * Returns the alert topics it may have left on the broker (every rule it
   * ever alerted on), for the removal to clear with its other topics.
   */
  removeHost(host: string): string[];
  /** Firing alerts worth a reminder now, with their current severity: not acknowledged, silenced or in maintenance (the notifier's reminders). */
  reminders(): AlertNotice[];
  /** A stored alert changed (fired, escalated, resolved, acknowledged, silenced). */
  onChange(cb: (alert: AlertView) => void, owner?: string): () => void;
}

const keyOf = (host: string, rule: string): string => `${host}/${rule}`;
/** Clears that may have failed before a restart: topics of alerts resolved this recently are cleared again at the first connection. */
const CLEAR_AGAIN_MS = 24 * 60 * MINUTE_MS;
const CLEAR_AGAIN_MAX = 2000;
/** Rules worth asking the agent about, and what to ask. */
const DIAGNOSED = /^(cpu|mem|swap|load|disk:|disk_forecast:|service:)/;
const DEFAULT_TRANSITIONS_PER_MINUTE = 30;

/**
 * Runs the rule engine on what the ingest accepts, and turns its transitions
 * into stored alerts, retained MQTT topics, event log lines, diagnosis
 * requests and notifications. Pending alerts stay in memory; an alert is
 * stored once it fires.
 */
export function startAlertService(opts: AlertServiceOptions): AlertService {
  const { ingest, store, events, topics } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger('alerts');
  const warn = createRateLimitedLog(log);
  const lang = opts.lang ?? 'en';
  const bus = new EventBus<{ change: AlertView }>(log);
  const engine = createRuleEngine({ clock, settings: () => store.settings(), log, offlineHeldUntil: () => ingest.presenceHeldUntil() });
  const budget = createTransitionBudget({
    perMinute: opts.transitionsPerHostPerMinute ?? DEFAULT_TRANSITIONS_PER_MINUTE,
    clock,
    onOver: (host, perMinute) => {
      log.warn({ host, perMinute }, 'host past its alert transitions per minute: further ones this minute are stored but not diagnosed or notified');
      events.append({
        type: 'host.alert_flood', host,
        message: `${host} caused more than ${perMinute} alert transitions in a minute; the others this minute are stored and shown, without diagnosis or notification`,
        data: { perMinute },
      });
    },
  });

  // Firing alerts by host/rule → stored id. Those left by a previous run wait to be confirmed.
  const open = new Map<string, number>();
  const leftOver = new Map<string, number>();
  for (const record of store.firing()) leftOver.set(keyOf(record.host, record.rule), record.id);
  const startedAt = clock.now();
  // One chain per alert, so a diagnosis still running cannot reorder its notices.
  const chains = new Map<string, Promise<void>>();
  const chain = (key: string, step: () => Promise<void> | void): void => {
    const next = (chains.get(key) ?? Promise.resolve()).then(step).catch((error: unknown) => warn('chain', 'alert step failed', { key, err: error }));
    chains.set(key, next);
    void next.finally(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
  };

  const maintenanceOf = (host: string): MaintenanceWindow[] =>
    activeWindows(store.maintenanceWindows(), host, opts.hostContext(host).groupIds, clock.now());

  /**
   * The host's context, and for a check alert its check's group too: a
   * maintenance window of that group silences it and channels of that group
   * receive it, as they would for a host of the group (issue 12 item 5).
   */
  const contextOf = (alert: Pick<Alert, 'host' | 'rule' | 'check'>): HostContext => {
    const ctx = opts.hostContext(alert.host);
    const check = parseCheckRule(alert.rule);
    if (!check) return ctx;
    const groupId = opts.checks?.get(check.check)?.groupId ?? alert.check?.groupId ?? null;
    if (groupId === null || ctx.groupIds.includes(groupId)) return ctx;
    const name = opts.groupName?.(groupId) ?? null;
    return { ...ctx, groupIds: [...ctx.groupIds, groupId], groupNames: name === null ? ctx.groupNames : [...ctx.groupNames, name] };
  };
  const windowsOf = (alert: Alert): MaintenanceWindow[] =>
    activeWindows(store.maintenanceWindows(), alert.host, contextOf(alert).groupIds, clock.now());

  /** An alert in words, for a host whose context is known; `windows` saves a query when viewing many. */
  const viewIn = (record: AlertRecord, ctx: HostContext, windows: readonly MaintenanceWindow[] = store.maintenanceWindows(), inLang: Lang = lang): AlertView => {
    const now = clock.now();
    const text = describeAlert(record, inLang, ctx.label ?? record.host, now);
    const fix = suggestedFix(record, inLang);
    const shown = fix && (opts.canRunFix?.(record.host, fix.script) ?? true) ? { fix } : {};
    return { ...record, ...text, hostLabel: ctx.label, inMaintenance: activeWindows(windows, record.host, ctx.groupIds, now).length > 0, ...shown };
  };
  const view = (record: AlertRecord, inLang: Lang = lang): AlertView => viewIn(record, contextOf(record), undefined, inLang);

  // Retained topics to clear, with the attempt that set them: a clear that
  // fails (broker away) is retried at every (re)connection until it goes
  // through or the alert fires again. Seeded with recent ones at start, in
  // case the last run could not clear them.
  const toClear = new Map<string, number>();
  let attempts = 0;
  const firingTopics = (): Set<string> => new Set(store.firing().map((r) => topics.alert(r.host, r.rule)));
  {
    const firingNow = firingTopics();
    for (const r of store.resolvedSince(clock.now() - CLEAR_AGAIN_MS, CLEAR_AGAIN_MAX)) {
      const topic = topics.alert(r.host, r.rule);
      if (!firingNow.has(topic)) toClear.set(topic, 0);
    }
  }
  const notPublished = (topic: string) => (error: unknown): void =>
    warn('publish', 'alert topic not published; it is re-asserted at the next connection to the broker', { topic, err: String(error) });
  const clearTopic = (topic: string): void => {
    const attempt = ++attempts;
    toClear.set(topic, attempt);
    // An empty retained message clears the topic [MQTT-3.3.1-10].
    opts.publish(topic, '', true).then(() => {
      if (toClear.get(topic) === attempt) toClear.delete(topic);
    }, notPublished(topic));
  };

  const publishState = (record: AlertView): void => {
    const topic = topics.alert(record.host, record.rule);
    if (record.state !== 'firing') return clearTopic(topic);
    toClear.delete(topic);
    const payload: AlertPayload = {
      v: 1,
      ts: clock.now(),
      host: record.host,
      rule: record.rule,
      severity: record.severity,
      state: 'firing',
      value: record.value,
      threshold: record.threshold,
      unit: record.unit,
      since: record.since,
      firedAt: record.firedAt ?? record.since,
      title: record.title.slice(0, 300),
      advice: record.advice.slice(0, 1000),
      acknowledged: record.ack !== null,
      silencedUntil: record.silenced && record.silenced.until > clock.now() ? record.silenced.until : null,
      maintenance: record.maintenance || record.inMaintenance,
    };
    opts.publish(topic, encodePayload('alert', payload), true).catch(notPublished(topic));
  };

  /**
   * The whole retained state again: every firing alert and every clear still
   * owed. Publishing only on change is not enough: a restarted broker (or one
   * without persistence) has lost the retained topics while nothing changed.
   */
  const reassert = (): void => {
    const windows = store.maintenanceWindows();
    const firing = store.firing();
    for (const r of firing) publishState(viewIn(r, contextOf(r), windows));
    const firingNow = new Set(firing.map((r) => topics.alert(r.host, r.rule)));
    for (const topic of [...toClear.keys()]) {
      if (firingNow.has(topic)) toClear.delete(topic);
      else clearTopic(topic);
    }
  };

  /** Publishes and broadcasts a stored alert's new state; returns it in words. */
  const changed = (id: number): AlertView | null => {
    const record = store.get(id);
    if (!record) return null;
    const v = view(record);
    publishState(v);
    bus.emit('change', v);
    return v;
  };

  /** Whether a notice about this alert should go out now. */
  const quiet = (v: AlertView): boolean =>
    v.maintenance || v.inMaintenance || (v.silenced !== null && v.silenced.until > clock.now());

  const notice = (kind: AlertNotice['kind'], record: AlertRecord, action?: ActionFacts): AlertNotice => {
    const ctx = contextOf(record);
    const v = viewIn(record, ctx);
    const base = opts.dashboardUrl?.();
    // An automatic action (issue 14): the fired notice says it runs; its follow-up says what came of it, its output as context.
    const text = wordsWithAction(v, kind, action, ctx.label ?? record.host, lang);
    return {
      kind,
      key: keyOf(record.host, record.rule),
      host: record.host,
      hostLabel: ctx.label,
      rule: record.rule,
      severity: record.severity,
      title: text.title,
      detail: text.detail,
      advice: text.advice,
      // A check's response excerpt or network path is long: a notice carries its brief, escaped form.
      context: kind === 'action' ? (action?.output ?? []) : parseCheckRule(record.rule) ? briefContext(record.context) : record.context,
      ...(action ? { action } : {}),
      value: record.value,
      threshold: record.threshold,
      unit: record.unit,
      since: record.since,
      firedAt: record.firedAt,
      resolvedAt: record.resolvedAt,
      groups: ctx.groupNames,
      url: base ? `${base}/#/alerts/${record.id}` : null,
      // So each channel puts it in its own language (notify/localize.ts).
      facts: { alert: alertFacts(record), hostName: ctx.label ?? record.host, at: clock.now() },
    };
  };

  const logEvent = (type: string, v: AlertView, extra: Record<string, unknown> = {}): void => {
    // `alert` keeps the kind and parameters: the log shows the line in its reader's language (events/messages.ts).
    events.append({ type, host: v.host, message: v.title, data: { id: v.id, rule: v.rule, severity: v.severity, value: v.value, alert: alertFacts(v), ...extra } });
  };

  const onTransition = (t: AlertTransition): void => {
    const key = keyOf(t.alert.host, t.alert.rule);
    // A removed host's alerts end quietly anyway; everything else spends the host's budget.
    const loud = t.kind === 'resolved' && t.cause === 'removed' ? true : budget.take(t.alert.host);
    if (t.kind === 'firing') {
      const adopted = leftOver.get(key);
      if (adopted !== undefined) {
        // Fired before a restart and still true: the same episode, already notified.
        leftOver.delete(key);
        open.set(key, adopted);
        store.updateFiring(adopted, t.alert);
        changed(adopted);
        return;
      }
      const inMaintenance = windowsOf(t.alert).length > 0;
      const id = store.insertFiring(t.alert, inMaintenance);
      open.set(key, id);
      // A check alert's context is what its runner said (message, response excerpt, network path): known now, no agent to ask.
      const evidence = checkRules?.evidence(t.alert.host, t.alert.rule);
      if (evidence) store.setContext(id, checkContext(evidence));
      const fired = changed(id)!;
      if (!loud) return; // stored, published and shown; no event line, diagnosis or notice (transition budget)
      logEvent('alert.firing', fired, inMaintenance ? { maintenance: true } : {});
      chain(key, async () => {
        let current: AlertView | null = fired;
        // A device (SNMP, issue 13) has no agent to ask: its poller cannot list the device's processes.
        if (opts.diagnose && DIAGNOSED.test(t.alert.rule) && !t.alert.device) {
          const lines = await opts.diagnose(t.alert).catch((error: unknown) => [`(diagnosis failed: ${(error as Error).message})`]);
          if (lines.length > 0) {
            store.setContext(id, lines);
            current = changed(id);
          }
        }
        // The rule's automatic action, decided once the diagnosis is in (it names the runaway process).
        const plan = current && current.state === 'firing' ? autoActions?.plan(current) ?? null : null;
        if (current && current.state === 'firing' && !quiet(current)) opts.notify?.(notice('firing', current, plan ?? undefined));
        if (plan && current) {
          const outcome = await autoActions!.run(plan, current);
          // Always told, even if the alert went quiet or ended meanwhile: an action ran on the host.
          if (outcome) opts.notify?.(notice('action', current, outcome));
        }
      });
      return;
    }
    const id = open.get(key);
    if (id === undefined) return; // pending and cleared alerts live in the engine only
    if (t.kind === 'escalated' || t.kind === 'deescalated') {
      store.updateFiring(id, t.alert);
      const v = changed(id);
      if (!v || !loud) return;
      logEvent(`alert.${t.kind}`, v, { from: t.previousSeverity });
      if (t.kind === 'escalated' && !quiet(v)) chain(key, () => opts.notify?.(notice('escalated', v)));
      return;
    }
    if (t.kind === 'resolved') {
      open.delete(key);
      const cause = t.cause ?? 'recovered';
      store.resolve(id, t.at, cause, t.alert.value);
      const v = changed(id);
      if (!v || !loud) return;
      logEvent('alert.resolved', v, { cause });
      // A removed host's alerts end without a notice: nobody watches it any more.
      if (cause !== 'removed' && !quiet(v)) chain(key, () => opts.notify?.(notice('resolved', v)));
    }
  };
  const offEngine = engine.onTransition(onTransition, 'alert-service');
  /**
   * A firing alert whose facts changed without a transition — a device's offline
   * reason, a check now down from 2 places of 2 instead of 1: stored and shown, not notified.
   */
  const onUpdate = (alert: Alert): void => {
    const id = open.get(keyOf(alert.host, alert.rule));
    if (id === undefined) return;
    store.updateFiring(id, alert);
    changed(id);
  };
  const offUpdate = engine.onUpdate(onUpdate, 'alert-service');

  const autoActions = opts.runs
    ? createAutoActions({
      runs: opts.runs, settings: () => store.settings(), inMaintenance: (a) => windowsOf(a).length > 0,
      cooldownMs: opts.autoActionCooldownMs ?? HOUR_MS, clock, events, log,
    })
    : null;

  // Network checks (issue 12): the same transitions, from their own pure rules.
  const checkRules = opts.checks ? createCheckRules({ clock, catalog: opts.checks, log }) : null;
  const offChecks: Array<() => void> = [];
  if (checkRules && opts.checks) {
    offChecks.push(
      checkRules.onTransition(onTransition, 'alert-service'),
      checkRules.onUpdate(onUpdate, 'alert-service'),
      opts.checks.onChange(() => checkRules.sync()),
      ingest.bus.on('alerts', 'check', (record) => checkRules.result(record)),
    );
    // Results the ingest accepted before the service started (retained ones at its subscription).
    for (const record of ingest.checks?.latest() ?? []) checkRules.result(record);
  }

  // What the ingest accepted, as it accepted it.
  // A Last Will carries no ts (it is written at connect time): a status is new when any of these change.
  // A device's status may change only its error ("Request timed out" → "…Authentication failure"): part of the key too.
  const statusKey = (st: NonNullable<HostSummary['status']>): string => `${st.state}|${st.reason}|${st.ts ?? ''}|${st.error ?? ''}`;
  const seen = new Map<string, { info: number; status: string }>();
  const feedSummary = (h: HostSummary): void => {
    const last = seen.get(h.id) ?? { info: 0, status: '' };
    if (h.info && h.info.ts !== last.info) {
      engine.info(h.id, h.info);
      last.info = h.info.ts;
    }
    if (h.status && statusKey(h.status) !== last.status) {
      engine.status(h.id, h.status);
      last.status = statusKey(h.status);
    }
    checkRules?.presence(h.id, h.presence === 'online');
    seen.set(h.id, last);
  };
  for (const h of ingest.listHosts()) feedSummary(h);
  const offBus = [
    ingest.bus.on('alerts', 'sample', (e) => engine.sample(e.host, e.metrics)),
    ingest.bus.on('alerts', 'host', feedSummary),
    ingest.bus.on('alerts', 'services', (e) => engine.services(e.host, e.services)),
    ingest.bus.on('alerts', 'subscribed', reassert),
  ];
  // Already subscribed (the ingest started first): assert now rather than at the next reconnection.
  if (ingest.presenceHeldUntil() !== Number.POSITIVE_INFINITY) reassert();

  const adoptGrace = opts.adoptGraceMs ?? 10 * MINUTE_MS;
  const timer = setInterval(() => {
    engine.tick();
    checkRules?.tick();
    if (leftOver.size > 0 && clock.now() - startedAt > adoptGrace) {
      for (const [key, id] of leftOver) {
        store.resolve(id, clock.now(), 'restart', null);
        changed(id);
        leftOver.delete(key);
      }
    }
  }, opts.tickMs ?? 1000);
  timer.unref();

  const find = (id: number): AlertRecord => {
    const record = store.get(id);
    if (!record) throw new RangeError(`No alert with id ${id}`);
    return record;
  };

  return {
    engine,
    checkRules,
    store,
    firing: (inLang = lang) => {
      const windows = store.maintenanceWindows();
      return store.firing().map((r) => viewIn(r, contextOf(r), windows, inLang)).reverse();
    },
    view,
    acknowledge(id, by, comment) {
      const record = find(id);
      store.acknowledge(id, by, comment);
      events.append({ type: 'alert.acknowledged', host: record.host, user: by, message: `${view(record).title} — acknowledged`, data: { id, comment, alert: alertFacts(record) } });
      return changed(id)!;
    },
    silence(id, minutes, by) {
      const record = find(id);
      const until = clock.now() + minutes * MINUTE_MS;
      store.silence(id, until, by);
      events.append({ type: 'alert.silenced', host: record.host, user: by, message: `${view(record).title} — silenced for ${minutes} min`, data: { id, until, minutes, alert: alertFacts(record) } });
      return changed(id)!;
    },
    counts() {
      const firing = store.firing();
      const windows = store.maintenanceWindows();
      const now = clock.now();
      return {
        firing: firing.length,
        critical: firing.filter((a) => a.severity === 'critical').length,
        warning: firing.filter((a) => a.severity === 'warning').length,
        acknowledged: firing.filter((a) => a.ack !== null).length,
        maintenance: firing.filter((a) => a.maintenance || (windows.length > 0 && activeWindows(windows, a.host, contextOf(a).groupIds, now).length > 0)).length,
      };
    },
    settings: () => store.settings(),
    saveSettings: (settings) => {
      store.saveSettings(settings);
      engine.tick(); // disabled rules end now, not at the next sample
    },
    maintenance: () => store.maintenanceWindows(),
    maintenanceOf,
    removeHost: (host) => {
      engine.removeHost(host);
      checkRules?.removeHost(host);
      seen.delete(host);
      budget.forget(host);
      // Alerts left by a previous run, not confirmed yet, end too (they were never in the engine).
      for (const [key, id] of leftOver) {
        if (!key.startsWith(`${host}/`)) continue;
        leftOver.delete(key);
        store.resolve(id, clock.now(), 'removed', null);
        changed(id);
      }
      return store.rulesOf(host).map((rule) => topics.alert(host, rule));
    },
    reminders: () => {
      const windows = store.maintenanceWindows();
      return store.firing()
        // Left by a previous run and not yet confirmed by the engine: no reminder until it is.
        .filter((r) => r.ack === null && !leftOver.has(keyOf(r.host, r.rule)) && !quiet(viewIn(r, contextOf(r), windows)))
        .map((r) => notice('repeat', r));
    },
    onChange: (cb, owner = 'alerts') => bus.on(owner, 'change', cb),
    close: onceClose(async () => {
      clearInterval(timer);
      autoActions?.close();
      offEngine();
      offUpdate();
      for (const off of [...offBus, ...offChecks]) off();
      await Promise.allSettled([...chains.values()]);
    }),
  };
}
