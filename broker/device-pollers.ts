import type { Clock } from '../core/time.js';
import { decodePayload } from '../protocol/payloads.js';

/**
 * Which agent polls which SNMP device (issue 13), learned by the broker from
 * the ingest's own `<prefix>/<poller>/config` publishes: the configuration
 * that tells a poller to poll a device is also what lets it publish for that
 * device. No second source of truth, and a standalone `vigie broker` learns
 * it like the embedded one. A broker restart forgets it; the ingest publishes
 * every configuration again when it resubscribes (checks/config-publisher.ts),
 * and until then a poller's device publishes are refused.
 */
export type PollerRight =
  /** The device is in the poller's current configuration. */
  | 'assigned'
  /** It was, less than RECENT_MS ago: a poll in flight when the configuration changed. */
  | 'recent'
  | 'none';

/**
 * How long a poller may still publish for a device it was just relieved of.
 * The broker sees the new configuration before the poller does, so a poll
 * in flight may land after it; such late publishes are delivered without
 * their retain flag (a removed device leaves no ghost) instead of closing
 * the poller's connection.
 */
export const RECENT_MS = 2 * 60_000;

export interface DevicePollers {
  /** What `poller` may do for `device`. */
  rightOf(poller: string, device: string): PollerRight;
  /** The poller of `device` now; undefined when no poller is configured for it. */
  pollerOf(device: string): string | undefined;
  /** A configuration published (or cleared, empty payload) by the ingest on `<prefix>/<poller>/config`. */
  observe(poller: string, payload: Buffer | string): void;
}

export function createDevicePollers(clock: Clock): DevicePollers {
  const pollerOfDevice = new Map<string, string>();
  const devicesOf = new Map<string, Set<string>>();
  /** `poller\0device` → when the right ended. */
  const ended = new Map<string, number>();
  const key = (poller: string, device: string): string => `${poller}\u0000${device}`;

  const release = (poller: string, device: string): void => {
    if (pollerOfDevice.get(device) === poller) pollerOfDevice.delete(device);
    ended.set(key(poller, device), clock.now());
  };

  return {
    rightOf(poller, device) {
      if (pollerOfDevice.get(device) === poller) return 'assigned';
      const at = ended.get(key(poller, device));
      if (at === undefined) return 'none';
      if (clock.now() - at < RECENT_MS) return 'recent';
      ended.delete(key(poller, device));
      return 'none';
    },
    pollerOf: (device) => pollerOfDevice.get(device),
    observe(poller, payload) {
      const size = typeof payload === 'string' ? payload.length : payload.length;
      // An empty payload clears the retained configuration; one that does not decode grants nothing.
      const decoded = size === 0 ? null : decodePayload('agentConfig', payload);
      const next = new Set(decoded?.ok ? (decoded.value.devices ?? []).map((d) => d.id) : []);
      const before = devicesOf.get(poller) ?? new Set<string>();
      for (const device of before) if (!next.has(device)) release(poller, device);
      for (const device of next) {
        const other = pollerOfDevice.get(device);
        // One poller per device: the latest configuration wins (the server never assigns two).
        if (other !== undefined && other !== poller) {
          devicesOf.get(other)?.delete(device);
          release(other, device);
        }
        pollerOfDevice.set(device, poller);
        ended.delete(key(poller, device));
      }
      if (next.size === 0) devicesOf.delete(poller);
      else devicesOf.set(poller, next);
      // Keep the memory of ended rights bounded: old ones are no use.
      if (ended.size > 10_000) {
        const now = clock.now();
        for (const [k, at] of ended) if (now - at >= RECENT_MS) ended.delete(k);
      }
    },
  };
}
