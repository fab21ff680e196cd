import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireProgram, tempDir, waitFor } from './env.js';

/** Debian's `influxdb` package (1.6 on bookworm, what Raspberry Pi OS ships). */
export const INFLUXD = process.env.VIGIE_INFLUXD ?? '/usr/bin/influxd';

/** True when influxd can run here; under CI=true a missing one throws (the suite fails), outside CI it prints a SKIP line. */
export function haveInfluxd(): boolean {
  return requireProgram(`influxd (${INFLUXD})`, existsSync(INFLUXD));
}

export interface InfluxdHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Sends an InfluxQL statement with POST /query (admin credentials when auth is on); resolves with the parsed JSON. */
  query(q: string, db?: string): Promise<InfluxQueryJson>;
  /** Stops the server (SIGTERM, waits for exit); data and ports are kept for restart(). */
  pause(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it answers /ping. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
  /** The server's process id while it runs (benchmarks read its CPU and memory). */
  pid(): number | undefined;
}

export interface InfluxQueryJson {
  results: Array<{ statement_id?: number; error?: string; series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }>;
  error?: string;
}

export interface StartInfluxdOptions {
  /** Databases created once it is up. */
  databases?: string[];
  /** Turns on [http] auth-enabled and creates this admin user first. */
  admin?: { user: string; password: string };
}

/**
 * Starts a real influxd on free 127.0.0.1 ports with every file in a temp
 * directory (meta, data, WAL), usage reporting off. Call haveInfluxd() first.
 */
export async function startInfluxd(opts: StartInfluxdOptions = {}): Promise<InfluxdHandle> {
  const dir = tempDir('vigie-influxd-');
  const port = await freePort();
  // Two quick freePort() calls may hand out the same port: influxd would then fail to bind.
  let rpcPort = await freePort();
  while (rpcPort === port) rpcPort = await freePort();
  const config = join(dir.path, 'influxd.conf');
  writeFileSync(config, [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]', `  dir = "${join(dir.path, 'meta')}"`,
    '[data]', `  dir = "${join(dir.path, 'data')}"`, `  wal-dir = "${join(dir.path, 'wal')}"`, '  query-log-enabled = false',
    '[http]', `  bind-address = "127.0.0.1:${port}"`, '  log-enabled = false', `  auth-enabled = ${opts.admin ? 'true' : 'false'}`,
    '[monitor]', '  store-enabled = false',
    '[continuous_queries]', '  enabled = false',
    '[logging]', '  level = "error"',
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  async function launch(): Promise<void> {
    const proc = spawn(INFLUXD, ['run', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (b: Buffer): void => {
      output = (output + b.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor('influxd /ping', async () => {
      if (exited) throw new Error(`influxd exited: ${output}`);
      const res = await fetch(`${url}/ping`);
      return res.status === 204;
    }, 20_000, 50);
  }

  async function halt(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  }

  async function query(q: string, db?: string): Promise<InfluxQueryJson> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db) params.set('db', db);
    const headers: Record<string, string> = {};
    if (opts.admin) headers.authorization = `Basic ${Buffer.from(`${opts.admin.user}:${opts.admin.password}`).toString('base64')}`;
    const res = await fetch(`${url}/query`, { method: 'POST', body: params, headers });
    const json = (await res.json()) as InfluxQueryJson;
    const failed = json.error ?? json.results?.find((r) => r.error)?.error;
    if (failed) throw new Error(`influx query "${q}": ${failed}`);
    return json;
  }

  try {
    await launch();
    if (opts.admin) {
      // With auth on and no user yet, influxd accepts exactly this statement unauthenticated.
      const params = new URLSearchParams({ q: `CREATE USER "${opts.admin.user}" WITH PASSWORD '${opts.admin.password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' WITH ALL PRIVILEGES` });
      const res = await fetch(`${url}/query`, { method: 'POST', body: params });
      if (!res.ok) throw new Error(`creating the admin user failed: ${res.status} ${await res.text()}`);
    }
    for (const db of opts.databases ?? []) await query(`CREATE DATABASE "${db}"`);
  } catch (error) {
    await halt();
    dir.remove();
    throw error;
  }

  return {
    url, port, query,
    pid: () => child?.pid,
    pause: halt,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      dir.remove();
    },
  };
}

/** The rows of the first series of the first statement (an empty list when there is none). */
export function rows(json: InfluxQueryJson): unknown[][] {
  return json.results[0]?.series?.[0]?.values ?? [];
}
