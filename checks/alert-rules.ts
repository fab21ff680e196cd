import { idleTrack, isIdle, stepLevels, trackSeverity, type LevelEvent, type Levels, type LevelTrack } from '../alerts/levels.js';
import type { Alert, AlertTransition, CheckFacts, EndCause, RuleId, Severity, TransitionKind } from '../alerts/types.js';
import { EventBus } from '../core/event-bus.js';
import { createLogger, type Logger } from '../core/logger.js';
import { HOUR_MS, secondsToMs, type Clock } from '../core/time.js';
import type { CheckResultPayload } from '../protocol/schemas/check.js';
import type { CheckDefinition } from './definition.js';
import type { CheckCatalog, CheckResultRecord } from './types.js';

/**
 * The alert rules of network checks (issue 12), pure: no I/O and no timers,
 * like alerts/engine.ts, whose lifecycle and transitions they share (the
 * alert service stores, publishes and notifies both the same way). One set
 * of tracks per (runner, check); the alert's host is the runner:
 *
 * - `check:<id>`: critical once `downAfter` consecutive results of that
 *   runner are down (pending from the first), resolved by the first up;
 * - `check_latency:<id>`: warning/critical on the result's latency with the
 *   check's `for`, through alerts/levels.ts (the same episodes and hysteresis
 *   as the host threshold rules);
 * - `check_cert:<id>`: days left to the certificate's `notAfter` at or under
 *   `certDays.warning` / `certDays.critical` (expired is under both).
 *
 * Script checks (issue 14) use the same `check:<id>` rule on their Nagios
 * status instead of up/down: `downAfter` consecutive results that are not
 * ok fire it, warning for `warning`, critical for `critical` and `unknown`
 * (a refused run is unknown); a later result of the other level escalates
 * or de-escalates it; the first ok resolves it.
 *
 * A check disabled, deleted or no longer run by a runner ends its alerts
 * there (cause `disabled` / `removed`). A runner that goes offline is treated
 * like the engine treats an offline host: its pending check alerts end
 * (cause `offline`), firing ones keep their last state until results come back.
 */

export type CheckRuleKind = 'down' | 'latency' | 'cert';

const PREFIX: Record<CheckRuleKind, string> = { down: 'check', latency: 'check_latency', cert: 'check_cert' };
const KIND_OF: Record<string, CheckRuleKind> = { check: 'down', check_latency: 'latency', check_cert: 'cert' };

/** `check:moodle`, `check_latency:moodle`, `check_cert:moodle`. */
export const checkRuleId = (kind: CheckRuleKind, check: string): RuleId => `${PREFIX[kind]}:${check}` as RuleId;

/** The kind and check id of a check rule id; null for any other rule. */
export function parseCheckRule(rule: string): { kind: CheckRuleKind; check: string } | null {
  const colon = rule.indexOf(':');
  if (colon < 0) return null;
  const kind = KIND_OF[rule.slice(0, colon)];
  return kind ? { kind, check: rule.slice(colon + 1) } : null;
}

export const isCheckRule = (rule: string): boolean => parseCheckRule(rule) !== null;

/**
 * Latency levels have no hysteresis setting of their own: a tenth of the
 * warning level (10 ms under a 100 ms threshold) keeps a latency hovering
 * at the level in one episode, as `hysteresis` does for the host rules.
 */
export const LATENCY_HYSTERESIS = 0.1;

export interface CheckRulesOptions {
  clock: Clock;
  /** The definitions, read at each evaluation: a change applies at the next result, tick or `sync()`. */
  catalog: Pick<CheckCatalog, 'get'>;
  log?: Logger;
}

export interface CheckRules {
  /** A result as the ingest accepted it. A repeated or older `ts` (QoS 1 redelivery, a retained copy) is ignored. */
  result(record: CheckResultRecord): void;
  /** A runner's presence: offline ends its pending check alerts; firing ones wait for results. */
  presence(runner: string, online: boolean): void;
  /** Re-reads the catalog for every track now (after a create, update, delete or import). */
  sync(): void;
  /** Re-evaluates at the clock's time: `for:` durations, certificate days, catalog changes. */
  tick(): void;
  /** Forgets a runner; its check alerts end with cause `removed`. */
  removeHost(runner: string): void;
  /** Pending and firing check alerts (copies), of one runner or all. */
  active(host?: string): Alert[];
  /** The result behind an alert: the last failed one for `check:`, the latest for the others; null when unknown. */
  evidence(host: string, rule: string): CheckResultPayload | null;
  onTransition(cb: (t: AlertTransition) => void, owner?: string): () => void;
  /**
   * A firing alert whose facts changed without a transition: another runner
   * of the same check went down or came back ("1 of 2 places" → "2 of 2").
   */
  onUpdate(cb: (alert: Alert) => void, owner?: string): () => void;
}

