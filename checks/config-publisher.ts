import { createHash } from 'node:crypto';
import type { Handle } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import type { IngestHandle } from '../ingest/types.js';
import { encodePayload } from '../protocol/payloads.js';
import type { AgentConfigPayload, CheckSpec } from '../protocol/schemas/check.js';
import type { DeviceSpec } from '../protocol/schemas/device.js';
import type { Topics } from '../protocol/topics.js';
import { specOf as deviceSpecOf } from '../devices/definition.js';
import type { DeviceCatalog } from '../devices/types.js';
import type { BundleContent, ScriptBundleSource } from '../scripts/bundle.js';
import { specOf } from './definition.js';
import type { CheckCatalog } from './types.js';

/**
 * Tells each agent what to do: its enabled checks (issue 12) and the enabled
 * SNMP devices it polls (issue 13, credentials in clear: the topic reaches
 * only that agent and the ingest, broker/acl.ts) as ONE retained
 * `agentConfig` on `<prefix>/<agent>/config`. The broker learns from these
 * publishes which devices each poller may publish for (broker/device-pollers.ts),
 * so a device's config goes out before its poller can speak for it. It publishes
 * - at start, every runner;
 * - after a catalog change, the runners whose checks changed;
 * - on the ingest's `subscribed` event, every runner again (a restarted
 *   broker lost its retained messages) and whatever failed before.
 * Scripts (issue 14): each agent's signed script bundle goes in the same
 * config as `scripts`, published again when the library, the script checks
 * or the agents change; an agent with no script gets no `scripts` field.
 * Script checks travel only inside the bundle, never in `checks`.
 * A runner left with no check gets `{checks: []}`; a (runner, check) pair
 * that is gone has its retained result cleared and forgotten by the ingest.
 * What was sent is remembered (checks.db), so a restart still knows.
 */
export interface PublishedMemory {
  publishedConfigs(): Map<string, CheckSpec[]>;
  savePublished(runner: string, checks: CheckSpec[]): void;
}

/** What each poller was sent of devices: ids only, never specs or secrets (devices.db). */
export interface PublishedDevicesMemory {
  publishedDevices(): Map<string, string[]>;
  savePublishedDevices(poller: string, ids: readonly string[]): void;
}

export interface ConfigPublisherDeps {
  catalog: CheckCatalog;
  memory: PublishedMemory;
  /** SNMP devices, when this server manages them (their memory stays out of checks.db). */
  devices?: { catalog: DeviceCatalog; memory: PublishedDevicesMemory };
  /** Script bundles (issue 14), when this server has a script library. */
  scripts?: ScriptBundleSource;
  ingest: Pick<IngestHandle, 'publish' | 'bus' | 'checks'>;
  topics: Topics;
  clock: Clock;
  log: Logger;
}

export interface ConfigPublisher extends Handle {
  /** Resolves once the work queued so far is done (tests, the CLI). */
  idle(): Promise<void>;
}

/** How long close() waits for a publish in flight, ms. */
const CLOSE_WAIT_MS = 2_000;

/** What is remembered of a sent configuration: enough to tell a change, without holding the text. */
const digest = (text: string): string => createHash('sha256').update(text).digest('base64');

