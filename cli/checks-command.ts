import { readFileSync } from 'node:fs';
import { openAccounts } from '../accounts/index.js';
import { agentHostId } from '../agent/index.js';
import { CheckAccess } from '../checks/access.js';
import { checkScriptParams } from '../scripts/bundle.js';
import { ScriptStore } from '../scripts/store.js';
import { exportChecks, parseChecksFile, planImport, type FileFormat } from '../checks/import-export.js';
import { CheckStore } from '../checks/store.js';
import { VigieError } from '../core/errors.js';
import { EventLog } from '../events/event-log.js';
import { startAdminCommand } from './admin-command.js';

export const CHECKS_HELP = `Usage: vigie checks <export|import> [options]

Network checks as code, in <dataDir>/checks.db (docs/checks.md, "Checks as code").
Works while the server runs: it sees the change within a few seconds and sends
each runner its new checks.

  vigie checks export [--format yaml|json]          print every check (default YAML)
  vigie checks import FILE [--replace] [--dry-run]  add or update the checks of FILE ('-': standard input)
      --format yaml|json   the file's format (default: from its extension, else YAML)
      --replace            also delete the checks FILE does not list
      --dry-run            only say what would change
  A check without "runners" runs on this machine's agent (agent.host, else the hostname).
  Nothing is changed when any check of the file is invalid: every error names its check
  (checks[2].target: …).

  --data-dir DIR        data directory of the server (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** `vigie checks …`: returns the exit code. */
export async function checksMain(
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; stdin: NodeJS.ReadableStream } = { out: process.stdout, err: process.stderr, stdin: process.stdin },
): Promise<number> {
  const args = startAdminCommand('checks', CHECKS_HELP, argv, { format: { type: 'string' }, replace: { type: 'boolean' }, 'dry-run': { type: 'boolean' } }, io);
  if (typeof args === 'number') return args;
  const { values, action, rest } = args;
  const format = values.format as string | undefined;
  if (format !== undefined && format !== 'yaml' && format !== 'json') {
    io.err.write('vigie checks: --format: expected yaml or json\n');
    return 2;
  }
  if (action === 'export' && rest.length === 0) {
    const store = CheckStore.open(args.config.dataDir);
    try {
      io.out.write(exportChecks(store.list(), (format ?? 'yaml') as FileFormat));
      return 0;
    } finally {
      store.close();
    }
  }
  if (action !== 'import' || rest.length !== 1) {
    io.err.write(`vigie checks: expected 'export' or 'import FILE'\n\n${CHECKS_HELP}\n`);
    return 2;
  }
  const file = rest[0]!;
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin) : readFileSync(file, 'utf8');
  } catch (error) {
    io.err.write(`vigie checks: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const fileFormat: FileFormat = (format as FileFormat | undefined) ?? (/\.json$/i.test(file) ? 'json' : 'yaml');
  const mode = values.replace ? 'replace' : 'merge';
  const store = CheckStore.open(args.config.dataDir);
  const accounts = openAccounts(args.config.dataDir);
  // Script checks' arguments are checked against their script's parameters, as the API does.
  const scripts = ScriptStore.open(args.config.dataDir);
  try {
    const { plan, outcome } = planImport(parseChecksFile(text, fileFormat), store.list(), {
      scriptParams: checkScriptParams(scripts),
      mode,
      user: null, // the command line is the box's administrator
      access: new CheckAccess(accounts.hostAccess),
      defaultRunner: agentHostId(args.config.agent),
    });
    const dry = values['dry-run'] === true;
    if (!dry && plan.put.length + plan.delete.length > 0) {
      store.apply(plan, null);
      const events = EventLog.open(args.config.dataDir);
      try {
        events.append({ type: 'checks.imported', user: 'command line', address: null, message: `Checks imported (${mode}) from ${file}: ${outcome.created.length} created, ${outcome.updated.length} updated, ${outcome.deleted.length} deleted`, data: { mode, ...outcome } });
      } finally {
        events.close();
      }
    }
    const line = (what: string, ids: string[]): string => `${what.padEnd(10)} ${ids.length}${ids.length > 0 ? `: ${ids.join(', ')}` : ''}\n`;
    io.out.write(`${dry ? 'Dry run: nothing changed.\n' : ''}${line('created', outcome.created)}${line('updated', outcome.updated)}${line('deleted', outcome.deleted)}${line('unchanged', outcome.unchanged)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof VigieError)) throw error;
    io.err.write(`vigie checks: ${file}: nothing imported:\n`);
    for (const f of error.fields.length > 0 ? error.fields : [{ field: '', message: error.message }]) io.err.write(`  ${f.field ? `${f.field}: ` : ''}${f.message}\n`);
    return 1;
  } finally {
    scripts.close();
    accounts.close();
    store.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
