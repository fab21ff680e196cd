import { Type, type Static } from '@sinclair/typebox';
import { Count, EpochMs, ShortText, Version } from './common.js';
import { HOST_ID_PATTERN } from '../host-id.js';

/**
 * `<prefix>/_server/summary`, retained, published by the ingest once it has
 * subscribed (and on changes); its Last Will says `offline`. Agents wait for
 * it after (re)connecting before sending metrics, so samples sent to a
 * freshly restarted broker are not lost before the ingest has re-subscribed.
 */
export const SummaryPayload = Type.Object(
  {
    v: Version,
    ts: EpochMs,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')], { description: 'whether the ingest is connected' }),
    hosts: Type.Object({ total: Count, online: Count, offline: Count }),
    version: ShortText(64, { description: 'server version' }),
    addresses: Type.Array(ShortText(64), { maxItems: 32, description: 'IPv4 addresses of the server, for pointing agents at it' }),
    alerts: Type.Optional(
      Type.Object(
        { firing: Count, critical: Count, warning: Count, acknowledged: Count, maintenance: Count },
        { description: 'firing alerts by severity; how many are acknowledged, and how many fired in or are covered by a maintenance window' },
      ),
    ),
    firingByHost: Type.Optional(
      Type.Record(Type.String({ pattern: HOST_ID_PATTERN.source }), Count, {
        additionalProperties: false, // keys are host ids, nothing else
        description: 'firing alerts per host, only hosts with at least one (Home Assistant\'s per-host alert count reads it, docs/home-assistant.md)',
      }),
    ),
  },
  { $id: 'summary', title: 'summary', description: 'Fleet summary from the ingest' },
);
export type SummaryPayload = Static<typeof SummaryPayload>;
