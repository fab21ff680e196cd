import { readFileSync } from 'node:fs';
import type { Handle } from '../../core/lifecycle.js';
import { onceClose } from '../../core/lifecycle.js';
import { createRateLimitedLog, type Logger } from '../../core/logger.js';
import { MINUTE_MS, type Clock } from '../../core/time.js';
import {
  PROTOCOL_VERSION, validatePayload, type AgentConfigPayload, type CheckKind, type CheckResultPayload, type CheckSpec,
} from '../../protocol/payloads.js';
import type { AgentChecksConfig } from '../config.js';
import { probeDns } from './dns.js';
import { probeHttp } from './http.js';
import { createNetworkPolicy, type NetworkPolicy } from './network-policy.js';
import { probePing } from './ping.js';
import { createCheckScheduler, type Timers } from './scheduler.js';
import { probeTcp } from './tcp.js';
import { probeTls } from './tls.js';
import { createTracer, type Tracer } from './trace.js';
import { clip, type Probe, type ProbeResult } from './types.js';

/** The one table of probes: a new kind is a file and a line here. */
export const PROBES: Record<CheckKind, Probe> = {
  ping: probePing,
  tcp: probeTcp,
  tls: probeTls,
  http: probeHttp,
  dns: probeDns,
};

/** A failing check attaches the path to its target at most this often (traces are slow and noisy). */
export const TRACE_EVERY_MS = 10 * MINUTE_MS;

export interface CheckRunnerOptions {
  config: AgentChecksConfig;
  /** Publishes the latest result of a check (retained). */
  publish(id: string, result: CheckResultPayload): void;
  /** Clears the retained result of a check this runner no longer runs. */
  clear(id: string): void;
  clock: Clock;
  log: Logger;
  timers?: Timers;
  random?: () => number;
  tracer?: Tracer;
  /** Replaces probes of the table (tests of the runner itself). */
  probes?: Partial<Record<CheckKind, Probe>>;
}

export interface CheckRunner extends Handle {
  /** The configuration from `<prefix>/<host>/config`; null when it was cleared (no checks). */
  apply(config: AgentConfigPayload | null): void;
  stats(): { checks: number; running: number; queued: number; skipped: number };
}

/** `agent.checks.ca`'s certificates, trusted by TLS and HTTPS checks beside the system's (added by handshake). Throws naming the key. */
export function checkCas(file: string | undefined): string[] | undefined {
  if (file === undefined) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`agent.checks.ca: cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`agent.checks.ca: "${file}" holds no PEM certificate`);
  return [pem];
}

/**
 * The agent's check runner (docs/checks.md, "How a runner runs checks"):
 * takes the server's configuration, runs each check with its probe on the
 * scheduler, attaches a trace to a failed run, and hands results on.
 * Throws at start, naming the key, on a bad `agent.checks.allow`, `deny` or `ca`.
 */
export function startCheckRunner(opts: CheckRunnerOptions): CheckRunner {
  const { clock, log } = opts;
  const policy: NetworkPolicy = createNetworkPolicy(opts.config.allow, opts.config.deny);
  const ca = checkCas(opts.config.ca);
  const probes = { ...PROBES, ...opts.probes };
  const tracer = opts.tracer ?? createTracer();
  const warn = createRateLimitedLog(log, MINUTE_MS);
  const lastTrace = new Map<string, number>();
  /** Monotonic time for durations: the wall clock may be stepped by NTP during a run. */
  const now = (): number => performance.now();

  type Run = { ts: number; result: ProbeResult };
  const scheduler = createCheckScheduler<Run>({
    concurrency: opts.config.concurrency,
    clock,
    ...(opts.timers ? { timers: opts.timers } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    async run(spec, signal) {
      const ts = clock.now();
      const probe = probes[spec.kind];
      try {
        return { ts, result: await probe(spec, { signal, policy, now, ...(ca ? { ca } : {}) }) };
      } catch (error) {
        // A probe bug must not stop the others: the check is reported down with what went wrong.
        warn(`probe:${spec.kind}`, 'check probe failed unexpectedly', { check: spec.id, err: String(error) });
        return { ts, result: { state: 'down', latency: null, message: clip(`probe error: ${(error as Error).message ?? String(error)}`) } };
      }
    },
    timedOut: (spec) => ({ ts: clock.now() - spec.timeout * 1000, result: { state: 'down', latency: null, message: `timed out after ${spec.timeout} s` } }),
    async complete(spec, { ts, result }, wanted) {
      const { address, ...rest } = result;
      const payload: CheckResultPayload = { v: PROTOCOL_VERSION, ts, kind: spec.kind, ...rest };
      if (payload.state === 'down' && spec.trace !== false && payload.excerpt === undefined && address !== undefined) {
        const last = lastTrace.get(spec.id);
        if (last === undefined || clock.now() - last >= TRACE_EVERY_MS) {
          lastTrace.set(spec.id, clock.now());
          const trace = await tracer.trace(address).catch(() => null);
          if (trace) payload.trace = trace;
        }
      }
      if (!wanted()) return;
      const valid = validatePayload('checkResult', payload);
      if (!valid.ok) {
        warn(`invalid:${spec.id}`, 'check result does not fit the contract; published as down', { check: spec.id, err: valid.error });
        opts.publish(spec.id, { v: PROTOCOL_VERSION, ts, kind: spec.kind, state: 'down', latency: null, message: clip(`invalid result: ${valid.error}`) });
        return;
      }
      opts.publish(spec.id, payload);
    },
    removed(id) {
      lastTrace.delete(id);
      opts.clear(id);
    },
    skipped: (id) => warn(`skip:${id}`, 'check still running at its next tick; this run is skipped', { check: id }),
  });

  return {
    apply(config) {
      const specs: CheckSpec[] = config?.checks ?? [];
      scheduler.update(specs);
      log.info({ checks: scheduler.stats().checks }, 'checks configuration applied');
    },
    stats: () => scheduler.stats(),
    close: onceClose(() => scheduler.close()),
  };
}
