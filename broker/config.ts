import { Type, type Static } from '@sinclair/typebox';

/** `broker` block: the embedded Aedes broker. Defaults live here only (STYLE §9). */
export const BrokerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', description: 'Address the MQTT TCP listener binds to' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: 'MQTT TCP port (0 = any free port)' }),
    wsPath: Type.String({ pattern: '^/', default: '/mqtt', description: 'Path of MQTT over WebSocket on the HTTP server' }),
    maxPacketSize: Type.Integer({ minimum: 1024, maximum: 268_435_455, default: 65_536, description: 'Largest MQTT packet accepted, bytes; a client declaring more is disconnected before the body is read' }),
    drainTimeout: Type.Number({ minimum: 0.1, maximum: 600, default: 10, description: 'Seconds a subscriber\'s connection may stay unable to take more output before it is disconnected. A slow subscriber delays only itself, never the others' }),
    maxClientBacklog: Type.Integer({ minimum: 65_536, maximum: 1_073_741_824, default: 8_388_608, description: 'Bytes of output the broker holds for one connected client that does not read fast enough (beyond what the OS socket buffers take); past it the client is disconnected as a slow consumer' }),
    ingestWindow: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 5000, description: 'QoS 1 messages the broker keeps for the connected ingest before it has acknowledged them (it acknowledges once stored; in-process, ingest.inProcess, before its store has committed them). Past it, publishes wait before they are read: agents keep their samples until the ingest catches up, instead of the broker growing or cutting the ingest as a slow consumer' }),
    sessionQueue: Type.Object(
      {
        maxMessages: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 50_000, description: 'QoS 1 messages kept for one persistent session (e.g. the ingest\'s while it is away); past it new messages are not queued (counted); the oldest are kept, and agents send the rest again' }),
        maxBytes: Type.Integer({ minimum: 65_536, maximum: 4_294_967_296, default: 33_554_432, description: 'Bytes (topic + payload) kept for one persistent session; past it new messages are not queued (counted)' }),
      },
      { default: {}, description: 'Bounds of the queue the broker keeps for a persistent session. Agents keep each sample until the ingest reports it stored, so what is dropped is sent again' },
    ),
    retainedPerAgent: Type.Object(
      {
        topics: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 512, description: 'Retained topics one agent\'s credentials may hold: its status, info and services, one result per network check it runs (at most 200), and the status and info of each SNMP device it polls (at most 100)' }),
        bytes: Type.Integer({ minimum: 1024, maximum: 1_073_741_824, default: 2_097_152, description: 'Bytes (topic + payload) of retained messages one agent\'s credentials may hold' }),
      },
      { default: {}, description: 'Quota of each agent in the retained store; a retained publish past it is delivered live but not stored, and counted. The ingest (one per server, its topics grow with the fleet) and lab-mode anonymous clients have none' },
    ),
    loginThrottle: Type.Object(
      {
        slowAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 3, description: 'Failed MQTT logins on one username before each further attempt must wait (1 s, 2 s, 4 s…)' }),
        lockAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Failed MQTT logins on one username that lock it for lockMinutes' }),
        lockMinutes: Type.Number({ minimum: 0.01, maximum: 1440, default: 15, description: 'How long a locked MQTT username is refused, even with the right password' }),
        addressFailures: Type.Integer({ minimum: 1, maximum: 100_000, default: 30, description: 'Failed MQTT logins from one address within 15 minutes that block the address' }),
      },
      { default: {}, description: 'Back-off of failed MQTT logins, as the dashboard\'s sign-in (auth.*). A password that worked here before and was then revoked or rotated is refused without counting' },
    ),
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
