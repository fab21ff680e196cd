import { startAgent } from '../index.js';
import { closeOnSignal } from '../../core/lifecycle.js';
import { createLogger, setLogLevel } from '../../core/logger.js';
import { setLogFormat } from '../../core/log-format.js';
import { ensurePrivateDir } from '../../core/private-files.js';
import { VIGIE_VERSION } from '../../core/version.js';
import { loadStandaloneConfig } from './config-file.js';

export interface RunIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Runs the agent with FILE's configuration until SIGINT or SIGTERM, then
 * stops it the way `vigie agent` does: a retained `offline`/`stopped` status
 * is published, so a planned stop fires no Last Will and no host-down alert.
 * Resolves to the exit code: 0 after a clean stop, 1 when it cannot start or
 * stop, 2 for an invalid configuration.
 */
export async function runStandalone(file: string, io: RunIo): Promise<number> {
  const loaded = loadStandaloneConfig(file, io.env);
  if (!loaded.ok) {
    io.stderr.write(`vigie-agent: invalid configuration in ${file}:\n${loaded.error.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
    return 2;
  }
  const config = loaded.value;
  setLogLevel(config.logLevel);
  // As `vigie agent`: by default (auto) pretty lines at a terminal, JSON for journald and pipes.
  await setLogFormat(config.logFormat);
  const log = createLogger('agent');
  try {
    ensurePrivateDir(config.dataDir);
  } catch (error) {
    // startAgent then keeps samples in memory and says so; monitoring goes on.
    log.error({ dataDir: config.dataDir, err: (error as Error).message }, 'cannot create the data directory');
  }
  let agent;
  try {
    agent = await startAgent(config.agent, { prefix: config.prefix, dataDir: config.dataDir, log, configFile: file });
  } catch (error) {
    io.stderr.write(`vigie-agent: could not start: ${(error as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`Vigie agent ${VIGIE_VERSION}: publishing as "${agent.hostId}" to ${config.agent.broker} every ${config.agent.interval} s\n`);
  return closeOnSignal(agent, log, 'vigie-agent', io.stderr);
}
