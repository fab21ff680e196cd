import { EventBus } from '../core/event-bus.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import type { InfoPayload, MetricsPayload, ServicesPayload, StatusPayload } from '../protocol/payloads.js';
import { isIdle, idleTrack, stepLevels, trackSeverity, type LevelEvent } from './levels.js';
import {
  deviceFrom, feedContainers, feedForecast, forecastFires, fullWithin, isStale, latestFrom, newHostEntry, ruleEnabled, ruleInputs,
  type HostEntry, type Input, type Track,
} from './host-state.js';
import { effectiveRulesCache, type AlertSettings, type RuleSet } from './rules.js';
import { DEVICE_OFFLINE_REASONS } from '../protocol/schemas/device.js';
import type { Alert, AlertTransition, DeviceFacts, EndCause, RuleId, Severity, TransitionKind } from './types.js';

/**
 * The alert rule engine, pure: no I/O and no timers. The ingest feeds it the
 * payloads it has validated and calls `tick()` every few seconds so that
 * staleness and `for:` durations elapse without new samples. Settings are
 * read through `settings()` at each evaluation, so a change applies at the
 * next sample or tick.
 */
export interface RuleEngineOptions {
  clock: Clock;
  settings: () => AlertSettings;
  log?: Logger;
  /**
   * Until when (ms) no offline alert may fire: the server was away (not
   * subscribed, or just back), so silence and Last Wills prove nothing yet.
   * An offline alert already firing stays; a host still offline when the
   * hold ends fires then. Default: never held.
   */
  offlineHeldUntil?: () => number;
}

export interface RuleEngine {
  /** A metrics sample. A repeated ts (QoS 1 redelivery) is ignored; an older one feeds only the forecast. */
  sample(host: string, metrics: MetricsPayload): void;
  /** The info payload: its core count turns on the load-per-core rule; its `source` says the host is an SNMP device and who polls it. */
  info(host: string, info: InfoPayload): void;
  /** Presence: `offline` (Last Will or clean stop) fires the offline alert at once; `online` resolves it. */
  status(host: string, status: StatusPayload): void;
  /** The host's services; only watched ones can alert. */
  services(host: string, payload: ServicesPayload): void;
  /** Re-evaluates every host at the clock's time: staleness, `for:` durations, settings changes. */
  tick(): void;
  /** Forgets a host; its active alerts end with cause `removed`. */
  removeHost(host: string): void;
  /** Pending and firing alerts (copies), of one host or all. */
  active(host?: string): Alert[];
  /** Calls `cb` on every transition; returns the function that unsubscribes. A throwing listener is logged, never breaks the engine. */
  onTransition(cb: (t: AlertTransition) => void, owner?: string): () => void;
  /**
   * Calls `cb` with a copy of a firing alert whose facts changed without a
   * transition: a device's offline alert whose reason, error or poller changed
   * (a timeout that becomes a poller offline). Returns the function that unsubscribes.
   */
  onUpdate(cb: (alert: Alert) => void, owner?: string): () => void;
}

const FORECAST_RESOLVE_FACTOR = 1.25;

