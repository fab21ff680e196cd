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
import { COMMON_CONFIG, SERVER_BLOCKS } from './config-common.js';

/**
 * The whole configuration: one block per component, each block's schema
 * (and its defaults) owned by that component. Documented in docs/configuration.md.
 */
export const VigieConfig = Type.Object(
  {
    ...COMMON_CONFIG,
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

/** Compiles only while SERVER_BLOCKS names every block but the common ones and the agent's (the standalone agent skips those). */
export const SERVER_BLOCKS_LISTED: Exclude<keyof VigieConfig, keyof typeof COMMON_CONFIG | 'agent'> extends (typeof SERVER_BLOCKS)[number] ? true : never = true;
