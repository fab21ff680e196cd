#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { closeOnSignal } from '../core/lifecycle.js';
import { createLogger, setLogLevel, type LogLevel } from '../core/logger.js';
import { setLogFormat, type LogFormat } from '../core/log-format.js';
import { lanAddresses } from '../core/net.js';
import { VIGIE_VERSION } from '../core/version.js';
import { configFileOf, formatConfigError, loadConfig, type VigieConfig } from './config.js';
import { backupMain, restoreMain } from './backup-command.js';
import { checksMain } from './checks-command.js';
import { credentialsMain } from './credentials-command.js';
import { devicesMain } from './devices-command.js';
import { HELP } from './help.js';
import { simulateToTerminal } from '../oled/index.js';
import { historyMain } from './history-command.js';
import { mosquittoMain } from './mosquitto-command.js';
import { userMain } from './user-command.js';
import { startStack, type Role, type Stack } from './stack.js';

const ROLES: readonly Role[] = ['up', 'broker', 'server', 'agent', 'oled'];

/** Named flags and the config paths they set; --set covers every other key. */
const FLAG_PATHS: Record<string, (role: Role) => string[]> = {
  'data-dir': () => ['dataDir'],
  'http-port': () => ['http.port'],
  'mqtt-port': () => ['broker.port'],
  bind: () => ['http.host', 'broker.host'],
  broker: (role) => (role === 'agent' ? ['agent.broker'] : role === 'oled' ? ['oled.broker'] : ['ingest.broker']),
  host: (role) => (role === 'oled' ? ['oled.host'] : ['agent.host']),
  interval: () => ['agent.interval'],
  'log-level': () => ['log.level'],
};

