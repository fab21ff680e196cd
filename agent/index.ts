import { persistUsername } from './username-migration.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Handle } from '../core/lifecycle.js';
import { onceClose } from '../core/lifecycle.js';
import { createLogger, createRateLimitedLog, type Logger } from '../core/logger.js';
import { systemClock, type Clock } from '../core/time.js';
import { readCaFile } from '../core/tls.js';
import { normaliseHostId } from '../protocol/host-id.js';
import type { AgentConfigPayload, InfoPayload } from '../protocol/payloads.js';
import { createCollectors, type Collector } from './collectors/index.js';
import { createContainersCollector } from './containers/collector.js';
import { SampleBuffer } from './buffer.js';
import { startCheckRunner, type CheckRunner } from './checks/index.js';
import type { Timers } from './checks/scheduler.js';
import { collectorTimeoutS, type AgentConfig } from './config.js';
import { startDiagnostics } from './diagnostics/index.js';
import { collectInfo } from './info.js';
import { startPublisher, type ServerState } from './publisher.js';
import { startDevicePoller, type DevicePoller, type DevicePollerStats } from './snmp/poller.js';
import { createSampler, type FailingCollector } from './sample.js';
import { startScripts, type Scripts } from './scripts/index.js';
import { findServiceManager, startServiceMonitor } from './services/index.js';

export type { AgentConfig } from './config.js';

export interface AgentHandle extends Handle {
  /** The normalised host id the agent publishes as. */
  hostId: string;
  stats(): {
    connected: boolean;
    /** Metrics messages the broker acknowledged, resends included. */
    published: number;
    /** Samples kept until the server has stored them. */
    buffered: number;
    dropped: number;
    server: ServerState;
    /** The highest seq given to a sample, and the highest a `stored` acknowledgement covered. */
    seq: number | undefined;
    storedSeq: number | undefined;
    /** Collectors left out of the latest sample. */
    failing: FailingCollector[];
    /** Network checks this agent was given, and those running or waiting now. */
    checks: { checks: number; running: number; queued: number; skipped: number };
    /** SNMP devices this agent polls (issue 13). */
    devices: DevicePollerStats;
    /** Scripts of the accepted bundle, script checks scheduled and running, actions running (issue 14). */
    scripts: { scripts: number; checks: number; running: number; runs: number };
  };
}

export interface AgentOptions {
  /** Topic prefix (`vigie`). */
  prefix: string;
  /** The JSON file the configuration came from: a migrated username is saved there (agent/username-migration.ts). */
  configFile?: string;
  clock?: Clock;
  /** Default: every collector of the registry, reading this machine. */
  collectors?: Collector[];
  log?: Logger;
  /** Default true; tests of the metrics path turn services off to keep the broker quiet. */
  services?: boolean;
  /** Answer read-only diagnosis requests on `cmd/req/+` (docs/agent.md); default true. */
  diagnostics?: boolean;
  /**
   * The data directory: samples are kept on disk under `<dataDir>/agent/<host>/`
   * until the server has stored them, across restarts. Without it they are
   * kept in memory only (embedding, tests).
   */
  dataDir?: string;
  /** Random source of the reconnect back-off and the checks' jitter (tests). */
  random?: () => number;
  /** Run the network checks the server configures on `<prefix>/<host>/config` (docs/checks.md); default true. */
  checks?: boolean;
  /** Timers of the check scheduler (tests). */
  checkTimers?: Timers;
  /** Poll the SNMP devices the server configures (docs/agent.md); default true. */
  devices?: boolean;
  /** Timers of the device poller's scheduler (tests). */
  deviceTimers?: Timers;
  /** Hears every finished device poll: its duration and whether it succeeded (bench/snmp). */
  onDevicePoll?: (device: string, durationMs: number, ok: boolean) => void;
  /**
   * Take script bundles and run requests from the box (docs/scripts.md); default true. What runs is
   * still decided by `agent.scripts` (default off): with it off, run requests are answered `scripts-off`.
   */
  scripts?: boolean;
  /**
   * The box's public key (base64 SPKI) to verify scripts and run requests with, in place of
   * `agent.serverKey`: `vigie up` gives its local agent the key of its own box this way.
   */
  serverKey?: string;
  /** Timers of the script checks' scheduler (tests). */
  scriptTimers?: Timers;
}

/**
 * SNMP devices polled at once at most. A poll is a few UDP round trips
 * (~50 ms on a LAN), so 8 at once serve the 100 devices a poller may have at
 * 10 s intervals many times over, while a burst of dead devices (each
 * waiting out its timeout) cannot hold more than 8 sockets.
 */
const DEVICE_CONCURRENCY = 8;

