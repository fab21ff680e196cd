import { VIGIE_VERSION } from '../../core/version.js';
import type { InfoPayload } from '../../protocol/payloads.js';
import type { Topics } from '../../protocol/topics.js';
import { HA_ID_PATTERN, haHostId, haKeyId } from './ids.js';
import { arrayField, groupField, mapCount, optionalField, requiredPath } from './templates.js';

/**
 * What Home Assistant is told about one host (docs/home-assistant.md): one
 * device, its sensors reading our own topics, each config a retained message
 * on `<ha prefix>/<component>/vigie_<host>/<object>/config`. Pure: the
 * publisher decides when to send them.
 */

/** The metric groups a host has shown, and its current mounts and interfaces (see shape.ts). */
export interface HostShape {
  groups: ReadonlySet<Group>;
  mounts: readonly string[];
  ifaces: readonly string[];
}

export const GROUPS = ['cpu', 'load', 'mem', 'swap', 'temperature', 'uptime'] as const;
export type Group = (typeof GROUPS)[number];

export interface HostDiscoveryInput {
  /** Home Assistant's discovery prefix (ha.prefix). */
  haPrefix: string;
  topics: Topics;
  host: string;
  info: InfoPayload | null;
  shape: HostShape;
  /** The checks this host runs (as a runner), by check id. */
  checks: readonly string[];
}

/** One discovery config: its retained topic and its JSON. */
export type DiscoveryConfigs = Map<string, string>;

type Component = 'sensor' | 'binary_sensor';
type Entity = { component: Component; object: string; config: Record<string, unknown> };

/** The node id of a host's configs: `vigie_<host>`, also its device identifier. */
export function haNodeId(host: string): string {
  return `vigie_${haHostId(host)}`;
}

/** `<ha prefix>/<component>/<node>/<object>/config`, every level checked against HA's id pattern. */
export function discoveryTopic(haPrefix: string, component: Component, node: string, object: string): string {
  if (!HA_ID_PATTERN.test(node) || !HA_ID_PATTERN.test(object)) throw new TypeError(`discovery id: "${node}/${object}" holds characters HA refuses`);
  return `${haPrefix}/${component}/${node}/${object}/config`;
}

/** The device block: what HA shows on the device page; an SNMP device hangs under its poller's device. */
function device(host: string, info: InfoPayload | null): Record<string, unknown> {
  const d: Record<string, unknown> = { identifiers: [haNodeId(host)], name: host, manufacturer: 'Vigie' };
  if (info) {
    const os = `${info.os.distro} ${info.os.release}`.trim();
    d.model = (info.source?.sysDescr ?? (os || info.os.platform)).slice(0, 128) || undefined;
    d.sw_version = info.kernel || undefined;
    d.hw_version = [info.arch, info.cpu.model].filter(Boolean).join(', ').slice(0, 128) || undefined;
    if (info.source) d.via_device = haNodeId(info.source.poller);
  }
  return d;
}

const origin = { name: 'Vigie', sw_version: VIGIE_VERSION };
const percent = { unit_of_measurement: '%', state_class: 'measurement', suggested_display_precision: 1 } as const;
const rate = { device_class: 'data_rate', unit_of_measurement: 'B/s', state_class: 'measurement', suggested_display_precision: 0 } as const;

