import type { DeviceDefinition } from './definition.js';

/**
 * Read access to the SNMP device definitions (issue 13), for the config
 * publisher, the device service and the API. devices/store.ts implements it.
 */
export interface DeviceCatalog {
  list(): DeviceDefinition[];
  get(id: string): DeviceDefinition | null;
  /** Whether `id` is a device. */
  has(id: string): boolean;
  /** Called after any create, update or delete, here or (watched) in another process; returns the function that unsubscribes. */
  onChange(listener: () => void): () => void;
}
