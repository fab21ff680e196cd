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

/** Container states as the Docker Engine API names them (podman's compat API uses the same words). */
export const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];
/** Health of a container; `none` when its image or run defines no healthcheck. */
export const CONTAINER_HEALTHS = ['healthy', 'unhealthy', 'starting', 'none'] as const;
export type ContainerHealth = (typeof CONTAINER_HEALTHS)[number];
/** Docker's own rule for container names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`), bounded. */
export const CONTAINER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
/** An image reference (`registry:5000/team/app:1.2@sha256:…`) or id: no spaces, quotes or markup. */
export const CONTAINER_IMAGE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,255}$';
/** Most containers one sample carries (the agent's `containers.max` is at most this); keeps the payload under 64 KiB. */
export const MAX_CONTAINERS = 200;

/** One container on the host (issue 15, docs/containers.md), read from the Docker Engine API. */
export const ContainerMetrics = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{12}$', description: 'short container id (12 hex digits)' }),
  name: Type.String({ pattern: CONTAINER_NAME_PATTERN, description: 'container name, without Docker\'s leading `/`' }),
  image: Type.String({ pattern: CONTAINER_IMAGE_PATTERN, description: 'image reference it runs' }),
  state: Type.Union(CONTAINER_STATES.map((s) => Type.Literal(s))),
  health: Type.Union(CONTAINER_HEALTHS.map((s) => Type.Literal(s))),
  restarts: Type.Integer({ minimum: 0, maximum: 1e9, description: 'restarts by its restart policy (RestartCount)' }),
  exitCode: Type.Optional(Type.Integer({ minimum: -1, maximum: 2_147_483_647, description: 'exit code of its last run, when not running' })),
  startedAt: Type.Optional(EpochMs),
  cpu: Type.Optional(Type.Number({ minimum: 0, maximum: 102_400, description: 'CPU %, of one core like `docker stats` (200 = two cores busy)' })),
  memUsed: Type.Optional(Bytes),
  memLimit: Type.Optional(Bytes),
  rxRate: Type.Optional(BytesPerSecond),
  txRate: Type.Optional(BytesPerSecond),
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
    containers: Type.Optional(Type.Array(ContainerMetrics, { maxItems: MAX_CONTAINERS, description: 'containers of the host\'s Docker or podman engine (agent `containers` block)' })),
    custom: Type.Optional(Type.Array(CustomMetric, { maxItems: DEVICE_LIMITS.customOids, description: 'a device\'s custom OIDs (SNMP)' })),
  },
  { $id: 'metrics', title: 'metrics', description: 'One sample of a host' },
);
export type MetricsPayload = Static<typeof MetricsPayload>;
export type DiskMetrics = Static<typeof DiskMetrics>;
export type NetMetrics = Static<typeof NetMetrics>;
export type CustomMetric = Static<typeof CustomMetric>;
export type ContainerMetrics = Static<typeof ContainerMetrics>;
