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
    publicBroker: Type.Optional(
      Type.String({ pattern: '^(mqtts?|wss?)://[^\\s\'"]+$', description: "Broker URL put in the agent commands the dashboard and 'vigie credentials add' print (default: this box's LAN address and broker port, mqtts:// when broker.tls is set)" }),
    ),
    overviewThrottle: Type.Number({ minimum: 0, maximum: 60, default: 1, description: 'Seconds between two overview updates of one host' }),
  },
  { default: {} },
);
export type HttpConfig = Static<typeof HttpConfig>;

/** `auth` block: dashboard sessions and protection against password guessing. */
export const AuthConfig = Type.Object(
  {
    sessionIdleHours: Type.Number({ minimum: 0.01, maximum: 720, default: 12, description: 'A dashboard session unused for this many hours ends' }),
    sessionMaxDays: Type.Number({ minimum: 0.01, maximum: 365, default: 7, description: 'A dashboard session ends this many days after login, used or not' }),
    slowAfter: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Consecutive failed logins on an account after which each attempt must wait (1 s, 2 s, 4 s…)' }),
    lockAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Consecutive failed logins that lock an account' }),
    lockMinutes: Type.Number({ minimum: 0.01, maximum: 1440, default: 15, description: 'How long a locked account stays locked' }),
    addressFailures: Type.Integer({ minimum: 1, maximum: 100000, default: 30, description: 'Failed logins from one address within 15 minutes that block that address' }),
  },
  { default: {} },
);
export type AuthConfig = Static<typeof AuthConfig>;
