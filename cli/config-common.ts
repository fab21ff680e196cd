import { Type } from '@sinclair/typebox';

/**
 * The top-level keys every runner of a Vigie configuration file reads: the
 * server (cli/config-schema.ts) and the standalone agent
 * (agent/standalone/config-file.ts), which must not load the server's
 * blocks to read its own (docs/agent.md, Memory).
 */
export const COMMON_CONFIG = {
  dataDir: Type.String({ minLength: 1, default: './data', description: 'Directory for the SQLite database and other state' }),
  mqtt: Type.Object(
    {
      prefix: Type.String({ pattern: '^[^+#/\u0000]+(/[^+#/\u0000]+)*$', default: 'vigie', description: 'Topic prefix of the MQTT contract' }),
    },
    { default: {} },
  ),
  log: Type.Object(
    {
      level: Type.Union(
        ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
        { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
      ),
      format: Type.Union(
        ['auto', 'pretty', 'json'].map((f) => Type.Literal(f)),
        { default: 'auto', description: 'auto: pretty coloured lines when stderr is a terminal, JSON lines otherwise (journald, pipes, files); pretty or json: always that' },
      ),
    },
    { default: {} },
  ),
};

/** The server's blocks: the standalone agent leaves them to the server, unread. */
export const SERVER_BLOCKS = ['broker', 'http', 'auth', 'prometheus', 'events', 'alerts', 'notify', 'oled', 'ingest', 'ha', 'backup', 'mosquitto'] as const;
