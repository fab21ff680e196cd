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
    publicUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s\'"]+$',
        description: "The dashboard's URL as other machines and phones reach it (e.g. https://vigie.example.org or http://192.168.1.20:8080): used in install lines, notification links and the agent bundle's URL (default: this box's LAN address and HTTP port). The Hosts & agents page warns when what it would hand out is a loopback or documentation address",
      }),
    ),
    publicBroker: Type.Optional(
      Type.String({ pattern: '^(mqtts?|wss?)://[^\\s\'"]+$', description: "Broker URL handed to agents when they enroll, as other machines reach it (default: this box's LAN address and broker port, mqtts:// when broker.tls is set)" }),
    ),
    overviewThrottle: Type.Number({ minimum: 0, maximum: 60, default: 1, description: 'Seconds between two overview batches: the hosts that changed within them go out together, each once' }),
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
    enrollTokenMinutes: Type.Number({
      minimum: 1, maximum: 10080, default: 60,
      description: 'Lifetime of an enrollment token (the one-time token in an install line), minutes; it can be used once, and cancelled in Hosts & agents. Failed uses are throttled per address like logins',
    }),
  },
  { default: {} },
);
export type AuthConfig = Static<typeof AuthConfig>;

/** `prometheus` block: who may scrape GET /metrics (docs/prometheus.md). */
export const PrometheusConfig = Type.Object(
  {
    allow: Type.Array(
      // The form is checked here, with the other config errors; the address itself when the dashboard starts (parseAllowList).
      Type.String({
        pattern: '^(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?:/(?:3[0-2]|[12]?[0-9]))?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$',
        description: 'an IPv4 or IPv6 address, or a CIDR block such as 10.0.0.0/8 or fd00::/8',
      }),
      {
        default: [], maxItems: 256,
        description: 'Addresses or CIDR blocks (e.g. 127.0.0.1/32, 10.0.0.0/8, fd00::/8) that may scrape /metrics without a token. Empty (the default): an API token is required',
      },
    ),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], {
      default: 'admin',
      description: "The lowest role whose API token may scrape /metrics. A scrape shows every host, whatever the user's host access: lower it to viewer only for a token made for Prometheus",
    }),
  },
  { default: {} },
);
export type PrometheusConfig = Static<typeof PrometheusConfig>;
