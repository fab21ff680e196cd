import { openAccounts } from '../accounts/index.js';
import { agentHostId } from '../agent/index.js';
import { VigieError } from '../core/errors.js';
import { assertDeviceIdFree, assertPollerIsAgent } from '../devices/identity.js';
import { DeviceStore } from '../devices/store.js';
import { validateDevice } from '../devices/validate.js';
import { auditOf, deviceView } from '../devices/view.js';
import { EventLog } from '../events/event-log.js';
import { startAdminCommand } from './admin-command.js';

export const DEVICES_HELP = `Usage: vigie devices <list|show|add|remove> [options]

SNMP devices polled by an agent and shown as hosts (docs/snmp.md), in
<dataDir>/devices.db; their secrets are sealed with <dataDir>/secret.key.
Works while the server runs: it sees the change within a few seconds, sends
the poller its new configuration and, for a removal, removes the host's history.

  vigie devices list                     every device: id, address, poller, SNMP version, interval
  vigie devices show ID                  one device as JSON (secrets shown as "********")
  vigie devices add ID --address A [options]
      --poller HOST        host id of the agent that polls it (default: this machine's agent)
      --port N             UDP port (default 161)
      --interval S         seconds between polls (default 60)
      --timeout S          seconds per request (default 5)
      --retries N          retries of a request (default 1)
      --label TEXT         what people read
      --group N            id of a group that sees it (repeat for several)
      --disabled           keep it without polling it
    SNMP v2c:
      --community-stdin    read the community from the first line of standard input
                           (or set VIGIE_SNMP_COMMUNITY)
    SNMP v3:
      --v3-user USER       the USM user
      --level L            authNoPriv or authPriv (default authPriv)
      --auth P             sha, sha224, sha256, sha384, sha512 or md5 (default sha256)
      --priv P             aes, aes256b, aes256r or des (default aes; authPriv only)
      --keys-stdin         read the auth key, then the privacy key, one per line, from standard input
                           (or set VIGIE_SNMP_AUTH_KEY and VIGIE_SNMP_PRIV_KEY)
    No secret is taken on the command line: other users see it in ps, and the shell keeps it.
  vigie devices remove ID                remove the device, and its host (history, retained topics)

  --data-dir DIR        data directory of the server (default ./data)
  -c, --config FILE     JSON config file
  -h, --help            show this help`;

/** Options that would put a secret on the command line: refused by name, with the way to do it. */
const SECRET_OPTIONS = ['--community', '--auth-key', '--priv-key', '--authkey', '--privkey', '--password'];

export interface DevicesIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
}

