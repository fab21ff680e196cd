import { Type, type Static } from '@sinclair/typebox';

/** `broker` block: the embedded Aedes broker. Defaults live here only (STYLE §9). */
export const BrokerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'Address the MQTT TCP listener binds to' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: 'MQTT TCP port (0 = any free port)' }),
    wsPath: Type.String({ pattern: '^/', default: '/mqtt', description: 'Path of MQTT over WebSocket on the HTTP server' }),
    maxPacketSize: Type.Integer({ minimum: 1024, maximum: 268_435_455, default: 65_536, description: 'Largest MQTT packet accepted, bytes; a client declaring more is disconnected before the body is read' }),
    drainTimeout: Type.Number({ minimum: 0.1, maximum: 600, default: 10, description: 'Seconds a slow subscriber may block writes before it is disconnected' }),
    tls: Type.Optional(
      Type.Object({
        host: Type.Optional(Type.String({ description: 'Address the TLS listener binds to; default: broker.host. With broker.host 127.0.0.1, other machines can only use TLS' })),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8883, description: 'MQTT over TLS port' }),
        cert: Type.String({ minLength: 1, description: 'PEM certificate file (with its chain) for MQTT over TLS' }),
        key: Type.String({ minLength: 1, description: 'PEM private key file of that certificate' }),
      }),
    ),
    allowAnonymous: Type.Boolean({ default: false, description: 'Lab mode: let clients without credentials connect, with every right (any host, any topic). Logged as a warning at start' }),
    closeTimeout: Type.Number({ minimum: 0.1, maximum: 600, default: 5, description: 'Seconds given to a clean shutdown before connections are cut' }),
  },
  { default: {} },
);
export type BrokerConfig = Static<typeof BrokerConfig>;