interface Track {
  alert: Alert;
  /** Latency and certificate rules; null for `down`. */
  levels: LevelTrack | null;
}

interface Pair {
  runner: string;
  check: string;
  lastTs: number | null;
  last: CheckResultPayload | null;
  lastFailure: CheckResultPayload | null;
  /** Consecutive down results, and the server time of the first of them. */
  fails: number;
  failingSince: number | null;
  tracks: Map<CheckRuleKind, Track>;
}

const pairKey = (runner: string, check: string): string => `${runner}\u0000${check}`;

/**
 * Whether a result counts against its check: down for a network check; for a
 * script check any Nagios status but ok (a warning is still "up" for availability).
 */
export function isFailing(result: CheckResultPayload): boolean {
  return result.script ? result.script.status !== 'ok' : result.state === 'down';
}

/** The severity a failing result asks for: a script's warning is a warning, everything else critical. */
export function failureSeverity(result: CheckResultPayload | null): Severity {
  return result?.script?.status === 'warning' ? 'warning' : 'critical';
}
const copy = (a: Alert): Alert => ({ ...a, metric: { ...a.metric } as Alert['metric'], ...(a.check ? { check: { ...a.check } } : {}) });

/** Latency levels of a check, seconds; null when it sets neither. Only a critical level: it fires critical at once. */
export function latencyLevels(def: CheckDefinition): Levels | null {
  const { warning, critical } = def.alerting.latency;
  if (warning === null && critical === null) return null;
  const warn = warning ?? critical!;
  return {
    warning: warn,
    critical: critical ?? Number.POSITIVE_INFINITY,
    hysteresis: warn * LATENCY_HYSTERESIS,
    forMs: secondsToMs(def.alerting.latency.for),
  };
}

/**
 * Certificate levels, on minus the hours left (alerts/levels.ts compares
 * "value ≥ level"; fewer hours left is worse). No hysteresis: a renewal
 * jumps by weeks, and the days left only fall in between.
 */
function certLevels(def: CheckDefinition): Levels {
  return { warning: -def.alerting.certDays.warning * 24, critical: -def.alerting.certDays.critical * 24, hysteresis: 0, forMs: 0 };
}