export function startConfigPublisher(deps: ConfigPublisherDeps): ConfigPublisher {
  const { catalog, memory, ingest, topics, log } = deps;
  /** What each runner was last sent successfully. */
  const sent = memory.publishedConfigs();
  /** The devices each poller was last sent, by id. */
  const sentDeviceIds = deps.devices?.memory.publishedDevices() ?? new Map<string, string[]>();
  /** A digest of the devices each poller was last sent, as published (secrets included, so memory only), to skip unchanged ones. */
  const sentDevices = new Map<string, string>();
  /**
   * A digest of the script bundle each agent was last sent (unsigned, as JSON), to skip unchanged
   * ones; memory only. Not the text: 1,000 agents' bundles held 5 MiB of heap.
   */
  const sentScripts = new Map<string, string>();
  /** Devices whose secrets do not open, already logged. */
  const unreadable = new Set<string>();
  /** Result topics still to clear (a failed clear is retried). */
  const toClear = new Set<string>();
  let closed = false;
  let queue: Promise<void> = Promise.resolve();
  let pending: 'changed' | 'all' | null = null;

  /** Runs `sync` after the current one; several requests in the meantime collapse into one. */
  const request = (scope: 'changed' | 'all'): void => {
    if (closed) return;
    if (pending !== null) {
      if (scope === 'all') pending = 'all';
      return;
    }
    pending = scope;
    queue = queue.then(async () => {
      const run = pending!;
      pending = null;
      try {
        await sync(run === 'all');
      } catch (error) {
        log.error({ err: error }, 'check config publish failed');
      }
    });
  };

  const desired = (): Map<string, CheckSpec[]> => {
    const out = new Map<string, CheckSpec[]>();
    for (const def of catalog.list()) {
      // A script check reaches its runner inside the signed bundle (deps.scripts), never as a CheckSpec.
      if (!def.enabled || (def.kind as string) === 'script') continue;
      for (const runner of def.runners) out.set(runner, [...(out.get(runner) ?? []), specOf(def)]);
    }
    return out;
  };

  const desiredDevices = (): Map<string, DeviceSpec[]> => {
    const out = new Map<string, DeviceSpec[]>();
    for (const def of deps.devices?.catalog.list() ?? []) {
      if (!def.enabled) continue;
      if (def.sealError) {
        // Sending it without its secrets would only fail on the device: it waits for the key file.
        if (!unreadable.has(def.id)) log.error({ device: def.id }, `device not sent to its poller: ${def.sealError}`);
        unreadable.add(def.id);
        continue;
      }
      unreadable.delete(def.id);
      out.set(def.poller, [...(out.get(def.poller) ?? []), deviceSpecOf(def)]);
    }
    return out;
  };

  const sync = async (all: boolean): Promise<void> => {
    const want = desired();
    const wantDevices = desiredDevices();
    const wantScripts = deps.scripts?.contents() ?? new Map<string, BundleContent>();
    const runners = new Set([...want.keys(), ...sent.keys(), ...wantDevices.keys(), ...sentDeviceIds.keys(), ...wantScripts.keys(), ...sentScripts.keys()]);
    // Agents given the same scripts share one content object (scripts/bundle.ts): each is encoded and digested once.
    const bundleDigests = new Map<BundleContent, string>();
    const digestOf = (bundle: BundleContent): string => {
      let d = bundleDigests.get(bundle);
      if (d === undefined) bundleDigests.set(bundle, (d = digest(JSON.stringify(bundle))));
      return d;
    };
    let failed = 0;
    for (const runner of [...runners].sort()) {
      if (closed) return;
      const checks = want.get(runner) ?? [];
      const devices = wantDevices.get(runner) ?? [];
      const before = sent.get(runner);
      const devicesDigest = devices.length === 0 ? '' : digest(JSON.stringify(devices));
      const devicesSame = devices.length === 0 ? !sentDeviceIds.has(runner) : sentDevices.get(runner) === devicesDigest;
      const checksSame = before === undefined ? checks.length === 0 : same(before, checks);
      const bundle = wantScripts.get(runner);
      const scriptsDigest = bundle ? digestOf(bundle) : null;
      const scriptsSame = scriptsDigest === (sentScripts.get(runner) ?? null);
      if (!all && checksSame && devicesSame && scriptsSame) continue;
      // `devices` only when the agent has some or had some: an agent that never polled keeps the issue 12 payload.
      const payload: AgentConfigPayload = {
        v: 1, ts: deps.clock.now(), checks, ...(devices.length > 0 || sentDeviceIds.has(runner) ? { devices } : {}),
        ...(bundle && deps.scripts ? { scripts: deps.scripts.sign(runner, bundle) } : {}),
      };
      try {
        await ingest.publish(topics.agentConfig(runner), encodePayload('agentConfig', payload), true);
      } catch (error) {
        // The broker is down: the next `subscribed` publishes everything again.
        failed += 1;
        log.debug({ err: error, runner }, 'check config not published');
        continue;
      }
      const kept = new Set(checks.map((c) => c.id));
      for (const gone of before ?? []) {
        if (!kept.has(gone.id)) {
          toClear.add(topics.checkResult(runner, gone.id));
          ingest.checks?.forget(runner, gone.id);
        }
      }
      if (checks.length === 0) sent.delete(runner);
      else sent.set(runner, checks);
      memory.savePublished(runner, checks);
      if (devices.length === 0) {
        sentDevices.delete(runner);
        sentDeviceIds.delete(runner);
      } else {
        sentDevices.set(runner, devicesDigest);
        sentDeviceIds.set(runner, devices.map((d) => d.id));
      }
      deps.devices?.memory.savePublishedDevices(runner, devices.map((d) => d.id));
      if (scriptsDigest === null) sentScripts.delete(runner);
      else sentScripts.set(runner, scriptsDigest);
    }
    for (const topic of [...toClear]) {
      if (closed) return;
      try {
        // An empty retained message deletes the retained one (MQTT 3.1.1 §3.3.1.3).
        await ingest.publish(topic, '', true);
        toClear.delete(topic);
      } catch {
        failed += 1;
      }
    }
    if (failed > 0) log.warn({ failed }, 'check configs not all published (broker unreachable?): retrying when the ingest reconnects');
  };

  const stopCatalog = catalog.onChange(() => request('changed'));
  const stopDevices = deps.devices?.catalog.onChange(() => request('changed')) ?? (() => {});
  const stopScripts = deps.scripts?.onChange(() => request('changed')) ?? (() => {});
  const stopBus = ingest.bus.on('check-config', 'subscribed', () => request('all'));
  request('all');

  return {
    idle: async () => {
      // A request made while one runs is chained behind it: wait until none is left.
      let current: Promise<void>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      stopCatalog();
      stopDevices();
      stopScripts();
      stopBus();
      // A publish caught by a broker outage may wait for a reconnection that will not come: stop waiting after a while.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

function same(a: readonly CheckSpec[], b: readonly CheckSpec[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
