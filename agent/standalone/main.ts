/**
 * The standalone agent's commands; ./bin.ts runs them, and ./build.ts bundles it into one file,
 * dist/agent/vigie-agent.mjs, that needs only Node ≥ 20 (no node_modules, no
 * native addon, nothing of the server). CLI and file formats: docs/agent.md,
 * "The standalone agent".
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { err, ok, type Result } from '../../core/result.js';
import { VIGIE_VERSION } from '../../core/version.js';
import { parseCommand, USAGE, type Command } from './args.js';
import { enroll } from './enroll.js';
import { runStandalone, type RunIo } from './run.js';

/** Runs one command; resolves to the exit code (0 ok, 1 failed, 2 usage or configuration error). */
export async function main(argv: readonly string[], io: RunIo = { env: process.env, stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseCommand(argv, io.env);
  if (!parsed.ok) {
    io.stderr.write(`vigie-agent: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const command = parsed.value;
  switch (command.kind) {
    case 'version':
      io.stdout.write(`${VIGIE_VERSION}\n`);
      return 0;
    case 'help':
      io.stdout.write(`${USAGE}\n`);
      return 0;
    case 'run':
      return runStandalone(command.config, io);
    case 'enroll':
      return enrollCommand(command, io);
  }
}

async function enrollCommand(command: Extract<Command, { kind: 'enroll' }>, io: RunIo): Promise<number> {
  const token = readToken(command.tokenFile, io.env);
  if (!token.ok) {
    io.stderr.write(`vigie-agent enroll: ${token.error}\n`);
    return 2;
  }
  try {
    const result = await enroll({
      url: command.url,
      configFile: command.config,
      ...(command.dataDir !== undefined ? { dataDir: command.dataDir } : {}),
      token: token.value,
      ...(command.serverKey !== undefined ? { serverKey: command.serverKey } : {}),
      agentVersion: VIGIE_VERSION,
      hostname: hostname(),
    });
    if (!result.ok) {
      io.stderr.write(`vigie-agent enroll: ${result.error}\n`);
      return result.error.startsWith('--url:') ? 2 : 1;
    }
    const key = result.value.serverKeyFingerprint;
    io.stdout.write(`enrolled as ${result.value.host}; broker ${result.value.broker}${key ? `; box key ${key}` : ''}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`vigie-agent enroll: cannot write ${command.config}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The one-time token: `--token-file`, else $VIGIE_ENROLL_TOKEN; surrounding white space is dropped. */
function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv): Result<string> {
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = readFileSync(tokenFile, 'utf8');
    } catch (error) {
      return err(`--token-file: cannot read "${tokenFile}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  } else {
    token = env.VIGIE_ENROLL_TOKEN;
  }
  token = token?.trim();
  if (!token) {
    return err(tokenFile !== undefined ? `--token-file: "${tokenFile}" is empty` : 'no enrollment token: set VIGIE_ENROLL_TOKEN (or give --token-file FILE); it is never read from the command line');
  }
  return ok(token);
}
