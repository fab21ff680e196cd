import type { Handle } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/time.js';
import { VIGIE_VERSION } from '../core/version.js';
import type { HostSummary, IngestHandle } from '../ingest/types.js';
import { encodePayload, type StatusPayload } from '../protocol/payloads.js';
import type { Topics } from '../protocol/topics.js';
import type { DeviceDefinition } from './definition.js';
import type { DeviceStore } from './store.js';

/**
 * The server's side of devices beyond their definitions (issue 13):
 * - a device has no MQTT connection, hence no Last Will: when its poller
 *   goes offline, the server publishes the device's retained status
 *   `offline`, reason `poller-offline`, so it does not stay "online" with
 *   nobody polling it (the poller publishes again when it is back);
 * - a deleted device's host is removed as host removal does (history,
 *   retained topics, alerts), once its poller's config no longer names it;
 *   a deletion by the CLI (another process) is queued in devices.db and done
 *   here, at once when the server runs, else at its next start;
 * - a device (re)created under a removed host's id lifts its tombstone, or
 *   the ingest would ignore it.
 */
export interface DeviceServiceDeps {
  store: Pick<DeviceStore, 'list' | 'delete' | 'onChange' | 'pendingRemovals' | 'removalDone'>;
  ingest: Pick<IngestHandle, 'bus' | 'publish' | 'listHosts' | 'getHost' | 'restoreHost'>;
  topics: Topics;
  /** Removes a host as DELETE /api/hosts/:id does (dashboard/server/host-removal.ts); resolves with the points deleted. */
  removeHost(id: string): Promise<{ points: number }>;
  /** Resolves when the poller configs published so far are out (the config publisher's idle). */
  configSettled(): Promise<void>;
  clock: Clock;
  log: Logger;
}

export interface DeviceService extends Handle {
  /** Deletes a device and removes its host: the history points deleted, or null when there was no such device. */
  remove(id: string): Promise<{ points: number } | null>;
  /** Resolves once the work started so far is done (tests, the CLI). */
  idle(): Promise<void>;
}

/** `error` of the status published for a device whose poller is offline. */
export const pollerOfflineError = (poller: string): string => `poller ${poller} is offline`;

export function startDeviceService(deps: DeviceServiceDeps): DeviceService {
  const { store, ingest, topics, log } = deps;
  const removals = new Map<string, Promise<number | null>>();
  const publishing = new Set<Promise<void>>();
  let closed = false;

  const track = (work: Promise<void>): void => {
    publishing.add(work);
    void work.finally(() => publishing.delete(work));
  };

  /** Publishes `device` offline for its poller's absence, unless it already says so. */
  const markOffline = (device: DeviceDefinition): void => {
    const seen = ingest.getHost(device.id);
    const status = seen?.status;
    if (status?.state === 'offline' && status.reason === 'poller-offline') return;
    const payload: StatusPayload = {
      v: 1,
      state: 'offline',
      reason: 'poller-offline',
      error: pollerOfflineError(device.poller),
      agent: status?.agent ?? seen?.info?.agent ?? VIGIE_VERSION,
      interval: device.interval,
      ts: deps.clock.now(),
    };
    track(
      ingest.publish(topics.host(device.id, 'status'), encodePayload('status', payload), true).catch((error: unknown) => {
        // The broker is away: nobody hears the device either, and the poller's retained Last Will comes back with it.
        log.debug({ err: error, device: device.id }, 'poller-offline status not published');
      }),
    );
  };

  /**
   * Every enabled device whose poller the ingest knows to be offline now: after
   * a catalog change (a device added to, or moved to, an absent poller). Not at
   * start: the registry's presence is then last run's, until the retained
   * statuses arrive, each as a `host` event.
   */
  const sweep = (): void => {
    if (closed) return;
    const offline = new Set(ingest.listHosts().filter((h) => h.presence === 'offline').map((h) => h.id));
    for (const device of store.list()) if (device.enabled && offline.has(device.poller)) markOffline(device);
  };

  const onHost = (host: HostSummary): void => {
    if (closed || host.presence !== 'offline') return;
    for (const device of store.list()) if (device.enabled && device.poller === host.id) markOffline(device);
  };

  /** Resolves with the points deleted, or null when the removal failed (logged, retried later). */
  const removeOne = (id: string): Promise<number | null> => {
    let work = removals.get(id);
    if (work) return work;
    work = (async () => {
      // The poller must first be told to drop the device: after that the broker keeps none of its late publishes.
      await deps.configSettled();
      const { points } = await deps.removeHost(id);
      store.removalDone(id);
      log.info({ device: id, points }, 'device removed with its host');
      return points;
    })()
      .catch((error: unknown) => {
        log.error({ err: error, device: id }, 'removing a deleted device\'s host failed; retried at the next change or start');
        return null;
      })
      .finally(() => removals.delete(id));
    removals.set(id, work);
    return work;
  };

  const onCatalog = (initial: boolean): void => {
    if (closed) return;
    for (const device of store.list()) ingest.restoreHost(device.id);
    for (const id of store.pendingRemovals()) void removeOne(id);
    if (!initial) sweep();
  };

  const stopCatalog = store.onChange(() => onCatalog(false));
  const stopHost = ingest.bus.on('devices', 'host', onHost);
  onCatalog(true);

  return {
    async remove(id) {
      if (!store.delete(id)) return null; // else its listener queued the host's removal
      const points = await removeOne(id);
      if (points === null) throw new Error(`device ${id} deleted, but removing its host failed (retried at the next change or start)`);
      return { points };
    },
    async idle() {
      while (removals.size > 0 || publishing.size > 0) await Promise.all([...removals.values(), ...publishing]);
    },
    async close() {
      if (closed) return;
      closed = true;
      stopCatalog();
      stopHost();
      await Promise.all([...removals.values(), ...publishing]);
    },
  };
}
