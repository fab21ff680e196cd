import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrokerStats } from '../../broker/index.js';
import type { IngestStats } from '../../ingest/types.js';
import { request } from '../lib/child-request.js';
import type { StageLatencies } from './stages.js';
import { readProcStats } from '../lib/proc-stats.js';
import { benchServerEnv, benchServerFlags } from '../lib/server-flags.js';

/** The measured Vigie server (bench/pipeline/server.ts) in its own process, with a fresh data dir. */
export interface BenchServer {
  child: ChildProcess;
  dataDir: string;
  mqttUrl: string;
  httpUrl: string;
  /** Ingest and broker counters; ingestDisconnects: times the ingest lost its broker connection. */
  stats(): Promise<{ stats: IngestStats; broker: BrokerStats; ingestDisconnects: number }>;
  proc(): { cpuSeconds: number; rssBytes: number };
  /** Times the samples of these hosts at the broker and the ingest from now on (bench/pipeline/stages.ts); [] stops. */
  watchStages(hosts: string[]): Promise<void>;
  stages(): Promise<StageLatencies>;
  /** Stops the server; the data dir is kept until remove(), so the store can be read after the run. */
  stop(): Promise<void>;
  remove(): void;
}

export async function startBenchServer(): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-bench-'));
  const child = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [dataDir], {
    execArgv: benchServerFlags(),
    env: benchServerEnv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await Promise.race([
    request<{ mqttPort: number; httpUrl: string }>(child, 'ready'),
    exited.then(() => {
      throw new Error('bench server exited before it was ready');
    }),
  ]);
  let stopped = false;
  return {
    child,
    dataDir,
    mqttUrl: `mqtt://127.0.0.1:${ready.mqttPort}`,
    httpUrl: ready.httpUrl,
    stats: () => request(child, 'stats'),
    proc: () => readProcStats(child.pid!),
    watchStages: async (hosts) => void (await request(child, 'stages-watch', { hosts })),
    stages: () => request(child, 'stages'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      child.send({ type: 'stop' });
      // A server that does not close in time is killed: a bench must never leave it behind.
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
