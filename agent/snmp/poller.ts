import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../../core/logger.js';
import { MINUTE_MS, type Clock } from '../../core/time.js';
import { VIGIE_VERSION } from '../../core/version.js';
import {
  DEVICE_LIMITS, DEVICE_ONLINE_REASON, PROTOCOL_VERSION, validatePayload,
  type DeviceOfflineReason, type DeviceSpec, type InfoPayload, type MetricsPayload, type StatusPayload,
} from '../../protocol/payloads.js';
import { createCheckScheduler, type Timers } from '../checks/scheduler.js';
import { createCounterMemory, type CounterMemory } from './counters.js';
import { mapReadings, type Readings } from './map.js';
import { readDevice } from './read.js';
import { classifySnmpError, openSession, SessionClosedError, type SnmpSession } from './session.js';
import { asUnsigned } from './values.js';

/** Where a device's payloads go (agent/publisher.ts in the agent; a recorder in tests and the benchmark). */
export interface DeviceSink {
  /** Retained; sent again on reconnect until forget(). */
  status(device: string, payload: StatusPayload): void;
  /** Retained; sent again on reconnect until forget(). */
  info(device: string, payload: InfoPayload): void;
  /** QoS 1, not retained, not buffered. */
  metrics(device: string, payload: MetricsPayload): void;
  /** The device left this poller's configuration: nothing more is sent for it. */
  forget(device: string): void;
}

export interface DevicePollerOptions {
  /** Host id of this agent (info.source.poller). */
  poller: string;
  /** Devices polled at the same time at most (`agent.snmp.concurrency`). */
  concurrency: number;
  sink: DeviceSink;
  clock: Clock;
  log: Logger;
  timers?: Timers;
  random?: () => number;
  /** Monotonic milliseconds, the time base of rates (default performance.now: the wall clock may be stepped). */
  monotonic?: () => number;
  /** Hears every finished poll (the benchmark). */
  onPoll?: (device: string, durationMs: number, ok: boolean) => void;
}

export interface DevicePollerStats {
  devices: number;
  running: number;
  queued: number;
  skipped: number;
  polls: number;
  failures: number;
}

export interface DevicePoller extends Handle {
  /** The devices of the latest configuration (undefined: none). Unchanged ones go on, changed ones restart, missing ones stop at once. */
  apply(devices: readonly DeviceSpec[] | undefined): void;
  stats(): DevicePollerStats;
}

/** Per device, reset when its spec changes: the session kept between polls, the counters, what was last published. */
interface DeviceState {
  key: string;
  session?: SnmpSession;
  counters: CounterMemory;
  status?: string;
  /** Monotonic time the status was last published. */
  statusAt?: number;
  info?: string;
  bootTime?: number;
}

type PollResult =
  | { ok: true; state: DeviceState; readings: Readings; ts: number; at: number }
  | { ok: false; state: DeviceState; reason: Exclude<DeviceOfflineReason, 'poller-offline'>; error: string };

/** An unchanged status is published again after this long (see publishStatus). */
export const STATUS_REFRESH_MS = 5 * MINUTE_MS;
/** A boot time that moved less than this is the same boot (ts - uptime jitters with each poll's timing). */
const SAME_BOOT_MS = 2 * MINUTE_MS;
/** Optional groups left out of metrics when they do not fit the contract, the others still published. */
const METRIC_GROUPS = ['cpu', 'mem', 'swap', 'disks', 'net', 'uptime', 'custom'] as const;

/**
 * How long one poll may take: most of the interval (the next tick is skipped
 * while it runs), and never less than one request's full timeout and retries.
 */
export function pollDeadlineMs(spec: Pick<DeviceSpec, 'interval' | 'timeout' | 'retries'>): number {
  return Math.max(spec.interval * 900, (spec.timeout * (spec.retries + 1) + 1) * 1000);
}

/**
 * The agent's SNMP poller (issue 13, docs/agent.md "SNMP devices"): polls
 * each device of its configuration on its own jittered schedule, at most
 * `concurrency` at once and one poll at a time per device (the check
 * scheduler), and publishes each device as a host: status when it changes,
 * info at the first success and when it changes, metrics at every
 * successful poll. A device removed from the configuration is forgotten at
 * once: a poll still in flight for it publishes nothing.
 */
