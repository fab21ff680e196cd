import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, ShortText, Version } from './common.js';

/** `<prefix>/<host>/status`, retained; the agent's Last Will publishes `offline`. */
export const StatusPayload = Type.Object(
  {
    v: Version,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')], { description: 'online, or offline (clean stop or Last Will)' }),
    reason: ShortText(128, { description: 'why: connected, stopped, lost…' }),
    agent: ShortText(64, { description: 'agent version' }),
    interval: Type.Number({ minimum: 0.1, maximum: 86_400, description: 'metrics interval, seconds' }),
    ts: Type.Optional(EpochMs),
    dropped: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9, description: 'samples dropped from the offline buffer since start' })),
  },
  { $id: 'status', title: 'status', description: 'Presence of an agent' },
);
export type StatusPayload = Static<typeof StatusPayload>;
