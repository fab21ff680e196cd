import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatConfigError, loadConfig, type VigieConfig } from './config.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every admin command (`vigie credentials`, `vigie user`) takes. */
const COMMON = {
  'data-dir': { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export type AdminArgs = { values: Record<string, string | boolean | undefined>; action: string; rest: string[]; config: VigieConfig };

/**
 * The shared start of an admin command: parses `argv` with the command's own
 * options plus --data-dir/--config/--help, prints the help, loads the config.
 * Returns the parsed arguments, or the exit code when there is nothing more to do.
 */
export function startAdminCommand(
  name: string,
  help: string,
  argv: string[],
  options: Options,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): AdminArgs | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...options, ...COMMON } });
  } catch (error) {
    io.err.write(`vigie ${name}: ${(error as Error).message}\n`);
    return 2;
  }
  const values = parsed.values as AdminArgs['values'];
  const [action, ...rest] = parsed.positionals;
  if (values.help || !action) {
    io.out.write(`${help}\n`);
    return values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'];
  const loaded = loadConfig({ file: values.config as string | undefined, overrides: typeof dataDir === 'string' ? { dataDir } : {} });
  if (!loaded.ok) {
    io.err.write(formatConfigError(loaded.error));
    return 2;
  }
  return { values, action, rest, config: loaded.value };
}
