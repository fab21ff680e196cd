import { dirname, resolve } from 'node:path';
import { err, ok, type Result } from '../../core/result.js';
import type { LogLevel } from '../../core/logger.js';
import { loadConfig } from '../../cli/config.js';
import type { AgentConfig } from '../config.js';

/** What the standalone agent takes from a Vigie configuration file. */
export interface StandaloneConfig {
  agent: AgentConfig;
  /** `mqtt.prefix`. */
  prefix: string;
  logLevel: LogLevel;
  /** `dataDir`, absolute: a relative one is taken from the configuration file's directory. */
  dataDir: string;
}

/**
 * Loads FILE with the same loader as `vigie agent -c FILE` (cli/config.ts:
 * only config schemas, no server code), so one file serves both runners,
 * with the same `VIGIE_*` environment overrides (`VIGIE_AGENT_USERNAME`,
 * `VIGIE_AGENT_PASSWORD`, `VIGIE_LOG_LEVEL`…) and the same `key: message`
 * errors. One difference: a relative `dataDir` (the default `./data`
 * included) is resolved from the file's directory, not the working
 * directory, since a service has no meaningful one.
 */
export function loadStandaloneConfig(file: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Result<StandaloneConfig> {
  const loaded = loadConfig({ file, env, cwd });
  if (!loaded.ok) return err(loaded.error);
  const config = loaded.value;
  return ok({
    agent: config.agent,
    prefix: config.mqtt.prefix,
    logLevel: config.log.level as LogLevel,
    dataDir: resolve(dirname(resolve(cwd, file)), config.dataDir),
  });
}
