/**
 * Dashboard watchers for the pipeline bench: Socket.IO clients that sign in
 * with an API token and watch hosts the way the web app does
 * (dashboard/web/src/live.ts: `overview`, then `subscribe` per host room).
 * A watcher that is refused, or whose overview does not list its hosts,
 * throws: a latency column must never come from a socket that saw nothing.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { openAccounts } from '../../accounts/index.js';

type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

/** Creates a dashboard user and an API token for it in the data dir's accounts.db; returns the token's secret. */
export async function createViewerToken(dataDir: string): Promise<string> {
  const accounts = openAccounts(dataDir);
  try {
    const user = await accounts.users.create({ name: 'bench-watcher', password: 'bench watcher password', role: 'admin' });
    return accounts.tokens.create(user.id, 'pipeline bench', 'read').secret;
  } finally {
    accounts.close();
  }
}

/** Watchers in their own process (bench/pipeline/watcher-process.ts): same answers, taken over IPC. */
export async function startWatcherProcess(opts: { httpUrl: string; token: string; hosts: string[] }): Promise<{
  measuring(on: boolean): Promise<void>;
  results(): Promise<{ latencies: number[]; samplesByHost: Map<string, number> }>;
  close(): Promise<void>;
}> {
  const child = fork(fileURLToPath(new URL('./watcher-process.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ask = <T>(msg: { type: string } & Record<string, unknown>): Promise<T> => new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string } & Record<string, unknown>): void => {
      if (m.type !== msg.type && m.type !== 'error') return;
      child.off('message', onMessage);
      if (m.type === 'error') reject(new Error(m.message));
      else resolve(m as T);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
  const close = async (): Promise<void> => {
    if (child.connected) child.send({ type: 'stop' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await ask({ type: 'start', ...opts });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    measuring: async (on) => void (await ask({ type: 'measuring', on })),
    results: async () => {
      const r = await ask<{ latencies: number[]; samplesByHost: Array<[string, number]> }>({ type: 'results' });
      return { latencies: r.latencies, samplesByHost: new Map(r.samplesByHost) };
    },
    close,
  };
}

export interface Watchers {
  /** publish ts → `sample` received, ms, since measuring() was turned on. */
  latencies: number[];
  /** Samples received per watched host (all time). */
  samplesByHost: Map<string, number>;
  measuring(on: boolean): void;
  close(): void;
}

/** The dashboard allows 32 rooms per socket: a wall display of 25 hosts per connection. */
const HOSTS_PER_SOCKET = 25;

function ask<T>(socket: Socket, event: string, arg?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = (answer: Envelope<T>): void => (answer.ok ? resolve(answer.data) : reject(new Error(`${event}: ${answer.error.code} ${answer.error.message}`)));
    socket.timeout(10_000).emit(event, ...(arg === undefined ? [] : [arg]), (err: Error | null, answer: Envelope<T>) => (err ? reject(new Error(`${event}: no answer (${err.message})`)) : done(answer)));
  });
}

export async function startWatchers(opts: { httpUrl: string; token: string; hosts: string[] }): Promise<Watchers> {
  const latencies: number[] = [];
  const samplesByHost = new Map<string, number>(opts.hosts.map((h) => [h, 0]));
  let measuring = false;
  const sockets: Socket[] = [];
  try {
    for (let start = 0; start < opts.hosts.length; start += HOSTS_PER_SOCKET) {
      const hosts = opts.hosts.slice(start, start + HOSTS_PER_SOCKET);
      const socket = connectSocket(opts.httpUrl, { path: '/socket.io', transports: ['websocket'], auth: { token: opts.token, lang: 'en' }, reconnection: false });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', (e) => reject(new Error(`dashboard socket refused: ${e.message}`)));
      });
      socket.on('sample', (s: { host: string; metrics: { ts: number } }) => {
        samplesByHost.set(s.host, (samplesByHost.get(s.host) ?? 0) + 1);
        if (measuring) latencies.push(Date.now() - s.metrics.ts);
      });
      // Signed in for real: the overview answers with the hosts this user sees, ours among them.
      // The fleet may still be connecting (5,000 logins take a while): the hosts get 2 minutes to show up.
      for (let tries = 0; ; tries++) {
        const overview = await ask<Array<{ id: string }>>(socket, 'overview', { omitUnchanged: true }); // as the dashboard asks
        const seen = new Set(overview.map((h) => h.id));
        const missing = hosts.filter((h) => !seen.has(h));
        if (missing.length === 0) break;
        if (tries >= 240) throw new Error(`dashboard overview does not list ${missing.length} watched hosts (e.g. ${missing[0]}): ${overview.length} listed`);
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const host of hosts) await ask(socket, 'subscribe', { host });
      // The wall display keeps the overview stream too; the page shows one host: leave it on one socket only.
      if (start > 0) await ask(socket, 'overview:leave');
    }
  } catch (error) {
    for (const s of sockets) s.close();
    throw error;
  }
  return {
    latencies,
    samplesByHost,
    measuring: (on) => void (measuring = on),
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}
