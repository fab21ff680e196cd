import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { Logger } from '../core/logger.js';

/**
 * Keeps the new form of the agent's username (issue 15) in its JSON
 * configuration file, once the broker accepted it, so the agent starts with
 * it next time (and stops trying the old one first). Only when the file
 * holds the old name as `agent.username`: a name given in the environment
 * (VIGIE_AGENT_USERNAME) or elsewhere is the operator's to change, and the
 * log says so. The file is replaced atomically with its mode kept (it holds
 * the password). Never throws: the agent is connected either way.
 */
export function persistUsername(file: string, from: string, to: string, log: Logger): boolean {
  try {
    const text = readFileSync(file, 'utf8');
    const parsed = JSON.parse(text) as { agent?: { username?: unknown } };
    if (parsed.agent?.username !== from) {
      log.warn({ file, username: to }, 'the new username is not where this agent\'s configuration file has it: set it where it comes from (VIGIE_AGENT_USERNAME?)');
      return false;
    }
    parsed.agent.username = to;
    const aside = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(aside, `${JSON.stringify(parsed, null, 2)}\n`, { mode: statSync(file).mode & 0o777, flag: 'wx' });
    renameSync(aside, file);
    log.info({ file, username: to }, 'the new username is saved in the configuration file');
    return true;
  } catch (error) {
    log.warn({ file, err: (error as Error).message }, 'could not save the new username in the configuration file');
    return false;
  }
}
