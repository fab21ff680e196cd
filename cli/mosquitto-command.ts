import { resolve } from 'node:path';
import { openAccounts } from '../accounts/index.js';
import { buildMosquittoFiles, reloadTarget } from '../broker/mosquitto/sync.js';
import { reloadMosquitto, writeMosquittoFiles, type ReloadTarget } from '../broker/mosquitto/write.js';
import { DeviceStore } from '../devices/store.js';
import { startAdminCommand } from './admin-command.js';

export const MOSQUITTO_HELP = `Usage: vigie mosquitto [write] [options]

Writes what a Mosquitto 2.0 needs to be Vigie's broker (docs/mosquitto.md):
  DIR/mosquitto.conf   tuned: listener, no anonymous, in-flight and queue bounds,
                       persistence under DIR/data/, TCP_NODELAY, packet size
  DIR/passwd           the active MQTT credentials, as Mosquitto PBKDF2-SHA512 hashes
  DIR/acl              Vigie's topic rules for each of them (agents, ingest, readers,
                       SNMP pollers, Home Assistant's prefix)
Run Mosquitto with:  mosquitto -c DIR/mosquitto.conf
With mosquitto.dir in the config, the server keeps these files in step by itself
(enrollment, revocation, host and device changes) and reloads Mosquitto.

Credentials made before Vigie kept Mosquitto hashes cannot be written: they are
listed, to be rotated ('vigie credentials add --host NAME' for an agent: its
install line trades a new token for new credentials; 'vigie credentials add
--service ingest|reader [--name NAME]' for a service).

  --dir DIR             where to write (default: mosquitto.dir)
  --port PORT           listener port (default: mosquitto.port, 1883)
  --reload              then make Mosquitto reload (mosquitto.pidFile or mosquitto.reloadCommand)
  --pid-file FILE       then send SIGHUP to the pid in FILE

  --data-dir DIR        Vigie's data directory (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** `vigie mosquitto …`: returns the exit code. */
export async function mosquittoMain(argv: string[], out: NodeJS.WritableStream = process.stdout, errOut: NodeJS.WritableStream = process.stderr): Promise<number> {
  // `write` is the one action; it may be left out.
  const args0 = argv[0] === undefined || (argv[0].startsWith('-') && argv[0] !== '-h' && argv[0] !== '--help') ? ['write', ...argv] : argv;
  const args = startAdminCommand('mosquitto', MOSQUITTO_HELP, args0, { dir: { type: 'string' }, port: { type: 'string' }, reload: { type: 'boolean' }, 'pid-file': { type: 'string' } }, { out, err: errOut });
  if (typeof args === 'number') return args;
  const { values, action, rest, config } = args;
  if (action !== 'write' || rest.length > 0) {
    errOut.write(`vigie mosquitto: unknown action "${[action, ...rest].join(' ')}"\n\n${MOSQUITTO_HELP}\n`);
    return 2;
  }
  const dir = (values.dir as string | undefined) ?? config.mosquitto.dir;
  if (!dir) {
    errOut.write('vigie mosquitto: give --dir DIR or set mosquitto.dir in the config (a directory path)\n');
    return 2;
  }
  let port = config.mosquitto.port;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errOut.write(`vigie mosquitto: --port: "${String(values.port)}" is not a port (expected 1 to 65535)\n`);
      return 2;
    }
  }
  let target: ReloadTarget | null = null;
  if (typeof values['pid-file'] === 'string') target = { pidFile: values['pid-file'] };
  else if (values.reload) {
    target = reloadTarget(config.mosquitto);
    if (!target) {
      errOut.write('vigie mosquitto: --reload needs mosquitto.pidFile or mosquitto.reloadCommand in the config (or give --pid-file FILE)\n');
      return 2;
    }
  }
  const dataDir = resolve(config.dataDir);
  const accounts = openAccounts(dataDir);
  const devices = DeviceStore.open(dataDir);
  try {
    const files = buildMosquittoFiles({
      mosquitto: { ...config.mosquitto, dir: resolve(dir), port },
      broker: config.broker,
      prefix: config.mqtt.prefix,
      haPrefix: config.ha.prefix,
      credentials: accounts.credentials,
      devices,
    });
    const written = writeMosquittoFiles(resolve(dir), files, { group: config.mosquitto.group });
    out.write(`${written.length ? `wrote ${written.join(', ')}` : 'unchanged'} in ${resolve(dir)}\n`);
    out.write(`run: mosquitto -c ${resolve(dir, 'mosquitto.conf')}\n`);
    if (files.missing.length > 0) {
      out.write(
        `\n${files.missing.length} credential(s) made before Vigie kept Mosquitto hashes are NOT in the password file; rotate them:\n` +
          files.missing.map((u) => `  ${u}: ${rotation(u)}\n`).join(''),
      );
    }
    if (target) {
      await reloadMosquitto(target);
      out.write('mosquitto reloaded\n');
    }
    return 0;
  } catch (error) {
    errOut.write(`vigie mosquitto: ${(error as Error).message}\n`);
    return 1;
  } finally {
    devices.close();
    accounts.close();
  }
}

/** The command that makes new credentials for `username` (its Mosquitto hash comes with them). */
function rotation(username: string): string {
  if (username.startsWith('agent-')) return `vigie credentials add --host ${username.slice('agent-'.length)}  (then run the install line on it)`;
  const name = username.slice('service-'.length);
  return name === 'ingest' || name === 'reader' ? `vigie credentials add --service ${name}` : `vigie credentials add --service reader --name ${name}  (or ingest)`;
}
