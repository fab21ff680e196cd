import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, ShortText, Version } from './common.js';

/** The shortest metrics interval a status may announce, seconds (the agent's own minimum). */
export const STATUS_INTERVAL_MIN_S = 0.1;

/** `<prefix>/<host>/status`, retained; the agent's Last Will publishes `offline`. */
export const StatusPayload = Type.Object(
  {
    v: Version,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')], { description: 'online, or offline (clean stop or Last Will)' }),
    reason: ShortText(128, { description: 'why: connected, stopped, lost…; for a device: polled, snmp-timeout, snmp-auth, snmp-error, poller-offline' }),
    error: Type.Optional(ShortText(256, { description: 'a device\'s last polling error, as the poller saw it ("Request timed out", "Authentication failure (incorrect password, community or key)")' })),
    agent: ShortText(64, { description: 'agent version' }),
    interval: Type.Number({ minimum: STATUS_INTERVAL_MIN_S, maximum: 86_400, description: 'metrics interval, seconds' }),
    ts: Type.Optional(EpochMs),
    dropped: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e9, description: 'samples dropped from the offline buffer since start' })),
    failing: Type.Optional(
      Type.Array(
        Type.Object({
          collector: ShortText(64, { minLength: 1, description: 'metric group left out (cpu, disks…)' }),
          error: ShortText(256, { description: 'why: the error, "timed out after 4 s", or "still running … not started again"' }),
          since: EpochMs,
        }),
        {
          maxItems: 32,
          description: 'collectors left out of the latest sample: failed, past their deadline, or still stuck from an earlier one (as node_exporter\'s node_scrape_collector_success); published again when the set changes; absent when all succeed',
        },
      ),
    ),
  },
  { $id: 'status', title: 'status', description: 'Presence of an agent' },
);
export type StatusPayload = Static<typeof StatusPayload>;
