/**
 * A real SNMP agent for tests: Debian's net-snmp `snmpd` run as the current
 * user on a free UDP port of 127.0.0.1, with every file in a temp directory
 * (no system service, no /etc/snmp, no /var/lib/snmp). It answers from this
 * machine's /proc like any Linux server would: SNMPv2-MIB system, IF-MIB
 * ifTable/ifXTable, HOST-RESOURCES-MIB (hrStorage, hrProcessor) and
 * UCD-SNMP-MIB (laLoad, ssCpuRaw*, memory, dskTable for `/`).
 *
 * Credentials (fixed so every suite and the docs agree):
 * - v2c community `vigie-ro`, read-only, from 127.0.0.1 only;
 * - v3 `authonly`: SHA-256, authNoPriv, passphrase `auth-pass-123`;
 * - v3 `private`: SHA-256 + AES-128, authPriv, `auth-pass-456` / `priv-pass-789`.
 *
 * The v3 users are `createUser` lines in the persistent directory's
 * snmpd.conf, as net-snmp documents: snmpd turns them into localized
 * `usmUser` keys on first start and keeps its engine ID and `engineBoots`
 * there, so `stop()`/`start()` behaves like a device that reboots (same
 * engine ID, boots + 1, sysUpTime from 0), not like a new device.
 *
 * Two fixed custom OIDs are served (`override`), for custom-OID tests:
 * {@link CUSTOM_OIDS}.
 *
 * Without snmpd: `haveSnmpd()` throws under CI=true, prints a SKIP line outside.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireProgram, tempDir, waitFor } from './env.js';

const run = promisify(execFile);

/** The agent binary (Debian `snmpd`); VIGIE_SNMPD overrides it. */
export const SNMPD = process.env.VIGIE_SNMPD ?? '/usr/sbin/snmpd';
/** The client tools (Debian `snmp`). */
export const SNMPGET = '/usr/bin/snmpget';
export const SNMPBULKWALK = '/usr/bin/snmpbulkwalk';

/** True when snmpd and the snmp tools can run here; under CI=true a missing one throws, outside CI it prints a SKIP line. */
export function haveSnmpd(): boolean {
  return requireProgram(`snmpd and snmp (${SNMPD}, ${SNMPGET})`, existsSync(SNMPD) && existsSync(SNMPGET) && existsSync(SNMPBULKWALK));
}

/**
 * Well-known numeric OIDs the suites read (no MIB files are loaded). Spelled
 * here again, not imported from agent/snmp/mibs.ts, on purpose: the tests
 * compare the poller's figures with snmpget's, and a wrong OID in the poller
 * must make them differ, not be copied into the oracle.
 */
export const OID = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
  /** UCD laLoad.1 (1-minute load, a string like "0.35"). */
  laLoad1: '1.3.6.1.4.1.2021.10.1.3.1',
  /** UCD memTotalReal / memAvailReal (kB). */
  memTotalReal: '1.3.6.1.4.1.2021.4.5.0',
  memAvailReal: '1.3.6.1.4.1.2021.4.6.0',
  /** UCD dskTable (the `disk /` line makes row 1 the root file system). */
  dskTable: '1.3.6.1.4.1.2021.9.1',
  hrStorageTable: '1.3.6.1.2.1.25.2.3.1',
  /** hrProcessorLoad: net-snmp only fills it once it has a minute of CPU history. */
  hrProcessorLoad: '1.3.6.1.2.1.25.3.3.1.2',
  ifTable: '1.3.6.1.2.1.2.2.1',
  ifXTable: '1.3.6.1.2.1.31.1.1.1',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  /** snmpEngineID / snmpEngineBoots (SNMP-FRAMEWORK-MIB). */
  snmpEngineID: '1.3.6.1.6.3.10.2.1.1.0',
  snmpEngineBoots: '1.3.6.1.6.3.10.2.1.2.0',
} as const;

