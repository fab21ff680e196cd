import { Type, type Static } from '@sinclair/typebox';
import { Bytes, BytesPerSecond, Celsius, Count, EpochMs, Load, Percent, Seconds, ShortText, Version } from './common.js';
import { CUSTOM_NAME_PATTERN, DEVICE_LIMITS, IF_ADMIN_STATES, IF_OPER_STATES } from './device.js';

const PerSecond = Type.Number({ minimum: 0, maximum: 1e12, description: 'events per second' });

export const CpuMetrics = Type.Object({
  usage: Percent,
  // Absent only on SNMP devices that have no load average (Windows, pfSense's bsnmpd: no UCD laLoad).
  load1: Type.Optional(Load),
  load5: Type.Optional(Load),
  load15: Type.Optional(Load),
  iowait: Type.Optional(Percent),
  cores: Type.Optional(Count),
});

export const MemMetrics = Type.Object({
  total: Bytes,
  used: Bytes,
  available: Bytes,
  usedPercent: Percent,
});

export const SwapMetrics = Type.Object({
  total: Bytes,
  used: Bytes,
  usedPercent: Percent,
});

export const DiskMetrics = Type.Object({
  mount: ShortText(512, { minLength: 1 }),
  fs: ShortText(64),
  total: Bytes,
  used: Bytes,
  free: Bytes,
  usedPercent: Percent,
});

export const NetMetrics = Type.Object({
  iface: ShortText(64, { minLength: 1 }),
  rxRate: BytesPerSecond,
  txRate: BytesPerSecond,
  rxBytes: Type.Optional(Bytes),
  txBytes: Type.Optional(Bytes),
  // Interfaces of a device polled over SNMP (IF-MIB, issue 13); agents leave them out.
  index: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'ifIndex' })),
  alias: Type.Optional(ShortText(64, { description: 'ifAlias: the description an admin gave the port' })),
  oper: Type.Optional(Type.Union(IF_OPER_STATES.map((s) => Type.Literal(s)), { description: 'ifOperStatus' })),
  admin: Type.Optional(Type.Union(IF_ADMIN_STATES.map((s) => Type.Literal(s)), { description: 'ifAdminStatus' })),
  speed: Type.Optional(Type.Number({ minimum: 0, maximum: 1e13, description: 'link speed in bytes per second (ifHighSpeed × 10⁶ / 8); absent when the device reports 0' })),
  util: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'utilisation %: the larger of rx and tx rates over speed (above 100 when a device under-reports its speed)' })),
  rxErrors: Type.Optional(PerSecond),
  txErrors: Type.Optional(PerSecond),
  rxDiscards: Type.Optional(PerSecond),
  txDiscards: Type.Optional(PerSecond),
});

/** A device's custom OID (issue 13): a gauge as read, a counter as a rate per second. */
export const CustomMetric = Type.Object({
  name: Type.String({ pattern: CUSTOM_NAME_PATTERN }),
  value: Type.Number({ minimum: -1e15, maximum: 1e15 }),
  unit: ShortText(16),
});

/**
 * `<prefix>/<host>/metrics`, QoS 1, not retained. Every group is optional:
 * a collector that fails is left out and the others are still published.
 */
export const MetricsPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    seq: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description:
          'per-agent sequence number, strictly increasing across agent restarts (an agent with no saved state starts from its clock in ms); the ingest acknowledges it on `stored` once the sample is committed',
      }),
    ),
    cpu: Type.Optional(CpuMetrics),
    mem: Type.Optional(MemMetrics),
    swap: Type.Optional(SwapMetrics),
    disks: Type.Optional(Type.Array(DiskMetrics, { maxItems: 128 })),
    net: Type.Optional(Type.Array(NetMetrics, { maxItems: 128 })),
    temperature: Type.Optional(Type.Object({ cpu: Type.Union([Celsius, Type.Null()]) })),
    uptime: Type.Optional(Seconds),
    processes: Type.Optional(Count),
    custom: Type.Optional(Type.Array(CustomMetric, { maxItems: DEVICE_LIMITS.customOids, description: 'a device\'s custom OIDs (SNMP)' })),
  },
  { $id: 'metrics', title: 'metrics', description: 'One sample of a host' },
);
export type MetricsPayload = Static<typeof MetricsPayload>;
export type DiskMetrics = Static<typeof DiskMetrics>;
export type NetMetrics = Static<typeof NetMetrics>;
export type CustomMetric = Static<typeof CustomMetric>;
