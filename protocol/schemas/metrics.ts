import { Type, type Static } from '@sinclair/typebox';
import { Bytes, BytesPerSecond, Celsius, Count, EpochMs, Load, Percent, Seconds, ShortText, Version } from './common.js';

export const CpuMetrics = Type.Object({
  usage: Percent,
  load1: Load,
  load5: Load,
  load15: Load,
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
  },
  { $id: 'metrics', title: 'metrics', description: 'One sample of a host' },
);
export type MetricsPayload = Static<typeof MetricsPayload>;
export type DiskMetrics = Static<typeof DiskMetrics>;
export type NetMetrics = Static<typeof NetMetrics>;