/** Custom OIDs served with fixed values, named after what they mimic. */
export const CUSTOM_OIDS = {
  /** Printer-MIB prtMarkerSuppliesLevel.1.1: a toner at 73 (%). */
  tonerLevel: { oid: '1.3.6.1.2.1.43.11.1.1.9.1.1', value: 73 },
  /** At pfSense's pfStateTableCount OID (BEGEMOT-PF-MIB; a gauge there), served as a constant Counter32: a counter custom OID whose rate is 0. */
  pfStates: { oid: '1.3.6.1.4.1.12325.1.200.1.3.1.0', value: 123456 },
} as const;

/** v3 credentials as the contract's DeviceSpec spells them. */
export interface SnmpdV3User {
  user: string;
  authProtocol: 'sha256';
  authKey: string;
  privProtocol?: 'aes';
  privKey?: string;
}

/** Who asks, for get()/walk(): the community (v2c, default the rig's) or one of the two v3 users (or any v3 credentials). */
export type SnmpAs =
  | { community?: string }
  | { v3: 'authOnly' | 'private' | SnmpdV3User };

export interface SnmpQueryOptions {
  as?: SnmpAs;
  /** Seconds per try (snmpget -t); default 5. */
  timeout?: number;
  /** Retries (snmpget -r); default 1. */
  retries?: number;
}

/** One varbind read by walk(): numeric OID without the leading dot, and its value as get() returns it. */
export interface SnmpVarbind {
  oid: string;
  value: string;
}

export interface Snmpd {
  host: '127.0.0.1';
  port: number;
  /** `vigie-ro`. */
  community: string;
  v3: {
    authOnly: SnmpdV3User & { level: 'authNoPriv' };
    private: Required<SnmpdV3User> & { level: 'authPriv' };
  };
  /**
   * Reads one OID (→ its value) or several (→ values in order) with snmpget.
   * Values: numbers and timeticks as plain digits (-Ot), strings without
   * their quotes, OIDs without the leading dot. A NoSuchObject/Instance or
   * an snmpget failure (timeout, auth) rejects with snmpget's message.
   */
  get(oid: string, opts?: SnmpQueryOptions): Promise<string>;
  get(oids: string[], opts?: SnmpQueryOptions): Promise<string[]>;
  /** Walks a subtree with snmpbulkwalk; an empty list when nothing is there. */
  walk(oid: string, opts?: SnmpQueryOptions): Promise<SnmpVarbind[]>;
  /** Stops the agent (SIGTERM, waits for exit): the device goes silent, its port stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and config (same engine ID, engineBoots + 1); resolves once it answers. */
  start(): Promise<void>;
  /** stop() then start(): a reboot, sysUpTime starts again from 0. */
  restart(): Promise<void>;
  /** Stops it and removes its directory; idempotent. */
  close(): Promise<void>;
  /** The agent's process id while it runs. */
  pid(): number | undefined;
  /** snmpd's log file so far (for a failing test's message). */
  log(): string;
}

export interface StartSnmpdOptions {
  /** The v2c community; default `vigie-ro`. */
  community?: string;
  /** Extra snmpd.conf lines (e.g. more `override` OIDs, `view` restrictions). */
  extraConfig?: string[];
  /** A fixed port (e.g. to bring a device back where it was); default a free one. */
  port?: number;
}

const AUTH_ONLY: Snmpd['v3']['authOnly'] = { user: 'authonly', level: 'authNoPriv', authProtocol: 'sha256', authKey: 'auth-pass-123' };
const PRIVATE: Snmpd['v3']['private'] = { user: 'private', level: 'authPriv', authProtocol: 'sha256', authKey: 'auth-pass-456', privProtocol: 'aes', privKey: 'priv-pass-789' };

/** A free UDP port on 127.0.0.1 (freePort() in env.ts is TCP). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.on('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/**
 * Starts snmpd (call haveSnmpd() first) and resolves once it answers a v2c
 * get of sysUpTime. Rejects with snmpd's log when it does not come up.
 */
