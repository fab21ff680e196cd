import { dirname, resolve } from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import type { LogLevel } from '../../core/logger.js';
import type { LogFormat } from '../../core/log-format.js';
import { Type } from '@sinclair/typebox';
import { COMMON_CONFIG, SERVER_BLOCKS } from '../../cli/config-common.js';
import { loadConfigOf } from '../../cli/config-loader.js';
import { AgentConfig } from '../config.js';

/** What the standalone agent reads of a Vigie configuration file; the server's blocks are skipped unread. */
const AgentFileConfig = Type.Object({ ...COMMON_CONFIG, agent: AgentConfig }, { default: {} });

/** What the standalone agent takes from a Vigie configuration file. */
export interface StandaloneConfig {
  agent: AgentConfig;
  /** `mqtt.prefix`. */
  prefix: string;
  logLevel: LogLevel;
  /** `log.format`: auto, pretty or json. */
  logFormat: LogFormat;
  /** `dataDir`, absolute: a relative one is taken from the configuration file's directory. */
  dataDir: string;
}

/**
 * Loads FILE with the same loader as `vigie agent -c FILE`
 * (cli/config-loader.ts), so one file serves both runners, with the same
 * `VIGIE_*` environment overrides (`VIGIE_AGENT_USERNAME`,
 * `VIGIE_AGENT_PASSWORD`, `VIGIE_LOG_LEVEL`…) and the same `key: message`
 * errors. Two differences: the server's blocks (`broker`, `http`…) are
 * skipped unread, so the agent never builds their schemas; and a relative
 * `dataDir` (the default `./data` included) is resolved from the file's
 * directory, not the working directory, since a service has no meaningful one.
 */
export function loadStandaloneConfig(file: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Result<StandaloneConfig> {
  const loaded = loadConfigOf(AgentFileConfig, { file, env, cwd }, SERVER_BLOCKS);
  if (!loaded.ok) return err(loaded.error);
  const config = loaded.value;
  return ok({
    agent: config.agent,
    prefix: config.mqtt.prefix,
    logLevel: config.log.level as LogLevel,
    logFormat: config.log.format as LogFormat,
    dataDir: resolve(dirname(resolve(cwd, file)), config.dataDir),
  });
}
