/**
 * A real Mosquitto for tests (issue 15): Debian's 2.0 broker run as the
 * current user (`user root` is written when the tests run as root, or
 * Mosquitto would switch to the `mosquitto` account and lose access to the
 * 0600 files) on a free port of 127.0.0.1, with every file in a temp
 * directory, from the files `vigie mosquitto` writes. It is started in the
 * foreground (no -d), so the helper writes the pid file Mosquitto would
 * write as a daemon, and the server's `mosquitto.pidFile` reload works on it.
 *
 * `startMosquittoStack()` is the Mosquitto twin of `startTestStack('up')`:
 * the files are written with the real CLI, Mosquitto is started, then the
 * real `vigie server` wiring connects its ingest with its own credentials and
 * keeps the files in step (mosquitto.dir, mosquitto.pidFile).
 *
 * Without mosquitto: `haveMosquitto()` throws under CI=true, prints a SKIP line outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startAgent } from '../../agent/index.js';
import { mosquittoMain } from '../../cli/mosquitto-command.js';
import { freePort, requireProgram, tempDir, waitFor } from './env.js';
import { addCredentials, startTestStack, type TestStack } from './stack.js';

/** The broker binary (Debian `mosquitto`); VIGIE_MOSQUITTO overrides it. */
export const MOSQUITTO = process.env.VIGIE_MOSQUITTO ?? '/usr/sbin/mosquitto';

/** True when Mosquitto can run here; under CI=true a missing one throws, outside CI it prints a SKIP line. */
export function haveMosquitto(): boolean {
  return requireProgram(`mosquitto (${MOSQUITTO})`, existsSync(MOSQUITTO));
}

/** The `mosquitto.*` keys that make the generated conf run here as the current user. */
export function mosquittoKeys(dir: string, port: number): Record<string, string> {
  return {
    'mosquitto.dir': dir,
    'mosquitto.host': '127.0.0.1',
    'mosquitto.port': String(port),
    'mosquitto.pidFile': join(dir, 'mosquitto.pid'),
    ...(process.getuid?.() === 0 ? { 'mosquitto.user': 'root' } : {}),
  };
}

export interface MosquittoProcess {
  url: string;
  port: number;
  dir: string;
  pid: number;
  /** What Mosquitto logged so far (stderr), for assertions and failures. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `mosquitto -c <dir>/mosquitto.conf` (written before) and resolves once it accepts connections on `port`. */
export async function startMosquitto(dir: string, port: number): Promise<MosquittoProcess> {
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  writeFileSync(join(dir, 'mosquitto.pid'), `${child.pid}\n`);
  await waitFor(`mosquitto listening on ${port}`, () => {
    if (exited) throw new Error(`mosquitto exited: ${output}`);
    return new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    pid: child.pid!,
    log: () => output,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

export interface MosquittoStack extends TestStack {
  mosquitto: MosquittoProcess;
  /** The ingest's credentials (service-ingest). */
  ingest: { username: string; password: string };
}

/**
 * `vigie mosquitto` writes the files, Mosquitto starts on them, and the
 * real `vigie server` wiring runs against it. `set` overrides config keys.
 */
export async function startMosquittoStack(opts: { set?: Record<string, string>; agentHost?: string } = {}): Promise<MosquittoStack> {
  const data = tempDir('vigie-mosq-');
  const dir = join(data.path, 'mosquitto');
  const port = await freePort();
  const keys = { ...mosquittoKeys(dir, port), ...opts.set };
  const ingest = addCredentials(data.path, { kind: 'service', role: 'ingest' });
  const configFile = join(data.path, 'vigie.json');
  const config: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(keys)) {
    const parts = path.split('.');
    let node = config;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    // The file is JSON: numbers and booleans as such (the stack's overrides are strings, coerced by the loader).
    node[parts.at(-1)!] = /^\d+$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
  }
  writeFileSync(configFile, JSON.stringify(config));
  const out: string[] = [];
  const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
  const code = await mosquittoMain(['--data-dir', data.path, '-c', configFile], sink, sink);
  if (code !== 0) throw new Error(`vigie mosquitto failed (${code}): ${out.join('')}`);
  const mosquitto = await startMosquitto(dir, port);
  let stack: TestStack;
  try {
    stack = await startTestStack('server', {
      dataDir: data.path,
      set: { ...keys, 'ingest.broker': mosquitto.url, 'ingest.username': ingest.username, 'ingest.password': ingest.password },
    });
  } catch (error) {
    await mosquitto.stop();
    data.remove();
    throw error;
  }
  if (opts.agentHost) {
    // The twin of `vigie up`'s local agent: an enrolled agent (credentials made by another connection,
    // so the server finds them by data_version and reloads mosquitto; the agent retries until then).
    const creds = addCredentials(data.path, { kind: 'agent', host: opts.agentHost });
    stack.stack.agent = await startAgent(
      { ...stack.config.agent, broker: mosquitto.url, host: opts.agentHost, username: creds.username, password: creds.password, reconnectMin: 0.1, reconnectMax: 0.5 },
      { prefix: stack.config.mqtt.prefix, dataDir: join(data.path, 'agent') },
    );
  }
  return {
    ...stack,
    mqttUrl: mosquitto.url,
    mosquitto,
    ingest,
    close: async () => {
      await stack.stack.agent?.close();
      await stack.close();
      await mosquitto.stop();
      data.remove();
    },
  };
}

export type BrokerKind = 'aedes' | 'mosquitto';

/**
 * For suites parametrised over the broker: `aedes` is `vigie up` (embedded
 * broker, local agent); `mosquitto` is a real mosquitto with `vigie server`
 * and an enrolled agent in the same process. null when mosquitto is missing
 * outside CI (the SKIP line is printed).
 */
export async function startBrokerStack(kind: BrokerKind): Promise<TestStack | null> {
  if (kind === 'aedes') return startTestStack('up');
  if (!haveMosquitto()) return null;
  return startMosquittoStack({ agentHost: 'mq-local' });
}
