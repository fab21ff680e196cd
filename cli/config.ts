import type { TSchema } from '@sinclair/typebox';
import type { Result } from '../core/result.js';
import { configLeaves as leavesOf, loadConfigOf, type ConfigSources } from './config-loader.js';
import { VigieConfig } from './config-schema.js';

export { VigieConfig } from './config-schema.js';
export { configFileOf, DEFAULT_CONFIG_FILE, envName, formatConfigError, type ConfigSources } from './config-loader.js';

/** Every leaf key of Vigie's configuration (or of `schema`) with its dotted path. */
export const configLeaves = (schema: TSchema = VigieConfig, prefix = ''): ReturnType<typeof leavesOf> => leavesOf(schema, prefix);

/** Loads, merges, converts and validates Vigie's configuration; all errors are collected as `path: message` lines. */
export function loadConfig(sources: ConfigSources = {}): Result<Readonly<VigieConfig>> {
  return loadConfigOf(VigieConfig, sources);
}