/** `vigie devices …`: returns the exit code. */
export async function devicesMain(argv: string[], io: DevicesIo = { out: process.stdout, err: process.stderr, stdin: process.stdin }): Promise<number> {
  const env = io.env ?? process.env;
  const leaked = argv.find((a) => SECRET_OPTIONS.some((o) => a === o || a.startsWith(`${o}=`)));
  if (leaked) {
    io.err.write(`vigie devices: ${leaked.split('=')[0]}: no secret on the command line (ps and the shell history would show it): use --community-stdin or --keys-stdin, or VIGIE_SNMP_COMMUNITY / VIGIE_SNMP_AUTH_KEY / VIGIE_SNMP_PRIV_KEY\n`);
    return 2;
  }
  const args = startAdminCommand('devices', DEVICES_HELP, argv, {
    address: { type: 'string' }, poller: { type: 'string' }, port: { type: 'string' }, interval: { type: 'string' },
    timeout: { type: 'string' }, retries: { type: 'string' }, label: { type: 'string' }, group: { type: 'string', multiple: true },
    disabled: { type: 'boolean' }, 'community-stdin': { type: 'boolean' }, 'v3-user': { type: 'string' }, level: { type: 'string' },
    auth: { type: 'string' }, priv: { type: 'string' }, 'keys-stdin': { type: 'boolean' },
  }, io);
  if (typeof args === 'number') return args;
  const { values, action, rest, config } = args;
  const fail = (message: string, code = 2): number => {
    io.err.write(`vigie devices: ${message}\n`);
    return code;
  };
  const known = ['list', 'show', 'add', 'remove'];
  if (!known.includes(action)) return fail(`unknown action "${action}": expected ${known.join(', ')}\n\n${DEVICES_HELP}`);
  if (action === 'list' ? rest.length !== 0 : rest.length !== 1) return fail(action === 'list' ? 'list takes no argument' : `${action}: expected one device id`);

  const store = DeviceStore.open(config.dataDir);
  const accounts = openAccounts(config.dataDir);
  try {
    if (action === 'list') {
      const rows = store.list().map((d) => [d.id, `${d.address}:${d.port}`, d.poller, d.snmp.version === '2c' ? 'v2c' : `v3 ${d.snmp.level}`, `${d.interval}s`, d.enabled ? (d.sealError ? 'unreadable secrets' : 'polled') : 'disabled', accounts.hostAccess.labelOf(d.id) ?? '']);
      if (rows.length === 0) {
        io.out.write('No device. Add one with: vigie devices add ID --address A --community-stdin\n');
        return 0;
      }
      const table = [['ID', 'ADDRESS', 'POLLER', 'SNMP', 'INTERVAL', 'STATE', 'LABEL'], ...rows];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
      for (const row of table) io.out.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
      return 0;
    }
    const id = rest[0]!;
    if (action === 'show') {
      const def = store.get(id);
      if (!def) return fail(`no device with id ${id}`, 1);
      io.out.write(`${JSON.stringify(deviceView(def, accounts.hostAccess.get(id), true), null, 2)}\n`);
      return 0;
    }
    if (action === 'remove') {
      const def = store.get(id);
      if (!def) return fail(`no device with id ${id}`, 1);
      const before = accounts.hostAccess.get(id);
      store.delete(id);
      logEvent(config.dataDir, { type: 'device.removed', host: id, message: `Device ${id} removed from the command line`, data: { before: auditOf(def, before) } });
      io.out.write(`Removed device ${id}. The server removes its host and history within seconds (or at its next start).\n`);
      return 0;
    }

    // add
    const numbers: Record<string, unknown> = {};
    for (const key of ['port', 'interval', 'timeout', 'retries'] as const) {
      const raw = values[key];
      if (raw === undefined) continue;
      if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) return fail(`--${key}: expected a whole number (got ${String(raw)})`);
      numbers[key] = Number(raw);
    }
    const groups: number[] = [];
    for (const raw of (values.group as unknown as string[] | undefined) ?? []) {
      if (!/^[1-9]\d{0,9}$/.test(raw)) return fail(`--group: expected a group id (a positive integer), got ${raw}`);
      groups.push(Number(raw));
    }
    const snmp = await readCredentials(values, env, io.stdin);
    if (typeof snmp === 'string') return fail(snmp);
    const localAgent = agentHostId(config.agent);
    const body = {
      id,
      ...(typeof values.address === 'string' ? { address: values.address } : {}),
      ...(typeof values.poller === 'string' ? { poller: values.poller } : {}),
      ...numbers,
      ...(typeof values.label === 'string' ? { label: values.label } : {}),
      ...(groups.length > 0 ? { groups } : {}),
      ...(values.disabled ? { enabled: false } : {}),
      snmp,
    };
    if (body.address === undefined) return fail('add: --address is required: the device\'s host name or IP address');
    const checked = validateDevice(body, { defaultPoller: localAgent });
    if (!checked.ok) {
      io.err.write('vigie devices: nothing added:\n');
      for (const f of checked.fields) io.err.write(`  ${cliField(f.field)}: ${f.message}\n`);
      return 1;
    }
    const { fields, label } = checked.value;
    // The command line is the box's administrator; it knows the agents by their credentials (the ingest's hosts are the server's).
    const facts = { credentials: accounts.credentials, enrollmentTokens: accounts.enrollmentTokens, hostOf: () => null, devices: store, localAgent };
    if (store.has(fields.id)) return fail(`id: a device with id ${fields.id} already exists`, 1);
    assertDeviceIdFree(facts, fields.id);
    assertPollerIsAgent(facts, fields.poller);
    for (const g of groups) if (!accounts.groups.get(g)) return fail(`--group: no group with id ${g}`, 1);
    const created = store.create(fields, null);
    accounts.hostAccess.setAccess(created.id, { owner: accounts.hostAccess.get(created.id).owner, groups });
    if (label !== undefined) accounts.hostAccess.setLabel(created.id, label);
    logEvent(config.dataDir, { type: 'device.created', host: created.id, message: `Device ${created.id} (${created.address}, polled by ${created.poller}) added from the command line`, data: { after: auditOf(created, accounts.hostAccess.get(created.id)) } });
    io.out.write(`Added device ${created.id} (${created.address}:${created.port}), polled by ${created.poller} every ${created.interval} s.\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof VigieError)) throw error;
    return fail(error.message, 1);
  } finally {
    accounts.close();
    store.close();
  }
}

/** `snmp.authKey` → the option or variable a CLI user gave it through. */
function cliField(field: string): string {
  const names: Record<string, string> = {
    'snmp.community': 'community (--community-stdin / VIGIE_SNMP_COMMUNITY)',
    'snmp.authKey': 'auth key (--keys-stdin line 1 / VIGIE_SNMP_AUTH_KEY)',
    'snmp.privKey': 'privacy key (--keys-stdin line 2 / VIGIE_SNMP_PRIV_KEY)',
    'snmp.user': '--v3-user', 'snmp.level': '--level', 'snmp.authProtocol': '--auth', 'snmp.privProtocol': '--priv',
  };
  return names[field] ?? (/^(address|poller|port|interval|timeout|retries|label)$/.test(field) ? `--${field}` : field.startsWith('groups') ? '--group' : field);
}

/** The credentials from the options, with the secrets from standard input or the environment. */
async function readCredentials(values: Record<string, unknown>, env: NodeJS.ProcessEnv, stdin: NodeJS.ReadableStream): Promise<Record<string, unknown> | string> {
  const user = values['v3-user'];
  if (typeof user !== 'string') {
    if (values['keys-stdin'] || values.level || values.auth || values.priv) return '--keys-stdin, --level, --auth and --priv are for SNMP v3: add --v3-user USER';
    const community = values['community-stdin'] ? (await readLines(stdin))[0] : env.VIGIE_SNMP_COMMUNITY;
    if (!community) return 'the community is missing: pipe it with --community-stdin, or set VIGIE_SNMP_COMMUNITY (for SNMP v3, give --v3-user)';
    return { version: '2c', community };
  }
  if (values['community-stdin']) return '--community-stdin is for SNMP v2c: with --v3-user, use --keys-stdin';
  const level = typeof values.level === 'string' ? values.level : 'authPriv';
  const lines = values['keys-stdin'] ? await readLines(stdin) : [];
  const authKey = values['keys-stdin'] ? lines[0] : env.VIGIE_SNMP_AUTH_KEY;
  const privKey = values['keys-stdin'] ? lines[1] : env.VIGIE_SNMP_PRIV_KEY;
  if (!authKey) return 'the auth key is missing: pipe it with --keys-stdin (first line), or set VIGIE_SNMP_AUTH_KEY';
  if (level === 'authPriv' && !privKey) return 'the privacy key is missing (level authPriv): second line of --keys-stdin, or VIGIE_SNMP_PRIV_KEY';
  return {
    version: '3', user, level, authProtocol: typeof values.auth === 'string' ? values.auth : 'sha256', authKey,
    ...(level === 'authPriv' ? { privProtocol: typeof values.priv === 'string' ? values.priv : 'aes', privKey } : {}),
  };
}

async function readLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).filter((l) => l !== '');
}

function logEvent(dataDir: string, event: { type: string; host: string; message: string; data: Record<string, unknown> }): void {
  const events = EventLog.open(dataDir);
  try {
    events.append({ ...event, user: 'command line', address: null });
  } finally {
    events.close();
  }
}
