import { Type, type Static } from '@sinclair/typebox';

/** `ingest` block. Defaults live here only (STYLE §9). */
export const IngestConfig = Type.Object(
  {
    broker: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'MQTT broker URL the ingest subscribes to' }),
    clientId: Type.String({ minLength: 1, maxLength: 64, default: 'vigie-ingest', description: 'Fixed MQTT client id (persistent session)' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA to trust for mqtts:// and wss://; the system CAs otherwise' })),
    username: Type.Optional(Type.String({ description: 'MQTT username (from `vigie credentials add --service ingest`)' })),
    password: Type.Optional(Type.String({ description: 'MQTT password' })),
    staleAfterIntervals: Type.Number({ minimum: 1, maximum: 100, default: 3, description: 'A host whose metrics stop for this many intervals is offline' }),
    flushInterval: Type.Number({ minimum: 0.05, maximum: 60, default: 1, description: 'Seconds between store write batches' }),
    flushSize: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000, description: 'Points that trigger an early write batch' }),
    retention: Type.Object(
      {
        raw: Type.Number({ minimum: 1, default: 48 * 3600, description: 'Seconds raw samples are kept (48 h)' }),
        minute: Type.Number({ minimum: 60, default: 30 * 86_400, description: 'Seconds 1-minute rollups are kept (30 d)' }),
        hour: Type.Number({ minimum: 3600, default: 400 * 86_400, description: 'Seconds 1-hour rollups are kept (400 d)' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);
export type IngestConfig = Static<typeof IngestConfig>;
