import { parseArgs } from 'node:util';
import { err, ok, type Result } from '../../core/result.js';

/** What `vigie-agent.mjs` was asked to do (docs/agent.md, "The standalone agent"). */
export type Command =
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'run'; config: string }
  | { kind: 'enroll'; url: string; config: string; dataDir?: string; tokenFile?: string; serverKey?: string };

export const USAGE = `Usage:
  vigie-agent.mjs --version
  vigie-agent.mjs [run] --config FILE
      Runs the agent until SIGINT/SIGTERM, with the configuration in FILE
      (the JSON that 'vigie agent -c FILE' accepts).
  vigie-agent.mjs enroll --url BOXURL --config FILE [--data-dir DIR] [--token-file TFILE] [--server-key KEY]
      Exchanges a one-time enrollment token for this host's credentials and
      writes them to FILE (mode 0600), with the box's script signing key.
      The token is read from the environment variable VIGIE_ENROLL_TOKEN, or
      from TFILE; never from the command line. With --server-key, the box
      must answer with that key (base64), or nothing is written.`;

/**
 * Parses the command line. A usage error is returned as a message (the
 * caller exits 2). A `--token` flag is refused on purpose: a token on the
 * command line ends up in shell history and in `ps`.
 */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Result<Command> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        'token-file': { type: 'string' },
        'server-key': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/'--token'/.test(message)) return err('--token: the enrollment token is read from VIGIE_ENROLL_TOKEN or --token-file FILE, never from the command line (it would show in ps and in shell history)');
    return err(message);
  }
  const { values, positionals } = parsed;
  if (values.version) return ok({ kind: 'version' });
  if (values.help) return ok({ kind: 'help' });
  const [sub = 'run', ...rest] = positionals;
  if (rest.length > 0) return err(`unexpected argument "${rest[0]}"`);
  const config = values.config ?? (sub === 'run' ? env.VIGIE_CONFIG : undefined);
  if (sub === 'run') {
    for (const flag of ['url', 'data-dir', 'token-file', 'server-key'] as const) {
      if (values[flag] !== undefined) return err(`--${flag}: only for "enroll"`);
    }
    if (!config) return err('run: --config FILE is required (the JSON configuration written by "enroll" or by hand)');
    return ok({ kind: 'run', config });
  }
  if (sub === 'enroll') {
    if (!values.url) return err('enroll: --url BOXURL is required (the box\'s address, e.g. https://box.example:8080)');
    if (!config) return err('enroll: --config FILE is required (where the credentials are written, mode 0600)');
    return ok({
      kind: 'enroll',
      url: values.url,
      config,
      ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
      ...(values['token-file'] !== undefined ? { tokenFile: values['token-file'] } : {}),
      ...(values['server-key'] !== undefined ? { serverKey: values['server-key'] } : {}),
    });
  }
  return err(`unknown command "${sub}" (expected run or enroll)`);
}
