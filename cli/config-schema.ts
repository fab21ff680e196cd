import { Type, type Static } from '@sinclair/typebox';
import { AgentConfig } from '../agent/config.js';
import { AlertsConfig } from '../alerts/config.js';
import { BackupConfig } from '../backup/config.js';
import { BrokerConfig } from '../broker/config.js';
import { MosquittoConfig } from '../broker/mosquitto/config.js';
import { AuthConfig, HttpConfig, PrometheusConfig } from '../dashboard/server/config.js';
import { EventsConfig } from '../events/config.js';
import { IngestConfig } from '../ingest/config.js';
import { HaConfig } from '../integrations/home-assistant/config.js';
import { NotifyConfig } from '../notify/config.js';
import { OledConfig } from '../oled/config.js';

/**
 * The whole configuration: one block per component, each block's schema
 * (and its defaults) owned by that component. Documented in docs/configuration.md.
 */
export const VigieConfig = Type.Object(
  {
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
    broker: BrokerConfig,
    http: HttpConfig,
    auth: AuthConfig,
    prometheus: PrometheusConfig,
    events: EventsConfig,
    alerts: AlertsConfig,
    notify: NotifyConfig,
    oled: OledConfig,
    ingest: IngestConfig,
    agent: AgentConfig,
    ha: HaConfig,
    backup: BackupConfig,
    mosquitto: MosquittoConfig,
  },
  { default: {} },
);
export type VigieConfig = Static<typeof VigieConfig>;
