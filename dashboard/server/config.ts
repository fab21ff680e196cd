import { Type, type Static } from '@sinclair/typebox';

/** `http` block: the dashboard's HTTP server (REST API, Socket.IO, static app, MQTT over WebSocket). */
export const HttpConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'Address the HTTP server binds to' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port (0 = any free port)' }),
    tls: Type.Optional(
      Type.Object({
        cert: Type.String({ minLength: 1, description: 'PEM certificate file (with its chain): serve HTTPS instead of HTTP' }),
        key: Type.String({ minLength: 1, description: 'PEM private key file of that certificate' }),
      }),
    ),
    overviewThrottle: Type.Number({ minimum: 0, maximum: 60, default: 1, description: 'Seconds between two overview updates of one host' }),
  },
  { default: {} },
);
export type HttpConfig = Static<typeof HttpConfig>;
