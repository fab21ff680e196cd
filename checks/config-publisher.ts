import type { Handle } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import type { IngestHandle } from '../ingest/types.js';
import { encodePayload } from '../protocol/payloads.js';
import type { CheckSpec } from '../protocol/schemas/check.js';
import type { Topics } from '../protocol/topics.js';
import { specOf } from './definition.js';
import type { CheckCatalog } from './types.js';

/**
 * Tells each runner what to run: its enabled checks as a retained
 * `agentConfig` on `<prefix>/<runner>/config` (only that agent and the
 * ingest may read it, broker/acl.ts). It publishes
 * - at start, every runner;
 * - after a catalog change, the runners whose checks changed;
 * - on the ingest's `subscribed` event, every runner again (a restarted
 *   broker lost its retained messages) and whatever failed before.
 * A runner left with no check gets `{checks: []}`; a (runner, check) pair
 * that is gone has its retained result cleared and forgotten by the ingest.
 * What was sent is remembered (checks.db), so a restart still knows.
 */
export interface PublishedMemory {
  publishedConfigs(): Map<string, CheckSpec[]>;
  savePublished(runner: string, checks: CheckSpec[]): void;
}

export interface ConfigPublisherDeps {
  catalog: CheckCatalog;
  memory: PublishedMemory;
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

export function startConfigPublisher(deps: ConfigPublisherDeps): ConfigPublisher {
  const { catalog, memory, ingest, topics, log } = deps;
  /** What each runner was last sent successfully. */
  const sent = memory.publishedConfigs();
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
      if (!def.enabled) continue;
      for (const runner of def.runners) out.set(runner, [...(out.get(runner) ?? []), specOf(def)]);
    }
    return out;
  };

  const sync = async (all: boolean): Promise<void> => {
    const want = desired();
    const runners = new Set([...want.keys(), ...sent.keys()]);
    let failed = 0;
    for (const runner of [...runners].sort()) {
      if (closed) return;
      const checks = want.get(runner) ?? [];
      const before = sent.get(runner);
      if (!all && before !== undefined && same(before, checks)) continue;
      try {
        await ingest.publish(topics.agentConfig(runner), encodePayload('agentConfig', { v: 1, ts: deps.clock.now(), checks }), true);
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