export async function startSnmpd(opts: StartSnmpdOptions = {}): Promise<Snmpd> {
  const dir = tempDir('vigie-snmpd-');
  const confDir = join(dir.path, 'conf');
  const persistDir = join(dir.path, 'persist');
  const clientDir = join(dir.path, 'client');
  for (const d of [confDir, persistDir, clientDir]) mkdirSync(d, { recursive: true });
  const community = opts.community ?? 'vigie-ro';
  const logFile = join(dir.path, 'snmpd.log');
  writeFileSync(join(confDir, 'snmpd.conf'), [
    `rocommunity ${community} 127.0.0.1`,
    `rouser ${AUTH_ONLY.user} auth`,
    `rouser ${PRIVATE.user} priv`,
    // UCD dskTable row 1 = the root file system; laLoad thresholds only matter for laErrorFlag.
    'disk /',
    'load 12 10 5',
    `override .${CUSTOM_OIDS.tonerLevel.oid} integer ${CUSTOM_OIDS.tonerLevel.value}`,
    `override .${CUSTOM_OIDS.pfStates.oid} counter ${CUSTOM_OIDS.pfStates.value}`,
    'dontLogTCPWrappersConnects yes',
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n'));
  // createUser belongs in the persistent file: snmpd replaces it with localized keys on first start.
  writeFileSync(join(persistDir, 'snmpd.conf'), [
    `createUser ${AUTH_ONLY.user} SHA-256 ${AUTH_ONLY.authKey}`,
    `createUser ${PRIVATE.user} SHA-256 ${PRIVATE.authKey} AES ${PRIVATE.privKey}`,
    '',
  ].join('\n'));
  // SNMPCONFPATH instead of -C: -C also skips the persistent file, and with it the users, engine ID and boots.
  const agentEnv = { ...process.env, SNMPCONFPATH: `${confDir}:${persistDir}`, SNMP_PERSISTENT_DIR: persistDir, MIBS: '', MIBDIRS: '' };
  // The client tools get an empty config path too, so ~/.snmp or /etc/snmp/snmp.conf defaults do not leak in.
  const clientEnv = { ...process.env, SNMPCONFPATH: clientDir, SNMP_PERSISTENT_DIR: clientDir, MIBS: '', MIBDIRS: '' };
  let port = opts.port ?? (await freeUdpPort());
  let child: ChildProcess | undefined;
  let closed = false;

  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  function clientArgs(o: SnmpQueryOptions = {}): string[] {
    const as = o.as ?? {};
    // Generous defaults: an answer comes at once when snmpd is fast, and CI's busy cores sometimes make it slow.
    const common = ['-m', '', '-Onqte', '-t', String(o.timeout ?? 5), '-r', String(o.retries ?? 1)];
    if ('v3' in as) {
      const u: SnmpdV3User = as.v3 === 'authOnly' ? AUTH_ONLY : as.v3 === 'private' ? PRIVATE : as.v3;
      const auth = ['-a', u.authProtocol === 'sha256' ? 'SHA-256' : u.authProtocol, '-A', u.authKey];
      const priv = u.privKey ? ['-x', (u.privProtocol ?? 'aes').toUpperCase(), '-X', u.privKey] : [];
      return [...common, '-v3', '-u', u.user, '-l', u.privKey ? 'authPriv' : 'authNoPriv', ...auth, ...priv];
    }
    return [...common, '-v2c', '-c', as.community ?? community];
  }

  async function tool(bin: string, args: string[]): Promise<SnmpVarbind[]> {
    let stdout: string;
    try {
      ({ stdout } = await run(bin, [...args], { env: clientEnv, timeout: 60_000 }));
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${bin.split('/').pop()} ${args.slice(-1)[0]}: ${(e.stderr ?? '').trim() || e.message}`);
    }
    return parseOutput(stdout);
  }

  async function get(oids: string | string[], o?: SnmpQueryOptions): Promise<string | string[]> {
    const list = Array.isArray(oids) ? oids : [oids];
    const rows = await tool(SNMPGET, [...clientArgs(o), `${host}:${port}`, ...list.map(dot)]);
    const missing = rows.find((r) => /^No Such (Object|Instance)/.test(r.value));
    if (missing) throw new Error(`snmpget ${missing.oid}: ${missing.value}`);
    if (rows.length !== list.length) throw new Error(`snmpget: ${rows.length} values for ${list.length} OIDs`);
    const values = rows.map((r) => r.value);
    return Array.isArray(oids) ? values : values[0]!;
  }

  async function walk(oid: string, o?: SnmpQueryOptions): Promise<SnmpVarbind[]> {
    const rows = await tool(SNMPBULKWALK, [...clientArgs(o), `${host}:${port}`, dot(oid)]);
    // snmpbulkwalk prints "No Such Object…" on the root OID when the subtree is empty.
    return rows.filter((r) => !/^No (Such (Object|Instance)|more variables)/.test(r.value));
  }

  async function launch(): Promise<void> {
    // -f foreground, -Lf log file, -m '' no MIB files, -I -smux: no SMUX listener on TCP 199 (a system snmpd may hold it).
    const proc = spawn(SNMPD, ['-f', '-Lf', logFile, '-p', join(dir.path, 'snmpd.pid'), '-m', '', '-I', '-smux', `udp:${host}:${port}`], {
      env: agentEnv,
      stdio: 'ignore',
    });
    child = proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor('snmpd to answer', async () => {
      if (exited) throw new Error(`snmpd exited: ${log().slice(-2000)}`);
      try {
        await get(OID.sysUpTime, { timeout: 1, retries: 0 });
        return true;
      } catch (error) {
        if (exited) throw new Error(`snmpd exited: ${log().slice(-2000)}`);
        throw error;
      }
    }, 20_000, 100).catch((error: unknown) => {
      proc.kill('SIGKILL');
      throw error;
    });
  }

  async function halt(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  const host = '127.0.0.1' as const;
  try {
    // Another process may take the port between freeUdpPort() and snmpd's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      try {
        await launch();
        break;
      } catch (error) {
        if (opts.port !== undefined || attempt >= 3 || !/Error opening specified endpoint/.test(String(error))) throw error;
        port = await freeUdpPort();
      }
    }
  } catch (error) {
    await halt();
    dir.remove();
    throw error;
  }

  return {
    host,
    port,
    community,
    v3: { authOnly: { ...AUTH_ONLY }, private: { ...PRIVATE } },
    get: get as Snmpd['get'],
    walk,
    stop: halt,
    start: async () => {
      if (closed) throw new Error('snmpd rig is closed');
      if (child && child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
    restart: async () => {
      await halt();
      await launch();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await halt();
      dir.remove();
    },
    pid: () => child?.pid,
    log,
  };
}

const dot = (oid: string): string => (oid.startsWith('.') ? oid : `.${oid}`);

/**
 * Parses `-Onqte` output: `.oid value` per varbind; a hex or multi-line
 * string continues on the next lines (they do not start with `.<digit>`).
 */
export function parseOutput(stdout: string): SnmpVarbind[] {
  const rows: SnmpVarbind[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\.(\d+(?:\.\d+)*) ?(.*)$/.exec(line);
    if (m) rows.push({ oid: m[1]!, value: m[2]! });
    else if (rows.length && line !== '') rows[rows.length - 1]!.value += `\n${line}`;
  }
  for (const r of rows) {
    const v = r.value.trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) r.value = v.slice(1, -1).replace(/\\"/g, '"').trim();
    else r.value = v.replace(/^\.(?=\d)/, '');
  }
  return rows;
}
