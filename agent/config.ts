import { Type, type Static } from '@sinclair/typebox';

/** `agent` block. Defaults live here only (STYLE §9). */
export const AgentConfig = Type.Object(
  {
    broker: Type.String({ default: 'mqtt://127.0.0.1:1883', description: 'MQTT broker URL (mqtt://, mqtts://, ws://, wss://)' }),
    host: Type.Optional(Type.String({ description: 'Host id to publish as; default: this machine\'s hostname, normalised' })),
    // 0.1 s is the status schema's own minimum; it lets tests and benchmarks run in seconds, not minutes.
    interval: Type.Number({ minimum: 0.1, maximum: 3600, default: 5, description: 'Seconds between metrics samples' }),
    servicesInterval: Type.Number({ minimum: 10, maximum: 86_400, default: 300, description: 'Seconds between full services publications (changes are published at once)' }),
    bufferSize: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 2880, description: 'Samples kept while the broker is unreachable (oldest dropped first); 2880 = 4 h at 5 s' }),
    reconnectMin: Type.Number({ minimum: 0.1, maximum: 3600, default: 1, description: 'First reconnect delay, seconds' }),
    reconnectMax: Type.Number({ minimum: 0.1, maximum: 3600, default: 60, description: 'Longest reconnect delay, seconds (the delay doubles up to it)' }),
    serverWait: Type.Number({ minimum: 0, maximum: 3600, default: 30, description: 'Seconds to hold metrics after connecting until the server summary shows the ingest is subscribed; then publish anyway (0 = do not wait)' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA to trust for mqtts:// and wss:// (pins a self-signed box certificate); the system CAs otherwise' })),
    username: Type.Optional(Type.String({ description: 'MQTT username' })),
    password: Type.Optional(Type.String({ description: 'MQTT password' })),
  },
  { default: {} },
);
export type AgentConfig = Static<typeof AgentConfig>;