/** Every config of one host, keyed by topic; the same input gives the same strings (the publisher compares them). */
export function hostDiscovery(input: HostDiscoveryInput): DiscoveryConfigs {
  const { host, topics, shape } = input;
  const node = haNodeId(host);
  const metrics = topics.host(host, 'metrics');
  const status = topics.host(host, 'status');
  // Values are only worth showing while the agent (or a device's poller) says online.
  const available = { availability_topic: status, availability_template: requiredPath('state'), payload_available: 'online', payload_not_available: 'offline' };
  const sensor = (object: string, name: string, template: string, extra: Record<string, unknown>): Entity => ({
    component: 'sensor', object, config: { name, state_topic: metrics, value_template: template, ...extra, ...available },
  });

  const entities: Entity[] = [
    // No availability: offline is the very state it reports.
    {
      component: 'binary_sensor', object: 'online',
      config: {
        name: 'Online', device_class: 'connectivity', state_topic: status, value_template: requiredPath('state'), payload_on: 'online', payload_off: 'offline',
        // The whole status as attributes (reason, agent version, interval, failing collectors): no template to get wrong.
        json_attributes_topic: status,
      },
    },
    // From the server summary: available while the ingest is (its Last Will says offline); an offline host may well have firing alerts.
    {
      component: 'sensor', object: 'alerts',
      config: {
        name: 'Firing alerts', icon: 'mdi:alert', state_class: 'measurement', state_topic: topics.serverSummary(), value_template: mapCount('firingByHost', host),
        availability_topic: topics.serverSummary(), availability_template: requiredPath('state'), payload_available: 'online', payload_not_available: 'offline',
      },
    },
  ];
  const g = shape.groups;
  if (g.has('cpu')) entities.push(sensor('cpu', 'CPU', groupField('cpu', 'usage'), { icon: 'mdi:cpu-64-bit', ...percent }));
  if (g.has('load')) {
    for (const m of [1, 5, 15] as const) {
      entities.push(sensor(`load${m}`, `Load (${m} min)`, groupField('cpu', `load${m}`), { icon: 'mdi:gauge', state_class: 'measurement', suggested_display_precision: 2 }));
    }
  }
  if (g.has('mem')) entities.push(sensor('mem', 'Memory', groupField('mem', 'usedPercent'), { icon: 'mdi:memory', ...percent }));
  if (g.has('swap')) entities.push(sensor('swap', 'Swap', groupField('swap', 'usedPercent'), { icon: 'mdi:swap-horizontal', ...percent }));
  if (g.has('temperature')) {
    entities.push(sensor('temperature', 'Temperature', groupField('temperature', 'cpu'), { device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement', suggested_display_precision: 1 }));
  }
  // Seconds since boot; no state_class: statistics of an uptime (a mean, or a sum with resets) mean nothing.
  if (g.has('uptime')) entities.push(sensor('uptime', 'Uptime', optionalField('uptime'), { device_class: 'duration', unit_of_measurement: 's', suggested_display_precision: 0, entity_category: 'diagnostic' }));
  for (const mount of shape.mounts) {
    entities.push(sensor(`disk_${haKeyId(mount)}`, `Disk ${mount}`, arrayField('disks', 'mount', mount, 'usedPercent'), { icon: 'mdi:harddisk', ...percent }));
  }
  for (const iface of shape.ifaces) {
    const key = haKeyId(iface);
    entities.push(sensor(`net_rx_${key}`, `${iface} received`, arrayField('net', 'iface', iface, 'rxRate'), { icon: 'mdi:download-network', ...rate }));
    entities.push(sensor(`net_tx_${key}`, `${iface} sent`, arrayField('net', 'iface', iface, 'txRate'), { icon: 'mdi:upload-network', ...rate }));
  }
  // A check is on its runner's device: the result is that agent's view of the target, and it is available while the runner is.
  for (const check of input.checks) {
    entities.push({
      component: 'binary_sensor', object: `check_${haHostId(check)}`,
      config: {
        name: `Check ${check}`, device_class: 'problem', state_topic: topics.checkResult(host, check), value_template: requiredPath('state'),
        payload_on: 'down', payload_off: 'up', json_attributes_topic: topics.checkResult(host, check), ...available,
      },
    });
  }

  const dev = device(host, input.info);
  const out: DiscoveryConfigs = new Map();
  for (const e of entities) {
    const payload = { ...e.config, unique_id: `${node}_${e.object}`, has_entity_name: true, device: dev, origin };
    out.set(discoveryTopic(input.haPrefix, e.component, node, e.object), JSON.stringify(payload));
  }
  return out;
}
