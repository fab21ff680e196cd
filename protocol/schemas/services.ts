import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, ShortText, Version } from './common.js';

export const SERVICE_STATES = ['running', 'stopped', 'failed', 'starting', 'stopping', 'unknown'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** `<prefix>/<host>/services`, retained, published on change and every 5 minutes. */
export const ServicesPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    services: Type.Array(
      Type.Object({
        name: ShortText(256),
        state: Type.Union(SERVICE_STATES.map((s) => Type.Literal(s))),
        enabled: Type.Union([Type.Boolean(), Type.Null()], { description: 'starts at boot; null when unknown' }),
      }),
      { maxItems: 2000 },
    ),
  },
  { $id: 'services', title: 'services', description: 'Every service the OS knows, with state' },
);
export type ServicesPayload = Static<typeof ServicesPayload>;
export type ServiceEntry = ServicesPayload['services'][number];