export async function main(argv: string[]): Promise<number> {
  // Until the config is read (and for the commands that read none): pretty at a terminal, JSON elsewhere.
  await setLogFormat('auto');
  if (argv[0] === 'credentials') return credentialsMain(argv.slice(1));
  if (argv[0] === 'user') return userMain(argv.slice(1));
  if (argv[0] === 'history') return historyMain(argv.slice(1));
  if (argv[0] === 'checks') return checksMain(argv.slice(1));
  if (argv[0] === 'devices') return devicesMain(argv.slice(1));
  if (argv[0] === 'backup') return backupMain(argv.slice(1));
  if (argv[0] === 'restore') return restoreMain(argv.slice(1));
  if (argv[0] === 'mosquitto') return mosquittoMain(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        set: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        simulate: { type: 'boolean' },
        ...Object.fromEntries(Object.keys(FLAG_PATHS).map((f) => [f, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    process.stderr.write(`vigie: ${(error as Error).message}\nRun 'vigie --help' for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version) {
    process.stdout.write(`${VIGIE_VERSION}\n`);
    return 0;
  }
  if (!command || !ROLES.includes(command as Role)) {
    if (command && !values.help) process.stderr.write(`vigie: unknown command "${command}"\n\n`);
    process.stdout.write(`${HELP.main}\n`);
    return command && !values.help ? 2 : 0;
  }
  const role = command as Role;
  if (values.help) {
    process.stdout.write(`${HELP[role]}\n`);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`vigie ${role}: unexpected argument "${positionals[1]}"\n`);
    return 2;
  }

  const overrides: Record<string, string> = {};
  for (const [flag, paths] of Object.entries(FLAG_PATHS)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === 'string') for (const path of paths(role)) overrides[path] = value;
  }
  for (const pair of (values.set as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`vigie: --set expects KEY=VALUE (got "${pair}")\n`);
      return 2;
    }
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  const loaded = loadConfig({ file: values.config as string | undefined, overrides });
  if (!loaded.ok) {
    process.stderr.write(formatConfigError(loaded.error));
    return 2;
  }
  const config = loaded.value;
  setLogLevel(config.log.level as LogLevel);
  const format = await setLogFormat(config.log.format as LogFormat);
  const log = createLogger('cli');

  let stack: Stack;
  try {
    const configFile = configFileOf({ file: values.config as string | undefined });
    stack = await startStack(role, config, {
      ...(values.simulate && role === 'oled' ? { oledDisplay: simulateToTerminal(process.stdout) } : {}),
      ...(configFile ? { configFile } : {}),
    });
  } catch (error) {
    process.stderr.write(`vigie ${role}: could not start: ${describeStartError(error)}\n`);
    return 1;
  }
  // The simulator draws on stdout: no banner over it.
  // The banner: plain lines on stdout, never inside the log stream (stderr). With JSON logs it is also
  // one structured record there, the URLs as fields, for journald and log shippers (docs/operations.md).
  const shown = banner(role, config, stack);
  if (!(role === 'oled' && values.simulate)) process.stdout.write(shown.text);
  if (format === 'json') log.info({ banner: shown.fields }, `Vigie ${VIGIE_VERSION} ${role} started`);

  return closeOnSignal(stack, log, 'vigie');
}

function describeStartError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE') return `${e.address ?? ''}:${e.port ?? ''} is already in use (choose another port with --http-port / --mqtt-port)`;
  if (e.code === 'EACCES') return `permission denied binding ${e.address ?? ''}:${e.port ?? ''} (ports below 1024 need privileges)`;
  return e.message ?? String(error);
}

/** What `vigie <role>` says once started: as text for people, as fields for machines. */
interface Banner {
  text: string;
  fields: Record<string, string>;
}

function banner(role: Role, config: VigieConfig, stack: Stack): Banner {
  const lines = [`Vigie ${VIGIE_VERSION} — ${role}`];
  const fields: Record<string, string> = { version: VIGIE_VERSION, role };
  const hosts = (bind: string) => (bind === '0.0.0.0' || bind === '::' ? ['127.0.0.1', ...lanAddresses()] : [bind]);
  if (stack.http && role !== 'broker') {
    lines.push(`Dashboard: ${stack.http.url}/`);
    fields.dashboard = `${stack.http.url}/`;
  }
  if (stack.broker) {
    const mqtt = `mqtt://${hosts(config.broker.host)[0]}:${stack.broker.port}`;
    const ws = `${stack.http?.url.replace('http', 'ws')}${config.broker.wsPath}`;
    lines.push(`MQTT:      ${mqtt}  (WebSocket: ${ws})`);
    Object.assign(fields, { mqtt, mqttWebSocket: ws });
    if (stack.broker.tlsPort !== undefined) {
      lines.push(`MQTT/TLS:  mqtts://${hosts(config.broker.host)[0]}:${stack.broker.tlsPort}`);
      fields.mqttTls = `mqtts://${hosts(config.broker.host)[0]}:${stack.broker.tlsPort}`;
    }
    const lan = hosts(config.broker.host).filter((h) => h !== '127.0.0.1');
    if (lan.length > 0) {
      lines.push(`Agents on other machines connect to mqtt://${lan[0]}:${stack.broker.port}: add them with the install line from the dashboard (Hosts & agents) or 'vigie credentials add --host NAME'`);
      fields.mqttLan = `mqtt://${lan[0]}:${stack.broker.port}`;
    }
    if (config.broker.allowAnonymous) {
      lines.push('WARNING:   anonymous MQTT is on (broker.allowAnonymous): anyone may publish as any host');
      fields.warning = 'anonymous MQTT is on (broker.allowAnonymous)';
    }
  }
  const setupCode = stack.dashboard?.setupCode();
  if (setupCode) {
    lines.push(`Setup:     no user yet: open the dashboard and enter the setup code ${setupCode} (or run 'vigie user add NAME --role admin')`);
    fields.setupCode = setupCode;
  }
  if (stack.agent) {
    lines.push(`Agent:     publishing as "${stack.agent.hostId}" every ${config.agent.interval} s`);
    fields.agent = stack.agent.hostId;
  }
  if (stack.oled) {
    const d = stack.oled.display();
    const display = d.kind === 'ssd1306' && d.on ? `OLED on I2C bus ${config.oled.bus} at 0x${config.oled.address.toString(16)}` : `no OLED panel: ${d.reason ?? 'off'}`;
    lines.push(`Display:   ${display}`);
    fields.display = display;
  }
  lines.push('Press Ctrl-C to stop.');
  return { text: `${lines.join('\n')}\n`, fields };
}

// Run when executed directly (bin or `node dist/cli/main.js`), not when imported by tests.
const invokedPath = process.argv[1] ? new URL(`file://${process.argv[1]}`).pathname : '';
if (invokedPath.endsWith('/cli/main.js') || invokedPath.endsWith('/bin/vigie') || invokedPath.endsWith('/vigie')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
