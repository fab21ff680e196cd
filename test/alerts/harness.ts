import '../helpers/env.js';
import { createRuleEngine, type RuleEngine } from '../../alerts/engine.js';
import { defaultAlertSettings, validateAlertSettings, type AlertSettings } from '../../alerts/rules.js';
import type { AlertTransition, RuleId } from '../../alerts/types.js';
import type { InfoPayload, MetricsPayload, ServicesPayload, StatusPayload } from '../../protocol/payloads.js';
import type { ServiceState } from '../../protocol/schemas/services.js';

export const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

export interface SampleValues {
  cpu?: number;
  mem?: number;
  swap?: number;
  load1?: number;
  cores?: number;
  temperature?: number | null;
  disks?: Record<string, number>;
}

/** A metrics payload holding only the groups given. */
export function metrics(ts: number, v: SampleValues): MetricsPayload {
  const m: MetricsPayload = { v: 1, ts };
  if (v.cpu !== undefined || v.load1 !== undefined) {
    m.cpu = { usage: v.cpu ?? 10, load1: v.load1 ?? 0.1, load5: 0.1, load15: 0.1 };
    if (v.cores !== undefined) m.cpu.cores = v.cores;
  }
  if (v.mem !== undefined) m.mem = { total: 1000, used: v.mem * 10, available: 1000 - v.mem * 10, usedPercent: v.mem };
  if (v.swap !== undefined) m.swap = { total: 1000, used: v.swap * 10, usedPercent: v.swap };
  if (v.temperature !== undefined) m.temperature = { cpu: v.temperature };
  if (v.disks) {
    m.disks = Object.entries(v.disks).map(([mount, usedPercent]) => ({ mount, fs: 'ext4', total: 1e9, used: usedPercent * 1e7, free: 1e9 - usedPercent * 1e7, usedPercent }));
  }
  return m;
}

export function info(ts: number, cores: number): InfoPayload {
  return {
    v: 1, ts, hostname: 'h', os: { platform: 'linux', distro: 'debian', release: '12' }, kernel: '6.1', arch: 'x64',
    cpu: { model: 'test', cores }, memTotal: 1e9, disks: [], addresses: [], bootTime: ts - 1e6, agent: '0.1.0',
  };
}

export function status(state: 'online' | 'offline', reason: string, interval = 10): StatusPayload {
  return { v: 1, state, reason, agent: '0.1.0', interval };
}

export function services(ts: number, states: Record<string, ServiceState>): ServicesPayload {
  return { v: 1, ts, services: Object.entries(states).map(([name, state]) => ({ name, state, enabled: true })) };
}

/** Validated settings from a partial object; throws with the messages when invalid. */
export function settingsOf(input: unknown): AlertSettings {
  const r = validateAlertSettings(input);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/**
 * An engine on a fake clock that records every transition. `feed(host, values)`
 * sends a sample stamped with the clock's time; `advance(s)` moves the clock.
 */
export function harness(initial: AlertSettings = defaultAlertSettings(), opts: { offlineHeldUntil?: () => number } = {}) {
  let now = T0;
  let current = initial;
  const engine: RuleEngine = createRuleEngine({ clock: { now: () => now }, settings: () => current, ...opts });
  const events: AlertTransition[] = [];
  engine.onTransition((t) => events.push(t));
  return {
    engine,
    events,
    get now() { return now; },
    advance(seconds: number) { now += seconds * 1000; },
    setSettings(s: AlertSettings) { current = s; },
    feed(host: string, v: SampleValues) { engine.sample(host, metrics(now, v)); },
    /** Transitions of one rule, as `kind:severity` strings. */
    kinds(rule: RuleId, host = 'h') {
      return events.filter((e) => e.alert.rule === rule && e.alert.host === host).map((e) => `${e.kind}:${e.alert.severity}`);
    },
    activeOf(rule: RuleId, host = 'h') {
      return engine.active(host).find((a) => a.rule === rule);
    },
  };
}