export function startDevicePoller(opts: DevicePollerOptions): DevicePoller {
  const { clock, log, sink } = opts;
  const monotonic = opts.monotonic ?? (() => performance.now());
  const warn = createRateLimitedLog(log, 10 * MINUTE_MS);
  const states = new Map<string, DeviceState>();
  let polls = 0;
  let failures = 0;

  const stateFor = (spec: DeviceSpec): DeviceState => {
    const key = JSON.stringify(spec);
    let state = states.get(spec.id);
    if (!state || state.key !== key) {
      state?.session?.close();
      state = { key, counters: createCounterMemory() };
      states.set(spec.id, state);
    }
    return state;
  };

  const publishStatus = (spec: DeviceSpec, state: DeviceState, online: boolean, reason: string, error?: string): void => {
    const payload: StatusPayload = { v: PROTOCOL_VERSION, state: online ? 'online' : 'offline', reason, agent: VIGIE_VERSION, interval: spec.interval, ts: Math.round(clock.now()) };
    if (error !== undefined) payload.error = error.slice(0, 256);
    const key = `${payload.state}\n${reason}\n${payload.error ?? ''}`;
    // Sent again now and then even when unchanged: the server's `poller-offline` (published when this
    // agent's Last Will fired) may land after this agent's reconnection, and must not stick.
    const now = monotonic();
    if (key === state.status && state.statusAt !== undefined && now - state.statusAt < STATUS_REFRESH_MS) return;
    const changed = key !== state.status;
    state.status = key;
    state.statusAt = now;
    if (changed && online) log.info({ device: spec.id }, 'device answers');
    else if (changed) log.warn({ device: spec.id, reason, error }, 'device poll failed; published offline');
    sink.status(spec.id, payload);
  };

  /** Drops the groups that do not fit the contract (logged), so one odd value does not cost the whole sample. */
  const validMetrics = (device: string, metrics: MetricsPayload): MetricsPayload | undefined => {
    if (validatePayload('metrics', metrics).ok) return metrics;
    const kept: MetricsPayload = { v: metrics.v, ts: metrics.ts };
    for (const group of METRIC_GROUPS) {
      if (metrics[group] === undefined) continue;
      const one = { v: metrics.v, ts: metrics.ts, [group]: metrics[group] };
      const valid = validatePayload('metrics', one);
      if (valid.ok) Object.assign(kept, one);
      else warn(`invalid:${device}:${group}`, 'device value does not fit the metrics contract; group left out', { device, group, err: valid.error });
    }
    return validatePayload('metrics', kept).ok ? kept : undefined;
  };

  const scheduler = createCheckScheduler<PollResult, DeviceSpec>({
    concurrency: opts.concurrency,
    limit: DEVICE_LIMITS.perPoller,
    clock,
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    runTimeoutMs: pollDeadlineMs,
    async run(spec, signal) {
      const state = stateFor(spec);
      const ts = Math.round(clock.now());
      const at = monotonic();
      const session = state.session ?? await openSession(spec, (error) => warn(`datagram:${spec.id}`, 'undecodable SNMP answer ignored', { device: spec.id, err: error.message }));
      state.session = session;
      // The abort (deadline, removal, change) closes the socket: every request in flight fails at once.
      const abort = (): void => session.close();
      signal.addEventListener('abort', abort, { once: true });
      try {
        const readings = await readDevice(session, spec, (group, error) => warn(`group:${spec.id}:${group}`, 'device refused a MIB group; left out', { device: spec.id, group, error }));
        // Aborted after the last answer: the deadline passed, whatever was read.
        if (signal.aborted) throw new SessionClosedError();
        opts.onPoll?.(spec.id, monotonic() - at, true);
        return { ok: true, state, readings, ts, at };
      } catch (error) {
        // A failed session is not reused: the next poll starts afresh (SNMPv3 discovery again after a device reboot).
        session.close();
        if (state.session === session) state.session = undefined;
        opts.onPoll?.(spec.id, monotonic() - at, false);
        if (signal.aborted) return { ok: false, state, reason: 'snmp-timeout', error: `poll did not finish within ${Math.round(pollDeadlineMs(spec) / 1000)} s` };
        return { ok: false, state, ...classifySnmpError(error) };
      } finally {
        signal.removeEventListener('abort', abort);
      }
    },
    timedOut: (spec) => ({ ok: false, state: stateFor(spec), reason: 'snmp-timeout', error: `poll did not finish within ${Math.round(pollDeadlineMs(spec) / 1000)} s` }),
    complete(spec, result, wanted) {
      // Synchronous from here: wanted() was true when complete() was called, and nothing below awaits.
      if (!wanted()) return;
      const { state } = result;
      if (!result.ok) {
        failures += 1;
        publishStatus(spec, state, false, result.reason, result.error);
        return;
      }
      polls += 1;
      state.counters.begin(result.at, asUnsigned(result.readings.system.sysUpTime));
      if (state.counters.restarted) log.info({ device: spec.id }, 'device restarted (sysUpTime went back): no rates from this poll');
      const { info, metrics } = mapReadings(result.readings, { spec, poller: opts.poller, agentVersion: VIGIE_VERSION, ts: result.ts, counters: state.counters });
      state.counters.end();
      publishStatus(spec, state, true, DEVICE_ONLINE_REASON);
      if (state.bootTime !== undefined && Math.abs(info.bootTime - state.bootTime) < SAME_BOOT_MS) info.bootTime = state.bootTime;
      const infoValid = validatePayload('info', info);
      if (!infoValid.ok) warn(`info:${spec.id}`, 'device info does not fit the contract; not published', { device: spec.id, err: infoValid.error });
      else {
        const key = JSON.stringify({ ...info, ts: 0 });
        if (key !== state.info) {
          state.info = key;
          state.bootTime = info.bootTime;
          sink.info(spec.id, info);
        }
      }
      const valid = validMetrics(spec.id, metrics);
      if (valid) sink.metrics(spec.id, valid);
    },
    removed(id) {
      states.get(id)?.session?.close();
      states.delete(id);
      sink.forget(id);
      log.info({ device: id }, 'device removed from the configuration; no longer polled');
    },
    skipped: (id) => warn(`skip:${id}`, 'device poll still running at its next tick; this tick is skipped', { device: id }),
  });

  return {
    apply(devices) {
      scheduler.update(devices ?? []);
    },
    stats: () => {
      const s = scheduler.stats();
      return { devices: s.checks, running: s.running, queued: s.queued, skipped: s.skipped, polls, failures };
    },
    close: onceClose(async () => {
      await scheduler.close();
      for (const state of states.values()) state.session?.close();
      states.clear();
    }),
  };
}