export function createRuleEngine(opts: RuleEngineOptions): RuleEngine {
  const { clock } = opts;
  const bus = new EventBus<{ transition: AlertTransition; update: Alert }>(opts.log ?? createLogger('alerts'));
  const hosts = new Map<string, HostEntry>();
  const rulesOf = effectiveRulesCache(opts.settings);

  const entry = (host: string): HostEntry => {
    let h = hosts.get(host);
    if (!h) hosts.set(host, (h = newHostEntry()));
    return h;
  };

  const copy = (a: Alert): Alert => {
    const out: Alert = { ...a, metric: { ...a.metric } as Alert['metric'] };
    if (a.device) out.device = { ...a.device };
    if (a.iface) out.iface = { ...a.iface };
    if (a.container) out.container = { ...a.container };
    return out;
  };

  function emit(kind: TransitionKind, alert: Alert, now: number, previousSeverity: Severity | null = null, cause?: EndCause): void {
    const t: AlertTransition = { kind, alert: copy(alert), previousSeverity, at: now };
    if (cause) t.cause = cause;
    bus.emit('transition', t);
  }

  function end(h: HostEntry, track: Track, cause: EndCause, now: number): void {
    const fired = track.alert.state === 'firing';
    track.alert.state = fired ? 'resolved' : 'cleared';
    track.alert.resolvedAt = now;
    h.tracks.delete(track.alert.rule);
    emit(fired ? 'resolved' : 'cleared', track.alert, now, null, cause);
  }

  function stepLevelRule(host: string, h: HostEntry, id: RuleId, input: Extract<Input, { kind: 'levels' }>, now: number): void {
    const track = h.tracks.get(id);
    // Below the warning level with nothing pending: nothing to do (most rules of most samples).
    if (!track && input.value < input.levels.warning) return;
    const before = track?.levels ?? idleTrack();
    const { track: after, event } = stepLevels(before, input.value, input.levels, now);
    if (!track && isIdle(after)) return;
    // An ending alert keeps the severity it had, so 'resolved' says what was resolved.
    const severity = event === 'resolved' || event === 'cleared' ? trackSeverity(before) : trackSeverity(after);
    const alert: Alert = track?.alert ?? {
      host, rule: id, severity, state: 'pending', value: null, threshold: null, unit: input.unit,
      metric: { ...input.subject }, since: after.warnSince ?? now, firedAt: null, resolvedAt: null,
    };
    const isService = input.unit === 'state';
    alert.value = isService ? null : input.value;
    alert.severity = severity;
    alert.threshold = isService ? null : severity === 'critical' ? input.levels.critical : input.levels.warning;
    if (input.serviceState) alert.serviceState = input.serviceState;
    if (input.container) alert.container = { ...input.container };
    // A device's alerts say so: no agent to diagnose, and advice for a device, not a shell (advice.ts).
    if (h.device) alert.device = { ...h.device };
    // An interface alert keeps the interface as last seen; an ending `if_down` keeps the state that fired it.
    if (input.iface && (input.unit !== 'state' || input.value >= input.levels.warning)) alert.iface = input.iface;
    const cur: Track = track ?? { alert, levels: after };
    cur.levels = after;
    if (!track) h.tracks.set(id, cur);
    applyLevelEvent(h, cur, event, before.firing, now);
  }

  function applyLevelEvent(h: HostEntry, track: Track, event: LevelEvent | null, previous: Severity | null, now: number): void {
    if (event === null) return;
    if (event === 'resolved' || event === 'cleared') return end(h, track, 'recovered', now);
    if (event === 'firing') {
      track.alert.state = 'firing';
      track.alert.firedAt = now;
    }
    emit(event, track.alert, now, event === 'escalated' || event === 'deescalated' ? previous : null);
  }

  function stepForecast(host: string, h: HostEntry, id: RuleId, input: Extract<Input, { kind: 'forecast' }>, now: number): void {
    const track = h.tracks.get(id);
    const f = input.forecast;
    if (!f) return; // too few points: keep whatever we had
    if (!track) {
      if (!forecastFires(f, input.rules)) return;
      const alert: Alert = {
        host, rule: id, severity: 'warning', state: 'firing', value: f.hoursToFull, threshold: input.rules.horizonHours,
        unit: 'hours', metric: input.subject, since: now, firedAt: now, resolvedAt: null, forecast: f,
      };
      if (h.device) alert.device = { ...h.device };
      h.tracks.set(id, { alert, levels: null });
      return emit('firing', alert, now);
    }
    track.alert.value = f.hoursToFull;
    track.alert.threshold = input.rules.horizonHours;
    track.alert.forecast = f;
    // Resolve only once full is predicted well past the horizon, so a fit
    // hovering at the horizon does not flap.
    if (!fullWithin(f, input.rules.horizonHours * FORECAST_RESOLVE_FACTOR)) end(h, track, 'recovered', now);
  }

  function stepOffline(host: string, h: HostEntry, rules: RuleSet, reason: string | null, now: number): void {
    const track = h.tracks.get('offline');
    if (track && (!reason || !rules.offline.enabled)) return end(h, track, reason ? 'disabled' : 'recovered', now);
    if (!reason || !rules.offline.enabled) return;
    if (!track && now < (opts.offlineHeldUntil?.() ?? 0)) return; // re-evaluated at every tick: fires once the hold ends
    const value = h.heardAt === null ? null : (now - h.heardAt) / 1000;
    const threshold = h.intervalS === null ? null : rules.offline.missedIntervals * h.intervalS;
    const device = deviceOf(h, reason);
    const error = h.offlineStatus === reason ? h.offlineError : null;
    if (track) {
      const a = track.alert;
      const changed = a.offlineReason !== reason || (a.offlineError ?? null) !== error || a.device?.poller !== device?.poller || a.device?.address !== device?.address;
      Object.assign(a, { value, threshold });
      if (!changed) return;
      setOfflineFacts(a, reason, error, device);
      bus.emit('update', copy(a));
      return;
    }
    const alert: Alert = {
      host, rule: 'offline', severity: 'critical', state: 'firing', value, threshold, unit: 'seconds',
      metric: { metric: 'presence', key: '' }, since: now, firedAt: now, resolvedAt: null,
    };
    setOfflineFacts(alert, reason, error, device);
    h.tracks.set('offline', { alert, levels: null });
    emit('firing', alert, now);
  }

  // A device is known by its info's source, or before it by an offline reason only a device's status gives.
  function deviceOf(h: HostEntry, reason: string): DeviceFacts | null {
    if (h.device) return h.device;
    return (DEVICE_OFFLINE_REASONS as readonly string[]).includes(reason) ? { poller: null, address: null } : null;
  }

  function setOfflineFacts(a: Alert, reason: string, error: string | null, device: DeviceFacts | null): void {
    a.offlineReason = reason;
    if (error) a.offlineError = error;
    else delete a.offlineError;
    if (device) a.device = { ...device };
    else delete a.device;
  }

  function evaluate(host: string, h: HostEntry): void {
    const now = clock.now();
    const rules = rulesOf(host);
    const offline = h.offlineStatus ?? (isStale(h, rules, now) ? 'stale' : null);
    stepOffline(host, h, rules, offline, now);
    if (offline) {
      // Without data nothing can be confirmed: pending alerts go; firing ones
      // keep their last state until samples come back.
      for (const t of [...h.tracks.values()]) if (t.alert.state === 'pending') end(h, t, 'offline', now);
      return;
    }
    const inputs = ruleInputs(h, rules);
    if (inputs.size > 0) {
      for (const [id, input] of inputs.entries()) {
        if (input.kind === 'levels') stepLevelRule(host, h, id, input, now);
        else if (input.kind === 'forecast') stepForecast(host, h, id, input, now);
      }
    }
    if (h.tracks.size === 0) return;
    for (const [id, t] of [...h.tracks]) {
      if (id !== 'offline' && !inputs.has(id)) end(h, t, ruleEnabled(rules, id) ? 'gone' : 'disabled', now);
    }
  }

  return {
    sample(host, m) {
      const h = entry(host);
      if (m.ts === h.newestTs) return;
      const isNewest = h.newestTs === null || m.ts > h.newestTs;
      feedForecast(h, m, rulesOf(host).diskForecast, isNewest);
      if (isNewest) feedContainers(h, m, rulesOf(host).containers);
      h.heardAt = clock.now();
      if (isNewest) {
        if (h.newestTs !== null && !h.intervalFromStatus) h.intervalS = Math.min(86_400, Math.max(0.1, (m.ts - h.newestTs) / 1000));
        h.newestTs = m.ts;
        h.latest = latestFrom(m);
        if (m.cpu?.cores) h.metricCores = m.cpu.cores;
      }
      evaluate(host, h);
    },
    info(host, info) {
      const h = entry(host);
      h.infoCores = info.cpu.cores > 0 ? info.cpu.cores : null;
      h.device = deviceFrom(info);
      evaluate(host, h);
    },
    status(host, s) {
      const h = entry(host);
      h.intervalS = s.interval;
      h.intervalFromStatus = true;
      if (s.state === 'online') {
        h.offlineStatus = null;
        h.offlineError = null;
        h.heardAt = clock.now();
      } else {
        h.offlineStatus = s.reason || 'stopped';
        h.offlineError = s.error || null;
      }
      evaluate(host, h);
    },
    services(host, p) {
      const h = entry(host);
      if (h.servicesTs !== null && p.ts < h.servicesTs) return;
      h.servicesTs = p.ts;
      h.services = { list: p.services };
      evaluate(host, h);
    },
    tick() {
      for (const [host, h] of hosts) evaluate(host, h);
    },
    removeHost(host) {
      const h = hosts.get(host);
      if (!h) return;
      const now = clock.now();
      for (const t of [...h.tracks.values()]) end(h, t, 'removed', now);
      hosts.delete(host);
    },
    active(host) {
      const out: Alert[] = [];
      for (const [id, h] of hosts) {
        if (host === undefined || host === id) for (const t of h.tracks.values()) out.push(copy(t.alert));
      }
      return out;
    },
    onTransition(cb, owner = 'alerts') {
      return bus.on(owner, 'transition', cb);
    },
    onUpdate(cb, owner = 'alerts') {
      return bus.on(owner, 'update', cb);
    },
  };
}