export function createCheckRules(opts: CheckRulesOptions): CheckRules {
  const { clock, catalog } = opts;
  const log = opts.log ?? createLogger('alerts');
  const bus = new EventBus<{ transition: AlertTransition; update: Alert }>(log);
  const pairs = new Map<string, Pair>();
  const offline = new Set<string>();

  function emit(kind: TransitionKind, alert: Alert, now: number, previousSeverity: Severity | null = null, cause?: EndCause): void {
    const t: AlertTransition = { kind, alert: copy(alert), previousSeverity, at: now };
    if (cause) t.cause = cause;
    bus.emit('transition', t);
  }

  function end(p: Pair, kind: CheckRuleKind, cause: EndCause, now: number): void {
    const track = p.tracks.get(kind);
    if (!track) return;
    const fired = track.alert.state === 'firing';
    track.alert.state = fired ? 'resolved' : 'cleared';
    track.alert.resolvedAt = now;
    p.tracks.delete(kind);
    emit(fired ? 'resolved' : 'cleared', track.alert, now, null, cause);
  }

  const endAll = (p: Pair, cause: EndCause, now: number): void => {
    for (const kind of [...p.tracks.keys()]) end(p, kind, cause, now);
  };

  /** How many of the check's runners have a latest result that is down. */
  function downFrom(def: CheckDefinition): number {
    let n = 0;
    for (const runner of def.runners) {
      const last = pairs.get(pairKey(runner, def.id))?.last;
      if (last && isFailing(last)) n += 1;
    }
    return n;
  }

  function facts(def: CheckDefinition, result: CheckResultPayload | null): CheckFacts {
    const f: CheckFacts = {
      id: def.id, name: def.name, kind: def.kind, target: def.target, groupId: def.groupId,
      downFrom: downFrom(def), runners: def.runners.length, message: result?.message ?? '',
    };
    if (result?.status !== undefined) f.status = result.status;
    if (result?.cert) f.notAfter = result.cert.notAfter;
    if (result?.script) f.scriptStatus = result.script.status;
    if (result?.script?.refused) f.refused = result.script.refused;
    return f;
  }

  function newAlert(p: Pair, kind: CheckRuleKind, init: Pick<Alert, 'severity' | 'state' | 'value' | 'threshold' | 'unit' | 'since'>, f: CheckFacts, now: number): Alert {
    const metric = kind === 'down' ? 'check.up' : kind === 'latency' ? 'check.latency' : 'check.certExpiry';
    return {
      host: p.runner, rule: checkRuleId(kind, p.check), ...init, metric: { metric, key: p.check },
      firedAt: init.state === 'firing' ? now : null, resolvedAt: null, check: f,
    };
  }

  function stepDown(p: Pair, def: CheckDefinition, now: number): void {
    const track = p.tracks.get('down');
    if (p.fails === 0) return end(p, 'down', 'recovered', now);
    const f = facts(def, p.lastFailure);
    const firing = p.fails >= def.alerting.downAfter;
    const severity = failureSeverity(p.lastFailure);
    if (!track) {
      const alert = newAlert(p, 'down', {
        severity, state: firing ? 'firing' : 'pending', value: p.fails, threshold: def.alerting.downAfter,
        unit: 'state', since: p.failingSince ?? now,
      }, f, now);
      p.tracks.set('down', { alert, levels: null });
      return emit(firing ? 'firing' : 'pending', alert, now);
    }
    const before = track.alert.check;
    const previous = track.alert.severity;
    Object.assign(track.alert, { value: p.fails, threshold: def.alerting.downAfter, check: f, severity });
    // A script check between warning and critical while firing: the same alert, one level up or down.
    if (track.alert.state === 'firing' && severity !== previous) {
      return emit(severity === 'critical' ? 'escalated' : 'deescalated', track.alert, now, previous);
    }
    // A runner added to or taken off the check changes its "n of m" (another runner's state is refreshSiblings').
    if (track.alert.state === 'firing' && (before?.downFrom !== f.downFrom || before?.runners !== f.runners)) bus.emit('update', copy(track.alert));
    if (firing && track.alert.state === 'pending') {
      track.alert.state = 'firing';
      track.alert.firedAt = now;
      emit('firing', track.alert, now);
    }
  }

  /** One level rule step, as the engine's stepLevelRule: the alert shows `shown` (latency s, hours left), levels see `value`. */
  function stepLevelRule(p: Pair, kind: 'latency' | 'cert', value: number, shown: (v: number) => number, lv: Levels, f: CheckFacts, now: number): void {
    const track = p.tracks.get(kind);
    const before = track?.levels ?? idleTrack();
    const { track: after, event } = stepLevels(before, value, lv, now);
    if (!track && isIdle(after)) return;
    // An ending alert keeps the severity it had, so 'resolved' says what was resolved.
    const severity = event === 'resolved' || event === 'cleared' ? trackSeverity(before) : trackSeverity(after);
    const level = severity === 'critical' ? lv.critical : lv.warning;
    const threshold = Number.isFinite(level) ? shown(level) : null;
    const alert = track?.alert ?? newAlert(p, kind, {
      severity, state: 'pending', value: shown(value), threshold, unit: kind === 'latency' ? 'seconds' : 'hours', since: after.warnSince ?? now,
    }, f, now);
    Object.assign(alert, { severity, value: shown(value), threshold, check: f });
    const cur: Track = track ?? { alert, levels: after };
    cur.levels = after;
    if (!track) p.tracks.set(kind, cur);
    applyLevelEvent(p, kind, cur, event, before.firing, now);
  }

  function applyLevelEvent(p: Pair, kind: CheckRuleKind, track: Track, event: LevelEvent | null, previous: Severity | null, now: number): void {
    if (event === null) return;
    if (event === 'resolved' || event === 'cleared') return end(p, kind, 'recovered', now);
    if (event === 'firing') {
      track.alert.state = 'firing';
      track.alert.firedAt = now;
    }
    emit(event, track.alert, now, event === 'escalated' || event === 'deescalated' ? previous : null);
  }

  function stepLatency(p: Pair, def: CheckDefinition, now: number): void {
    const lv = latencyLevels(def);
    if (!lv) return end(p, 'latency', 'disabled', now);
    const latency = p.last?.latency;
    if (latency === null || latency === undefined) return; // no latency this run (down before it got that far): the alert stays as it is
    stepLevelRule(p, 'latency', latency, (v) => v, lv, facts(def, p.last), now);
  }

  function stepCert(p: Pair, def: CheckDefinition, now: number): void {
    const cert = p.last?.cert;
    if (!cert) {
      // Up without a certificate: the check no longer looks at one (an http:// target now). Down: unknown, keep.
      if (p.last?.state === 'up') end(p, 'cert', 'gone', now);
      return;
    }
    const hoursLeft = (cert.notAfter - now) / HOUR_MS;
    stepLevelRule(p, 'cert', -hoursLeft, (v) => -v, certLevels(def), facts(def, p.last), now);
  }

  /** The definition that still applies to a pair, or why its alerts end. */
  function applies(p: Pair): CheckDefinition | EndCause {
    const def = catalog.get(p.check);
    if (!def || !def.runners.includes(p.runner)) return 'removed';
    return def.enabled ? def : 'disabled';
  }

  /** Firing down alerts of the check's other runners whose "n of m" changed. */
  function refreshSiblings(def: CheckDefinition, except: Pair): void {
    const n = downFrom(def);
    for (const runner of def.runners) {
      const sibling = pairs.get(pairKey(runner, def.id));
      const track = sibling?.tracks.get('down');
      if (!sibling || sibling === except || !track || track.alert.state !== 'firing' || !track.alert.check) continue;
      if (track.alert.check.downFrom === n && track.alert.check.runners === def.runners.length) continue;
      track.alert.check = { ...track.alert.check, downFrom: n, runners: def.runners.length };
      bus.emit('update', copy(track.alert));
    }
  }

  function evaluate(p: Pair, now: number): void {
    const def = applies(p);
    if (typeof def === 'string') {
      endAll(p, def, now);
      pairs.delete(pairKey(p.runner, p.check));
      return;
    }
    if (offline.has(p.runner)) {
      // Nothing can be confirmed without results: pending alerts go, firing ones stay as they are.
      for (const [kind, t] of [...p.tracks]) if (t.alert.state === 'pending') end(p, kind, 'offline', now);
      return;
    }
    stepDown(p, def, now);
    stepLatency(p, def, now);
    stepCert(p, def, now);
  }

  return {
    result(record) {
      const def = catalog.get(record.check);
      // Results of checks this runner does not (or no longer) run alert nobody.
      if (!def || !def.enabled || !def.runners.includes(record.runner)) return;
      const key = pairKey(record.runner, record.check);
      let p = pairs.get(key);
      if (!p) {
        p = { runner: record.runner, check: record.check, lastTs: null, last: null, lastFailure: null, fails: 0, failingSince: null, tracks: new Map() };
        pairs.set(key, p);
      }
      const r = record.result;
      if (p.lastTs !== null && r.ts <= p.lastTs) return;
      const now = clock.now();
      const wasDown = p.last ? isFailing(p.last) : false;
      p.lastTs = r.ts;
      p.last = r;
      if (isFailing(r)) {
        p.fails += 1;
        p.failingSince ??= now;
        p.lastFailure = r;
      } else {
        p.fails = 0;
        p.failingSince = null;
      }
      offline.delete(record.runner); // it just spoke
      evaluate(p, now);
      if (wasDown !== isFailing(r)) refreshSiblings(def, p);
    },
    presence(runner, online) {
      if (online) {
        offline.delete(runner);
        return;
      }
      if (offline.has(runner)) return;
      offline.add(runner);
      const now = clock.now();
      for (const p of [...pairs.values()]) if (p.runner === runner) evaluate(p, now);
    },
    sync() {
      const now = clock.now();
      for (const p of [...pairs.values()]) evaluate(p, now);
    },
    tick() {
      const now = clock.now();
      for (const p of [...pairs.values()]) evaluate(p, now);
    },
    removeHost(runner) {
      const now = clock.now();
      for (const [key, p] of [...pairs]) {
        if (p.runner !== runner) continue;
        endAll(p, 'removed', now);
        pairs.delete(key);
      }
      offline.delete(runner);
    },
    active(host) {
      const out: Alert[] = [];
      for (const p of pairs.values()) {
        if (host === undefined || host === p.runner) for (const t of p.tracks.values()) out.push(copy(t.alert));
      }
      return out;
    },
    evidence(host, rule) {
      const parsed = parseCheckRule(rule);
      const p = parsed ? pairs.get(pairKey(host, parsed.check)) : undefined;
      if (!p || !parsed) return null;
      return parsed.kind === 'down' ? p.lastFailure : p.last;
    },
    onTransition(cb, owner = 'alerts') {
      return bus.on(owner, 'transition', cb);
    },
    onUpdate(cb, owner = 'alerts') {
      return bus.on(owner, 'update', cb);
    },
  };
}
