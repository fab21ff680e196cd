import { Type, type Static } from '@sinclair/typebox';
import { Bytes, Count, EpochMs, ShortText, Version } from './common.js';
import { InfoSource } from './device.js';

/** `<prefix>/<host>/info`, retained, published on connect. */
export const InfoPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    hostname: ShortText(255, { description: 'hostname as the OS reports it' }),
    os: Type.Object({
      platform: ShortText(32, { description: 'linux, win32, darwin…' }),
      distro: ShortText(128),
      release: ShortText(128),
    }),
    kernel: ShortText(128),
    arch: ShortText(32),
    cpu: Type.Object({
      model: ShortText(256),
      cores: Count,
      physicalCores: Type.Optional(Count),
    }),
    memTotal: Bytes,
    disks: Type.Array(Type.Object({ mount: ShortText(512), fs: ShortText(64), size: Bytes }), { maxItems: 128 }),
    addresses: Type.Array(
      Type.Object({
        iface: ShortText(64),
        ip4: Type.Optional(ShortText(64)),
        ip6: Type.Optional(ShortText(64)),
        mac: Type.Optional(ShortText(64)),
      }),
      { maxItems: 128 },
    ),
    bootTime: EpochMs,
    agent: ShortText(64, { description: 'agent version (of the poller, for a device)' }),
    /** A device polled by an agent (SNMP): where the data comes from. Absent on an agent's own host. */
    source: Type.Optional(InfoSource),
  },
  { $id: 'info', title: 'info', description: 'What the host is' },
);
export type InfoPayload = Static<typeof InfoPayload>;