/** Seconds between service checks: changes are published within this delay. */
const SERVICES_CHECK_S = 30;

/** The host id the agent publishes as: `agent.host`, else this machine's hostname, normalised. */
export function agentHostId(config: Pick<AgentConfig, 'host'>): string {
  const id = normaliseHostId(config.host ?? hostname());
  if (!id.ok) throw new Error(`agent.host: ${id.error}`);
  return id.value;
}

/**
 * Starts the agent: samples every `config.interval` seconds (ticks aligned
 * to multiples of the interval, `ts` taken when sampling starts), publishes
 * status/info/services/metrics per the contract, and keeps each sample in
 * a bounded buffer (on disk under `opts.dataDir`) until the server's
 * `stored` acknowledgement covers it. Resolves at once, even when the
 * broker is down; rejects on a host id that cannot be made valid, a
 * collector deadline not below the interval, or a bad `agent.checks`
 * network or CA file (the message names the key). A buffer directory that cannot
 * be opened is logged as an error and the buffer kept in memory.
 */
export async function startAgent(config: AgentConfig, opts: AgentOptions): Promise<AgentHandle> {
  const log = opts.log ?? createLogger('agent');
  const clock = opts.clock ?? systemClock;
  const hostId = agentHostId(config);
  // Started first: a bad agent.checks key throws before anything is opened, and the
  // retained configuration may arrive on the publisher's first connection.
  const checks: CheckRunner | undefined = opts.checks === false
    ? undefined
    : startCheckRunner({
      config: config.checks,
      clock,
      log: log.child({ part: 'checks' }),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.checkTimers ? { timers: opts.checkTimers } : {}),
      publish: (id, payload) => publisher.publishCheck(id, payload),
      clear: (id) => publisher.clearCheck(id),
    });

  const devices: DevicePoller | undefined = opts.devices === false
    ? undefined
    : startDevicePoller({
      poller: hostId,
      concurrency: DEVICE_CONCURRENCY,
      clock,
      log: log.child({ part: 'snmp' }),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.deviceTimers ? { timers: opts.deviceTimers } : {}),
      ...(opts.onDevicePoll ? { onPoll: opts.onDevicePoll } : {}),
      sink: {
        status: (id, payload) => publisher.publishDevice(id, 'status', payload),
        info: (id, payload) => publisher.publishDevice(id, 'info', payload),
        metrics: (id, payload) => publisher.publishDeviceMetrics(id, payload),
        forget: (id) => publisher.forgetDevice(id),
      },
    });

  // Before the publisher: a bad agent.serverKey or agent.scriptsUser throws before anything is opened.
  const scripts: Scripts | undefined = opts.scripts === false
    ? undefined
    : startScripts({
      config: opts.serverKey !== undefined ? { ...config, serverKey: opts.serverKey } : config,
      host: hostId,
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
      clock,
      log: log.child({ part: 'scripts' }),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.scriptTimers ? { timers: opts.scriptTimers } : {}),
      publishCheck: (id, payload) => publisher.publishCheck(id, payload),
      clearCheck: (id) => publisher.clearCheck(id),
      publishRun: (id, payload) => publisher.publishRun(id, payload),
    });

  // Containers are not in the fixed registry: they depend on an engine being there (agent.containers, docs/containers.md).
  const collectors = opts.collectors ?? [...createCollectors(), createContainersCollector(config.containers ?? {})];
  const collectorFailed = createRateLimitedLog(log, 60_000);
  const sampler = createSampler(collectors, {
    clock,
    timeoutMs: collectorTimeoutS(config) * 1000,
    onFailure: (name, error) => collectorFailed(`collector:${name}`, 'collector failed; left out of the sample', { collector: name, error }),
  });
  let failing: FailingCollector[] = [];
  const dir = opts.dataDir === undefined ? undefined : join(opts.dataDir, 'agent', hostId);
  const bufferOptions = { maxSamples: config.bufferSize, maxBytes: config.bufferBytes, clock, log };
  const buffer = await SampleBuffer.open({ ...bufferOptions, ...(dir !== undefined ? { dir } : {}) }).catch((error: unknown) => {
    // Monitoring without the durable buffer beats no monitoring (a read-only or foreign-owned data directory).
    log.error({ dir, err: (error as Error).message }, 'agent buffer: cannot open its directory; samples are kept in memory only and lost on restart');
    return SampleBuffer.open(bufferOptions);
  });

  // What the agent reports, so diagnosis requests stay inside it: `du` walks
  // only these mounts, `service-log` reads only these services.
  let reportedMounts: readonly string[] = [];
  let reportedServices: readonly string[] | null = null;
  const diagnostics = opts.diagnostics === false
    ? undefined
    : startDiagnostics({
      clock,
      log: log.child({ part: 'diagnostics' }),
      mounts: () => reportedMounts,
      services: () => reportedServices,
      respond: (id, payload) => publisher.respond(id, payload),
    });

  let lastInfo: string | undefined;
  const refreshInfo = (): void => {
    collectInfo(clock, log)
      .then((info) => {
        if (reportedMounts.length === 0) reportedMounts = info.disks.map((d) => d.mount);
        // Published again only when something but its timestamp changed (addresses move, disks are added).
        const key = JSON.stringify({ ...info, ts: 0 } satisfies InfoPayload);
        if (key === lastInfo) return;
        lastInfo = key;
        publisher.setRetained('info', info);
      })
      .catch((error: unknown) => log.error({ err: error }, 'collecting info failed'));
  };

  const publisher = startPublisher({
    url: config.broker,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(opts.configFile !== undefined && config.username !== undefined
      ? { onUsernameMigrated: (to: string) => void persistUsername(opts.configFile!, config.username!, to, log) }
      : {}),
    ca: readCaFile(config.ca, 'agent.ca'),
    hostId,
    prefix: opts.prefix,
    interval: config.interval,
    buffer,
    resendDelay: config.resendDelay,
    ...(opts.random ? { random: opts.random } : {}),
    reconnectMin: config.reconnectMin,
    reconnectMax: config.reconnectMax,
    serverWait: config.serverWait,
    clock,
    log,
    onConnect: refreshInfo,
    ...(diagnostics ? { onCommandRequest: (id: string, payload: Buffer) => diagnostics.handle(id, payload) } : {}),
    ...(checks || devices || scripts
      ? {
        onAgentConfig: (payload: AgentConfigPayload | null) => {
          checks?.apply(payload);
          devices?.apply(payload?.devices);
          scripts?.apply(payload?.scripts);
        },
      }
      : {}),
    ...(scripts ? { onRunRequest: (id: string, payload: Buffer) => scripts.request(id, payload) } : {}),
  });
  refreshInfo();

  // Metrics loop: one sample at a time. A sample ends by the collector
  // deadline (below the interval), so ticks are not skipped even when a
  // collector hangs; a tick that still finds one running is skipped.
  const intervalMs = config.interval * 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let sampling: Promise<void> | undefined;
  const schedule = (): void => {
    if (stopped) return;
    const now = clock.now();
    // Aligned ticks (…:00, :05, :10 at 5 s) put every host's samples in the same store buckets.
    const delay = Math.ceil((now + 1) / intervalMs) * intervalMs - now;
    timer = setTimeout(tick, Math.max(1, delay));
  };
  const tick = (): void => {
    if (!sampling) {
      sampling = sampler.take()
        .then(async (result) => {
          const { sample } = result;
          if (sample.disks) reportedMounts = sample.disks.map((d) => d.mount);
          failing = result.failing;
          publisher.setFailing(failing);
          if (!stopped) await publisher.publishSample(sample);
        })
        .catch((error: unknown) => log.error({ err: error }, 'sampling failed'))
        .finally(() => {
          sampling = undefined;
        });
    }
    schedule();
  };
  schedule();

  let services: Handle | undefined;
  let servicesStarting: Promise<void> | undefined;
  if (opts.services !== false) {
    servicesStarting = findServiceManager().then((manager) => {
      if ('unavailable' in manager) {
        log.info(manager.unavailable);
        return;
      }
      if (stopped) return;
      services = startServiceMonitor({
        list: manager.list,
        checkEvery: Math.min(SERVICES_CHECK_S, config.servicesInterval),
        publishEvery: config.servicesInterval,
        clock,
        log,
        publish: (payload) => {
          reportedServices = payload.services.map((s) => s.name);
          publisher.setRetained('services', payload);
        },
      });
    });
  }

  log.info({ hostId, broker: config.broker, interval: config.interval, buffer: buffer.durable ? dir : 'memory' }, 'agent started');
  return {
    hostId,
    stats: () => ({
      ...publisher.stats(),
      failing,
      checks: checks?.stats() ?? { checks: 0, running: 0, queued: 0, skipped: 0 },
      devices: devices?.stats() ?? { devices: 0, running: 0, queued: 0, skipped: 0, polls: 0, failures: 0 },
      scripts: scripts?.stats() ?? { scripts: 0, checks: 0, running: 0, runs: 0 },
    }),
    close: onceClose(async () => {
      stopped = true;
      clearTimeout(timer);
      await servicesStarting;
      await services?.close();
      await sampling;
      await diagnostics?.close();
      await checks?.close();
      await devices?.close();
      // Before the publisher: killed actions still send their `done`.
      await scripts?.close();
      await publisher.close();
    }),
  };
}
